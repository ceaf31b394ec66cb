"""The widget script, the demo page, the staff console and their assets (from `api/static/`).

The files may not exist yet (they are built separately): a missing one is a 404 JSON, never a
failed start-up.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.errors import NOT_FOUND_MESSAGE, NotFound

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Short: the script's name carries no version, and a fix must reach residents the same day.
_CACHE = {"Cache-Control": "public, max-age=300"}
_PAGES = {"demo": "demo.html", "console": "console.html"}

router = APIRouter(include_in_schema=False)


def _file(name: str, media_type: str, headers: dict[str, str] | None = None) -> FileResponse:
    path = STATIC_DIR / name
    if not path.is_file():
        raise NotFound("not_found", NOT_FOUND_MESSAGE)
    return FileResponse(path, media_type=media_type, headers=headers)


@router.get("/widget.js")
async def widget() -> FileResponse:
    return _file("okienko-widget.js", "text/javascript; charset=utf-8", _CACHE)


@router.get("/demo")
async def demo() -> FileResponse:
    return _file(_PAGES["demo"], "text/html; charset=utf-8")


@router.get("/console")
async def console() -> FileResponse:
    return _file(_PAGES["console"], "text/html; charset=utf-8")


@router.get("/static/{name:path}")
async def asset(name: str) -> FileResponse:
    root = STATIC_DIR.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():  # no way out of the folder
        raise NotFound("not_found", NOT_FOUND_MESSAGE)
    return FileResponse(path, headers=_CACHE)

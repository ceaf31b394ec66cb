"""Loaders: a file on disk → a `Document` (metadata + plain text).

Markdown (with optional YAML front matter), plain text, HTML, PDF and DOCX. A file that cannot be
read becomes a `LoadError` naming the file and the reason; the caller decides to skip it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rag.documents import Document, DocumentMeta, KnowledgeBaseMeta
from rag.errors import LoadError

SUFFIXES: frozenset[str] = frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"})

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?", re.DOTALL)
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
# Consolidated texts open with the announcement ("Obwieszczenie … w sprawie ogłoszenia
# jednolitego tekstu ustawy o …"); the act it announces is the document's real title.
_ANNOUNCED_ACT = re.compile(
    r"jednolitego tekstu (?P<kind>ustawy|rozporządzenia|kodeksu) (?P<rest>.+)$", re.IGNORECASE
)
_ACT_NOMINATIVE = {"ustawy": "Ustawa", "rozporządzenia": "Rozporządzenie", "kodeksu": "Kodeks"}


def _heading_title(h1: str) -> str:
    announced = _ANNOUNCED_ACT.search(h1)
    if announced is None:
        return h1
    return f"{_ACT_NOMINATIVE[announced['kind'].lower()]} {announced['rest']}"


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split `---`-fenced YAML front matter from a Markdown body.

    Returns:
        The front matter as a mapping (empty when there is none) and the body.

    Raises:
        ValueError: the front matter is not valid YAML or not a mapping.
    """
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("front matter must be a mapping of fields")
    return data, text[match.end() :]


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(path, f"not UTF-8 text (byte {exc.start})") from exc


def _title_from_name(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").strip().capitalize() or path.name


def _markdown(path: Path) -> tuple[dict[str, Any], str]:
    text = _read_text(path)
    try:
        front, body = split_front_matter(text)
    except ValueError as exc:
        raise LoadError(path, str(exc)) from exc
    if "title" not in front:
        h1 = _H1.search(body)
        front["title"] = _heading_title(h1.group(1).strip()) if h1 else _title_from_name(path)
    # Editorial notes for the people who keep the base (<!-- … -->) are never indexed, so
    # never quoted to a resident.
    return front, _EDITORIAL.sub("", body)


_EDITORIAL = re.compile(r"[ \t]*<!--.*?-->[ \t]*\n?", re.DOTALL)


def _plain(path: Path) -> tuple[dict[str, Any], str]:
    return {"title": _title_from_name(path)}, _read_text(path)


def _html(path: Path) -> tuple[dict[str, Any], str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_text(path), "lxml")
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript"]):
        tag.decompose()
    title_tag = soup.find("h1") or soup.title
    title = title_tag.get_text(" ", strip=True) if title_tag else _title_from_name(path)
    # Headings become Markdown headings so the chunker sees the structure.
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            heading.replace_with(f"\n\n{'#' * level} {heading.get_text(' ', strip=True)}\n\n")
    for block in soup.find_all(["p", "li", "div", "br", "tr"]):
        block.insert_after("\n")
    return {"title": title}, (soup.body or soup).get_text()


def _pdf(path: Path) -> tuple[dict[str, Any], str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
        info_title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise LoadError(path, f"unreadable PDF: {exc}") from exc
    return {"title": (info_title or "").strip() or _title_from_name(path)}, "\n\n".join(pages)


def _docx(path: Path) -> tuple[dict[str, Any], str]:
    from zipfile import BadZipFile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise LoadError(path, f"unreadable DOCX: {exc}") from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name or "") if paragraph.style is not None else ""
        text = paragraph.text.strip()
        if not text:
            continue
        if style.startswith("Heading") and style[-1:].isdigit():
            lines.append(f"{'#' * int(style[-1])} {text}")
        elif style == "Title":
            lines.append(f"# {text}")
        else:
            lines.append(text)
    title = (document.core_properties.title or "").strip()
    if not title:
        first_heading = next((ln.lstrip("# ") for ln in lines if ln.startswith("#")), "")
        title = first_heading or _title_from_name(path)
    return {"title": title}, "\n\n".join(lines)


_LOADERS: dict[str, Callable[[Path], tuple[dict[str, Any], str]]] = {
    ".md": _markdown,
    ".markdown": _markdown,
    ".txt": _plain,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".docx": _docx,
}


def load_document(path: Path, *, root: Path, strict: bool = False) -> Document:
    """Load one file.

    Args:
        path: the file.
        root: the folder it was found under; the document id is its path relative to
            `root.name`, so ids stay stable wherever the folder is mounted.
        strict: hold the metadata to the knowledge base's schema (`KnowledgeBaseMeta`).

    Raises:
        LoadError: unknown format, unreadable or empty file, or metadata that fails the schema.
    """
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(path, f"unsupported file type '{path.suffix}'")
    try:
        front, body = loader(path)
    except OSError as exc:
        raise LoadError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not body.strip():
        raise LoadError(path, "the document is empty")
    schema = KnowledgeBaseMeta if strict else DocumentMeta
    try:
        meta = schema.model_validate(front)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'front matter'}: {err['msg']}"
            for err in exc.errors()
        )
        raise LoadError(path, f"invalid metadata: {problems}") from exc
    relative = path.relative_to(root)
    # Ids and sources are relative to the folder's name: stable wherever it is mounted, and
    # they reveal no server paths when shown with a citation.
    return Document(
        doc_id=f"{root.name}/{relative.with_suffix('').as_posix()}",
        source=f"{root.name}/{relative.as_posix()}",
        meta=meta,
        text=body,
    )


def discover(root: Path) -> Iterator[Path]:
    """Every loadable file under `root`, in a stable order; hidden files and README.md skipped."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        if any(part.startswith((".", "_")) for part in path.relative_to(root).parts):
            continue
        if path.name.lower() == "readme.md":
            continue
        yield path

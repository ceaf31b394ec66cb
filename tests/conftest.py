"""Shared fixtures. The default run never loads a real model unless a test is marked `slow`."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest

from rag.lexical import PolishAnalyzer

# The scripted OpenAI-compatible server (fixture `openai_server`) for tests of generation, and
# the API tests' Redis fixtures (`rclient`, `prefix`, `module_prefix`).
pytest_plugins = ["tests.openai_server", "tests.api_support"]

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_LEGAL = Path(__file__).resolve().parents[2] / "shared" / "legal"


@pytest.fixture(scope="session")
def analyzer() -> PolishAnalyzer:
    return PolishAnalyzer()


def write_pdf(path: Path, lines: list[str]) -> None:
    """A minimal one-page PDF with text in Helvetica (ASCII only), written by hand."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({ln}) '" for ln in lines) + " ET"
    stream = zlib.compress(content.encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    path.write_bytes(out.getvalue())


def write_docx(path: Path, title: str, sections: dict[str, str]) -> None:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for heading, text in sections.items():
        document.add_heading(heading, level=2)
        document.add_paragraph(text)
    document.save(str(path))

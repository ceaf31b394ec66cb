"""A letter's plain text as a DOCX file (python-docx), for the case file and for printing.

The text is the one the caseworker may have edited, so the layout is read back from it:
blocks are separated by blank lines, the place-and-date line goes to the right, a block in
capitals (the heading) is centred and bold, and "Pouczenie" is bold.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

_PLACE_DATE = re.compile(r"^[^\n]{1,60}, dnia \d{1,2} \w+ \d{4} r\.$")


def to_docx(text: str, *, title: str) -> bytes:
    """The letter as DOCX bytes.

    Args:
        text: the letter in plain text (blocks separated by blank lines).
        title: the document's title in its properties.
    """
    document = Document()
    document.core_properties.title = title
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    for block in re.split(r"\n\s*\n", text.strip()):
        paragraph = document.add_paragraph()
        lines = block.splitlines()
        for n, line in enumerate(lines):
            run = paragraph.add_run(line)
            if n < len(lines) - 1:
                run.add_break()
        if _PLACE_DATE.match(block):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif block.isupper() and len(lines) == 1:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in paragraph.runs:
                run.bold = True
        elif block == "Pouczenie":
            paragraph.runs[0].bold = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

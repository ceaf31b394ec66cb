"""Letters caseworkers send: templates staff keep as data, filled, checked and exported.

`load_templates` reads `knowledge_base/pisma/*.yaml`; `fill` makes a letter from a template,
the caseworker's values and the assistant's answer; `to_docx` writes a letter's text as DOCX.
"""

from rag.letters.articles import Article, cited_articles
from rag.letters.export import to_docx
from rag.letters.filling import AnswerBasis, InvalidValues, Letter, fill, polish_date
from rag.letters.templates import (
    FRAME_SLOTS,
    TEMPLATES_DIR,
    LetterTemplate,
    Slot,
    TemplateError,
    load_template,
    load_templates,
)

__all__ = [
    "FRAME_SLOTS",
    "TEMPLATES_DIR",
    "AnswerBasis",
    "Article",
    "InvalidValues",
    "Letter",
    "LetterTemplate",
    "Slot",
    "TemplateError",
    "cited_articles",
    "fill",
    "load_template",
    "load_templates",
    "polish_date",
    "to_docx",
]

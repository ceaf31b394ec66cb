"""Filling a template: the caseworker's values (and the assistant's answer) → the letter's text.

Values are checked slot by slot, each problem a Polish sentence for the form beside its field;
deadlines are checked against the law (a time limit below the template's minimum is refused)
and against each other (a date before the one it follows). The filled text is then checked like
an answer's citations: an article the template and the answer's sources do not give is a
warning, as is the informal "ty" of resident-facing answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rag.letters.articles import cited_articles, uncovered
from rag.letters.templates import PLACEHOLDER, LetterTemplate, Slot

_MONTHS = (
    "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
    "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
)  # fmt: skip
_MARKER = re.compile(r"[ \t]*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_QUOTES = "\"'„”“«»"
_PREAMBLE = re.compile(r"^(?:oto|poniżej|proszę,? oto)\b[^\n]*:\s*\n", re.IGNORECASE)
_INFORMAL = re.compile(
    r"\b(możesz|musisz|wnosisz|składasz|masz|jesteś|otrzymasz|dostaniesz|twój|twoja|twoje|"
    r"twojego|twojej|tobie|ciebie|cię)\b",
    re.IGNORECASE,
)
_MAX_TEXT = 4000
_DOUBLE_STOP = re.compile(r"(?<=\br)\.\.")


class InvalidValues(Exception):
    """Values a letter cannot be made from: `errors` maps each slot to a Polish message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class AnswerBasis:
    """What the assistant's answer gives a letter: its direct answer and its provisions."""

    direct_answer: str | None = None
    provisions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Letter:
    template: str
    title: str
    text: str
    legal_basis: tuple[str, ...]
    warnings: tuple[str, ...]


def polish_date(day: dt.date) -> str:
    """2025-03-12 → "12 marca 2025 r."."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year} r."


def clean(text: str) -> str:
    """Text as a letter may carry it: no [n] markers, chat preamble or wrapping quotes."""
    text = _PREAMBLE.sub("", _MARKER.sub("", text.strip())).strip()
    while len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def _read(slot: Slot, raw: Any) -> str | int | dt.date | list[str] | None:
    """The slot's value, None when empty; raises ValueError with the Polish reason."""
    if raw is None or (isinstance(raw, str | list) and not raw):
        return None
    if slot.kind == "date":
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError("podaj datę w postaci RRRR-MM-DD.") from None
    if slot.kind == "days":
        if isinstance(raw, bool) or not re.fullmatch(r"\d{1,3}", str(raw).strip()):
            raise ValueError("podaj liczbę dni (liczba całkowita).")
        days = int(str(raw))
        reason = f" ({slot.min_reason})" if slot.min_reason else ""
        if slot.min is not None and days < slot.min:
            raise ValueError(f"termin nie może być krótszy niż {slot.min} dni{reason}.")
        if slot.max is not None and days > slot.max:
            raise ValueError(f"termin nie może być dłuższy niż {slot.max} dni.")
        return days
    if slot.kind == "list":
        items = raw.splitlines() if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError("podaj listę pozycji (każda w osobnym wierszu).")
        cleaned = [clean(i).rstrip(",;.") for i in items]
        return [i for i in cleaned if i] or None
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise ValueError("podaj tekst.")
    text = clean(str(raw))
    if len(text) > _MAX_TEXT:
        raise ValueError(f"tekst może mieć najwyżej {_MAX_TEXT} znaków.")
    if slot.kind == "text" and "\n" in text:
        raise ValueError("podaj jeden wiersz tekstu.")
    if slot.kind == "choice" and text not in slot.options:
        raise ValueError(f"wybierz jedną z możliwości: {', '.join(slot.options)}.")
    return text or None


def _shown(value: str | int | dt.date | list[str]) -> str:
    if isinstance(value, dt.date):
        return polish_date(value)
    if isinstance(value, list):
        return "\n".join(
            f"{n}. {item}{';' if n < len(value) else '.'}" for n, item in enumerate(value, 1)
        )
    return str(value)


def _paragraphs(text: str, shown: Mapping[str, str]) -> list[str]:
    """Blocks of `text` with slots filled; a block naming an empty slot is left out. Lines of a
    block are joined (the YAML wraps them for the editor, not for the letter)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if any(name not in shown for name in PLACEHOLDER.findall(block)):
            continue
        joined = " ".join(line.strip() for line in block.splitlines())
        filled = PLACEHOLDER.sub(lambda m: shown[m.group(1)], joined)
        out.append(_DOUBLE_STOP.sub(".", filled))  # "… 2025 r.." after a date
    return out


def fill(
    template: LetterTemplate,
    values: Mapping[str, Any],
    *,
    today: dt.date,
    answer: AnswerBasis | None = None,
    defaults: Mapping[str, str] | None = None,
) -> Letter:
    """The letter from `template` with `values`.

    Args:
        template: a loaded template.
        values: slot name → value (dates as RRRR-MM-DD, days as a number, lists as lists or
            lines); an empty value is no value. Names the template lacks are ignored.
        today: the letter's date when `data` is not given.
        answer: the assistant's answer: its direct answer fills the slots marked
            `from_answer` that have no value, its provisions join the legal basis.
        defaults: deployment values for empty slots (the sender from settings).

    Returns:
        The text (plain, ready to copy) with the legal basis and the checks' warnings.

    Raises:
        InvalidValues: a required slot is empty or a value is wrong (one message per slot).
    """
    answer = answer or AnswerBasis()
    given = {"data": today.isoformat(), **(defaults or {})}
    given.update({k: v for k, v in values.items() if v not in (None, "", [])})
    read: dict[str, str | int | dt.date | list[str]] = {}
    errors: dict[str, str] = {}
    for slot in template.all_slots:
        raw = given.get(slot.name, slot.default)
        if raw is None and slot.from_answer == "direct_answer" and answer.direct_answer:
            raw = answer.direct_answer
        try:
            value = _read(slot, raw)
        except ValueError as exc:
            errors[slot.name] = f"{slot.title}: {exc}"
            continue
        if value is None:
            if slot.required:
                errors[slot.name] = f"{slot.title}: to pole jest wymagane."
            continue
        read[slot.name] = value
    errors.update(_order_errors(template, read, errors))
    if errors:
        raise InvalidValues(errors)
    shown = {name: _shown(value) for name, value in read.items()}
    warnings: list[str] = []
    for name, computed in template.computed.items():
        start = read.get(computed.source)
        if isinstance(start, dt.date):
            end = start + dt.timedelta(days=computed.days)
            shown[name] = polish_date(end)
            letter_day = read["data"]
            if isinstance(letter_day, dt.date) and end < letter_day:
                warnings.append(
                    f"{computed.title}: {polish_date(end)} już minął w dniu pisma. "
                    "Sprawdź daty albo napisz o przywróceniu terminu."
                )
    basis = tuple(dict.fromkeys((*template.legal_basis, *_own(answer.provisions, template))))
    text = _compose(template, shown, basis)
    allowed = template.allowed_articles() | cited_articles("\n\n".join(answer.provisions))
    stray = uncovered(cited_articles(text), allowed)
    if stray:
        warnings.append(
            "Pismo powołuje przepisy, których nie podaje wzór ani źródła odpowiedzi: "
            f"{', '.join(str(a) for a in stray)}. Sprawdź je przed wysłaniem."
        )
    informal = sorted({m.group(0).lower() for m in _INFORMAL.finditer(text)})
    if informal:
        warnings.append(
            f"Pismo zwraca się do adresata na „ty” ({', '.join(informal)}): zmień na formę "
            "grzecznościową (Pani/Pan)."
        )
    return Letter(template.id, template.title, text, basis, tuple(warnings))


def _own(provisions: Sequence[str], template: LetterTemplate) -> list[str]:
    """The answer's provisions that add an article the template's basis does not give."""
    given = cited_articles("\n\n".join(template.legal_basis))
    return [clean(p) for p in provisions if p.strip() and uncovered(cited_articles(p), given)]


def _order_errors(
    template: LetterTemplate, read: Mapping[str, object], errors: Mapping[str, str]
) -> dict[str, str]:
    found: dict[str, str] = {}
    by_name = {s.name: s for s in template.all_slots}
    for slot in template.all_slots:
        if slot.after is None or slot.name in errors:
            continue
        value, bound = read.get(slot.name), read.get(slot.after)
        if isinstance(value, dt.date) and isinstance(bound, dt.date) and value < bound:
            found[slot.name] = (
                f"{slot.title}: data nie może być wcześniejsza niż "
                f"„{by_name[slot.after].title}” ({polish_date(bound)})."
            )
    return found


def _compose(template: LetterTemplate, shown: Mapping[str, str], basis: Sequence[str]) -> str:
    parts = [
        shown["nadawca"],
        f"{shown['miejscowosc']}, dnia {shown['data']}",
        f"Znak sprawy: {shown['znak_sprawy']}",
        f"{shown['adresat']}\n{shown['adres']}",
        template.heading.upper(),
        shown["zwrot"],
        *_paragraphs(template.body, shown),
        "Podstawa prawna: " + "; ".join(basis) + ".",
    ]
    if template.pouczenie:
        parts += ["Pouczenie", *_paragraphs(template.pouczenie, shown)]
    signed = shown["podpis"]
    if "upowaznienie" in shown:
        signed = f"Z upoważnienia {shown['upowaznienie']}\n{signed}"
    parts += [template.closing, signed]
    copies = "\n".join(f"{n}. {c}" for n, c in enumerate(template.copies, 1))
    parts.append(f"Otrzymują:\n{copies}")
    return "\n\n".join(parts) + "\n"

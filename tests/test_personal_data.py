"""Personal data in every written form, names with addresses, special categories; hard negatives.

The written forms are generated (hypothesis, derandomised so CI sees the same cases): spaced and
dashed PESELs with a valid check digit, e-mails with "@" and dots spelled out, account numbers
grouped any way. What must never be redacted is generated too: amounts, dates, article numbers,
and the helplines a crisis answer relies on.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.crisis import KINDS, crisis_block
from rag.guards import redact_message, redact_pii, redact_special_categories
from rag.guards.special_categories import SpecialCategoriesError, _category, categories

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None)
HELPLINES = ["112", "116 123", "116 111", "800 120 002", "800 70 2222", "800 12 12 12", "997"]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- generated written forms ------------------------------------------------------------------


@st.composite
def pesels(draw: st.DrawFn) -> str:
    """A PESEL with a valid date and check digit (synthetic: anyone's is as likely)."""
    born = draw(st.dates(dt.date(1800, 1, 1), dt.date(2299, 12, 31)))
    month = born.month + {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}[born.year // 100]
    serial = draw(st.text("0123456789", min_size=4, max_size=4))
    head = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial}"
    check = (10 - sum(w * int(c) for w, c in zip((1, 3, 7, 9) * 3, head, strict=False)) % 10) % 10
    return head + str(check)


def grouped(number: str, sizes: tuple[int, ...], separator: str) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at : at + size])
        at += size
    return separator.join(parts)


SEPARATORS = st.sampled_from([" ", "-", "\u00a0"])
PESEL_GROUPS = st.sampled_from(
    [(11,), (2, 2, 2, 2, 3), (6, 5), (3, 3, 3, 2), (4, 4, 3), (1,) * 11, (2, 2, 2, 5)]
)
LEAD_INS = st.sampled_from(["Mój PESEL to ", "pesel syna: ", "numer ", "", "P E S E L: ", "nr "])


@PROPERTY
@given(pesel=pesels(), groups=PESEL_GROUPS, separator=SEPARATORS, lead=LEAD_INS)
def test_a_pesel_is_redacted_however_it_is_grouped(
    pesel: str, groups: tuple[int, ...], separator: str, lead: str
) -> None:
    text = f"{lead}{grouped(pesel, groups, separator)}, czy dostanę zasiłek?"
    redaction = redact_pii(text)
    assert "[PESEL]" in redaction.text
    assert digits(redaction.text) == ""
    assert redaction.kinds == ("pesel",)


WORDS = st.from_regex(r"[a-z][a-z0-9]{1,9}", fullmatch=True).filter(
    lambda w: w not in {"at", "dot", "kropka", "malpa", "pl", "com"}
)
AT = st.sampled_from(
    [
        "@",
        " @ ",
        "(at)",
        " (at) ",
        "[at]",
        " [at] ",
        "{at}",
        " at ",
        " małpa ",
        "(małpa)",
        " malpa ",
    ]
)
DOT = st.sampled_from(
    [".", "(dot)", " (dot) ", "[dot]", " [dot] ", " kropka ", " dot ", "(kropka)"]
)
TLD = st.sampled_from(["pl", "com", "eu", "net", "org"])


@PROPERTY
@given(
    user=st.lists(WORDS, min_size=1, max_size=2),
    host=st.lists(WORDS, min_size=1, max_size=2),
    at=AT,
    dot=DOT,
    tld=TLD,
)
def test_an_e_mail_is_redacted_with_its_signs_spelled_out(
    user: list[str], host: list[str], at: str, dot: str, tld: str
) -> None:
    address = dot.join(user) + at + dot.join([*host, tld])
    text = f"Napisz do mnie: {address}, odpiszę szybko."
    redaction = redact_pii(text)
    assert redaction.text == "Napisz do mnie: [E-MAIL], odpiszę szybko."
    assert redaction.kinds == ("email",)


@st.composite
def polish_ibans(draw: st.DrawFn) -> str:
    bban = draw(st.text("0123456789", min_size=24, max_size=24))
    check = 98 - int(bban + "252100") % 97  # "PL" is 25 21, then 00 for the check digits
    return f"{check:02d}{bban}"


@PROPERTY
@given(
    number=polish_ibans(),
    country=st.sampled_from(["", "PL", "PL "]),
    groups=st.sampled_from([(26,), (2, 4, 4, 4, 4, 4, 4), (2,) * 13]),
    separator=SEPARATORS,
)
def test_an_account_number_is_redacted_with_or_without_spaces(
    number: str, country: str, groups: tuple[int, ...], separator: str
) -> None:
    text = f"Przelejcie na {country}{grouped(number, groups, separator)} do piątku."
    redaction = redact_pii(text)
    assert redaction.text == "Przelejcie na [IBAN] do piątku."


# --- written forms, one by one ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PESEL 44 05 14 01 359", "PESEL [PESEL]"),
        ("44-05-14-01-359 to mój numer", "[PESEL] to mój numer"),
        ("P E S E L: 4 4 0 5 1 4 0 1 3 5 9", "P E S E L: [PESEL]"),
        ("PESEL 4405140135 (chyba brakuje cyfry)", "PESEL [PESEL] (chyba brakuje cyfry)"),
        ("jan(at)example(dot)com", "[E-MAIL]"),
        ("jan [at] example [dot] com", "[E-MAIL]"),
        ("jan małpa example kropka com", "[E-MAIL]"),
        ("Jan.Kowalski (AT) poczta (DOT) onet (DOT) pl", "[E-MAIL]"),
        ("konto UA21 3223 1300 0002 6007 2335 6600 1 w banku", "konto [IBAN] w banku"),
        ("tel. (+48) 600 123 456", "tel. [TELEFON]"),
        ("tel. 600.123.456", "tel. [TELEFON]"),
        ("6 0 0 1 2 3 4 5 6", "[TELEFON]"),
        ("+48 (22) 123 45 67", "[TELEFON]"),
        ("dowód ABA 300 000", "dowód [DOWÓD]"),
        ("nr dowodu aba-300000", "nr dowodu [DOWÓD]"),
    ],
)
def test_written_forms_are_redacted(text: str, expected: str) -> None:
    assert redact_pii(text).text == expected


# --- what must survive ------------------------------------------------------------------------

MONTHS = ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia"]


@PROPERTY
@given(
    amount=st.integers(1, 9_999_999),
    cents=st.integers(0, 99),
    unit=st.sampled_from(["zł", "PLN", "złotych"]),
)
def test_amounts_survive(amount: int, cents: int, unit: str) -> None:
    spaced = f"{amount:,}".replace(",", " ")
    for text in (
        f"dochód {spaced} {unit} netto",
        f"czynsz {spaced},{cents:02d} {unit}",
        f"{amount} {unit}",
    ):
        assert redact_pii(text).text == text


@PROPERTY
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)))
def test_dates_survive(day: dt.date) -> None:
    for text in (
        f"decyzja z {day:%d.%m.%Y}, doręczona {day.isoformat()}",
        f"wniosek złożony {day.day} {MONTHS[day.month % 8]} {day.year} r.",
        f"od {day:%d-%m-%Y} do {day:%d/%m/%Y}",
    ):
        assert redact_pii(text).text == text


@PROPERTY
@given(numbers=st.lists(st.integers(1, 999), min_size=3, max_size=3))
def test_article_numbers_survive(numbers: list[int]) -> None:
    article, paragraph, point = numbers
    for text in (
        f"art. {article} ust. {paragraph} pkt {point} ustawy",
        f"§ {paragraph} ust. {point}, Dz. U. z 2023 r. poz. {article}",
        "art. 8 ust. 1",
    ):
        assert redact_pii(text).text == text


@pytest.mark.parametrize("line", HELPLINES)
def test_helplines_survive_in_a_residents_message(line: str) -> None:
    text = f"Dzwoniłam na {line}, ale nikt nie odebrał. Gdzie jeszcze szukać pomocy?"
    assert redact_pii(text).text == text
    assert redact_message(text).text == text


def test_crisis_help_survives() -> None:
    for kind in KINDS:
        block = crisis_block([kind], lang="pl")
        assert redact_pii(block).text == block


# --- names with an address or a birth date ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Jan Kowalski, ul. Lipowa 5/3, ur. 12.03.1980",
            "[IMIĘ I NAZWISKO], [ADRES], ur. [DATA URODZENIA]",
        ),
        (
            "Nazywam się jan kowalski i mieszkam przy Lipowej 5 m. 3.",
            "Nazywam się [IMIĘ I NAZWISKO] i mieszkam przy [ADRES].",
        ),
        ("Anna Nowak, urodzona 3 marca 1975 r.", "[IMIĘ I NAZWISKO], urodzona [DATA URODZENIA] r."),
        ("KOWALSKA Anna, os. Słoneczne 4/12", "[IMIĘ I NAZWISKO], [ADRES]"),
        ("Syn Piotr Wiśniewski, tel. 600 123 456", "Syn [IMIĘ I NAZWISKO], tel. [TELEFON]"),
        ("ul. 3 Maja 12/4, 60-123 Poznań, ur. 1.02.1990", "[ADRES], [ADRES], ur. [DATA URODZENIA]"),
    ],
)
def test_a_name_goes_with_its_address_or_birth_date(text: str, expected: str) -> None:
    assert redact_pii(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "60-123 Poznań, ul. Długa 5/12",  # the centre's own address, alone
        "Pani Anna Nowak z CUS powiedziała, że decyzja przyjdzie pocztą.",
        "Urząd mieści się przy al. Jana Pawła II 12.",
        "córka urodzona 3.05.2024, czy dostanę becikowe?",
        "Niebieska Linia i Centrum Usług Społecznych, ul. Długa 5",
    ],
)
def test_one_part_alone_survives(text: str) -> None:
    assert redact_pii(text).text == text


# --- special categories -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("mam depresję i HIV", "mam [dane o zdrowiu]", ("health",)),
        (
            "Mam orzeczenie o znacznym stopniu niepełnosprawności, co mi przysługuje?",
            "Mam [dane o zdrowiu], co mi przysługuje?",
            ("health",),
        ),
        ("choruję na sarkoidozę od 5 lat", "choruję na [dane o zdrowiu] od 5 lat", ("health",)),
        ("mąż jest alkoholikiem i mnie bije", "mąż jest [dane o zdrowiu] i mnie bije", ("health",)),
        ("jestem Romką", "jestem [dane o pochodzeniu]", ("ethnicity",)),
        ("Jestem Świadkiem Jehowy", "Jestem [dane o wyznaniu]", ("religion",)),
        ("jestem gejem", "jestem [dane o życiu seksualnym]", ("sex_life",)),
        (
            "syn był karany, wyszedł z więzienia",
            "syn był [dane o karalności], wyszedł z [dane o karalności]",
            ("convictions",),
        ),
        ("MAM DEPRESJE", "MAM [dane o zdrowiu]", ("health",)),
    ],
)
def test_special_categories_leave_as_a_category_tag(
    text: str, expected: str, kinds: tuple[str, ...]
) -> None:
    redaction = redact_special_categories(text)
    assert redaction.text == expected
    assert redaction.kinds == kinds
    assert redact_special_categories(expected).text == expected  # tags are never redacted again


@pytest.mark.parametrize(
    "text",
    [
        "Ile wynosi zasiłek pielęgnacyjny?",
        "Kiedy nastąpi rozpoznanie mojej sprawy?",
        "Dostaliśmy wyrok eksmisyjny, czy przysługuje nam lokal socjalny?",
        "Czy w CUS jest psycholog?",
        "Jestem z Ukrainy, czy mogę dostać 800 plus?",
        "Parafia pomogła nam z opałem, czy to dochód?",
        "Ciąży na mnie zadłużenie czynszowe.",
    ],
)
def test_ordinary_questions_keep_their_words(text: str) -> None:
    assert redact_special_categories(text).text == text


def test_redact_message_does_both_steps() -> None:
    text = "Jan Kowalski, ul. Lipowa 5/3, PESEL 44 05 14 01 359, mam depresję. Ile wynosi zasiłek?"
    redaction = redact_message(text)
    assert redaction.text == (
        "[IMIĘ I NAZWISKO], [ADRES], PESEL [PESEL], mam [dane o zdrowiu]. Ile wynosi zasiłek?"
    )
    assert redaction.kinds == ("pesel", "name", "address", "health")


def test_the_phrase_file_is_well_formed() -> None:
    found = categories()
    assert {c.kind for c in found} == {"health", "ethnicity", "religion", "sex_life", "convictions"}
    assert all(c.tag.startswith("[dane o ") for c in found)


@pytest.mark.parametrize(
    "data",
    [{"words": ["depresj*"]}, {"tag": "[x]", "words": []}, {"tag": "[x]", "words": ["Depresja"]}],
)
def test_a_malformed_category_names_what_is_wrong(data: dict[str, object]) -> None:
    with pytest.raises(SpecialCategoriesError, match="health"):
        _category("health", data)


# --- any input ----------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    ["44 05 14 01 359", "Jan", "Kowalski", "ul.", "Lipowa", "5/3", "ur.", "12.03.1980", "mam",
     "depresję", "i", "HIV", "(at)", "kropka", "pl", "małpa", "600", "123", "456", "PESEL", ",",
     ".", "-", "[dane o zdrowiu]", "[PESEL]", "zł", "1 500", "art.", "ABA300000", "choruję na",
     "nazywam się", "przy", "60-123", "Poznań"]
)  # fmt: skip


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(parts=st.lists(st.one_of(FRAGMENTS, st.text(max_size=5)), max_size=25))
def test_any_message_is_redacted_once_and_for_all(parts: list[str]) -> None:
    # Tags are never taken for data again, and nothing a resident types makes redaction fail.
    once = redact_message(" ".join(parts)).text
    assert redact_message(once).text == once


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        redact_message(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize(
    "unit", ["1 ", "kropka ", "choruję na ", "Jan Kowalski ", "ul. A ", "a(at)"]
)
def test_long_hostile_input_stays_linear(unit: str) -> None:
    # Four times the input takes about four times as long; a quadratic pattern, sixteen.
    short = unit * (1200 // len(unit))
    small, large = _seconds(short), _seconds(short * 4)
    assert large < 9 * max(small, 1e-4), f"{small * 1000:.1f} ms → {large * 1000:.1f} ms"

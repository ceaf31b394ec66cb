"""Sums in chat: when a resident gives their figures and asks what they would get, a calculator
answers, with the working and the provisions, and asks for what is missing.

"mam 1500 zł emerytury i mieszkam sama, czy dostanę zasiłek?" wants a comparison the resident
cannot make: 1 500 zł against the 1 010 zł criterion. A front-desk worker does it with a pencil;
`rag.calculators` does it deterministically. This module decides when a message is such a
question (a benefit a calculator covers is named, and the message gives a figure of the
person's own situation), fills the calculator's input from what the message says
(`rag.answering.situation`), and writes the answer: the result first ("Z tego, co piszesz: …"),
then the working step by step with its provisions, then that it is an estimate and the CUS
decides. A value the message does not give is asked for, one short question at a time, and the
question is remembered in the conversation (`Turn.asked`) so that "3" next reads as the answer.
Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rag.answering.analysis import Lexicon
from rag.answering.facts import SourcedFact, act_of, articles, numbers
from rag.answering.situation import Situation, read_situation
from rag.calculators import CALCULATORS, Calculation, InvalidInput, Step, compute
from rag.calculators.money import zl
from rag.lexical import fold

# Which calculator a message names, by its words (folded); the first that matches wins, so the
# specific benefits come before the general social-assistance criterion.
_NAMED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("becikowe", re.compile(r"\b(?:becikow\w*|zapomog\w* (?:z tytulu )?urodzen\w*)")),
    ("dodatek_mieszkaniowy", re.compile(r"\b(?:mieszkaniow(?:k|ka|ke|ki|ego|y)\b|"
                                        r"dodat\w* mieszkan\w*|mieszkaniowk\w*|"
                                        r"dodat\w*(?=.*\b(?:m2|metr\w*|czynsz\w*|oplat\w*))|"
                                        r"(?:m2|metr\w*|czynsz\w*|oplat\w*)\b.*\bdodat\w*)")),
    ("zasilek_staly", re.compile(r"\b(?:zasil\w* stal\w*|stal\w* zasil\w*|stalego|staly\b)")),
    ("zasilek_okresowy", re.compile(r"\b(?:okresow\w*)")),
    ("zasilek_rodzinny", re.compile(r"\b(?:zasil\w* rodzinn\w*|rodzinne\b|rodzinnego\b|"
                                    r"swiadczen\w* rodzinn\w*)")),
    # Social assistance named (a criterion or threshold alone may be the food bank's or 800+'s).
    ("kryterium_dochodowe", re.compile(
        r"\b(?:pomoc\w* (?:z |ze )?(?:ops|mops|gops|cus|opieki|spoleczn\w*)|"
        r"zasil\w* z (?:ops|mops|gops|cus|opieki)|z (?:ops|mops|opieki)|mops\w*|ops\b|"
        r"opieki spolecznej|kryteri\w* (?:z |w )?(?:ops|mops|opieki|pomocy)|do pomocy)")),
)  # fmt: skip
# The message asks what the person would get or whether they qualify.
_ASKS = re.compile(
    r"\b(?:ile|czy (?:dostane|dostaniemy|dostanie|mi|nam|mam|mamy|moge|mozemy|przysluguje|"
    r"nalezy|zalapie|zalapiemy|kwalifikuj\w*|miesc\w*|spelniam|spelniamy|przekracza\w*|jeszcze|"
    r"mam szanse|mamy szanse|ktores|syn|corka)|przysluguje|nalezy (?:mi|nam|sie)|"
    r"dostane|dostaniemy|mieszcze|miescimy|zalapiemy|zalapie|przekraczam|przekraczamy)\b"
)
# The message asks how a sum of money is counted, not what the person would get: "czy policzą mi
# te 6000 zł jako dochód?", "czy alimenty wliczają się do dochodu?". A rule answers it.
# The office's counting, not the person's own ("policzyłam, że mam 900 zł w dochodzie" is a sum).
_COUNTING = (
    r"(?:wlicz\w*|zalicz\w*|uwzgledni\w*|policz(?:a|y|aja|ona|one|ony)|"
    r"licz(?:a|y) sie|liczon\w*|(?:biora|bierze|wezma|wezmie) pod uwage)"
)
_COUNTED = re.compile(
    rf"\b{_COUNTING}\b[^.?!]{{0,60}}\b(?:jako|do) doch\w*|"
    rf"\bjako doch\w*[^.?!]{{0,30}}\b{_COUNTING}\b"
)
# What to ask for a missing input, one question at a time, in the order a worker would ask.
_QUESTIONS: dict[str, str] = {
    "household_size": "Ile osób liczy Twoje gospodarstwo domowe (razem z Tobą)?",
    "family_size": "Ile osób liczy Twoja rodzina (razem z Tobą i dziećmi)?",
    "household_income": (
        "Jaki jest miesięczny dochód netto (na rękę) całego gospodarstwa, bez 800+? "
        "Wystarczy kwota, np. „3000 zł”."
    ),
    "household_income_monthly": (
        "Jaki był średni miesięczny dochód netto gospodarstwa z ostatnich trzech miesięcy?"
    ),
    "family_income_monthly": (
        "Jaki był średni miesięczny dochód netto rodziny w zeszłym roku (bez 800+)?"
    ),
    "family_income_yearly": "Jaki był dochód netto rodziny za zeszły rok?",
    "own_income": "Jaki jest Twój własny miesięczny dochód netto?",
    "age": "Ile masz lat?",
    "sex": "Czy jesteś kobietą czy mężczyzną? (Wiek emerytalny to 60 lat dla kobiet i 65 dla "
    "mężczyzn.)",
    "incapacity": (
        "Czy masz orzeczenie o niepełnosprawności albo o niezdolności do pracy? Jeśli tak, "
        "jaki stopień (znaczny, umiarkowany, lekki)?"
    ),
    "excluded_benefit": (
        "Czy dostajesz rentę socjalną, świadczenie pielęgnacyjne, specjalny zasiłek opiekuńczy "
        "albo zasiłek dla opiekuna?"
    ),
    "children": "Ile lat mają dzieci? Podaj wiek każdego, np. „3 i 8 lat”.",
    "flat_area": "Jaka jest powierzchnia użytkowa mieszkania w m²?",
    "monthly_expenses": (
        "Ile wynoszą miesięczne opłaty za mieszkanie (czynsz, woda, śmieci, ogrzewanie; bez "
        "prądu i gazu)?"
    ),
    "tenure": (
        "Na jakiej podstawie mieszkasz: najem, spółdzielcze, własność, inny tytuł – czy bez tytułu?"
    ),
    "birth_date": "Kiedy urodziło się dziecko (dzień, miesiąc, rok)?",
    "medical_care": ("Czy ciąża była pod opieką lekarza lub położnej najpóźniej od 10. tygodnia?"),
}
ASSUMED_NO_EXCLUDING_BENEFIT = (
    "Przyjąłem, że nie pobierasz renty socjalnej, świadczenia pielęgnacyjnego, specjalnego "
    "zasiłku opiekuńczego ani zasiłku dla opiekuna: każde z nich wyklucza zasiłek stały."
)
ASSUMED_INSTALLATIONS = (
    "Przyjąłem, że mieszkanie ma centralne ogrzewanie, ciepłą wodę i gaz z sieci: jeśli jest "
    "inaczej, napisz, bo to zmienia wyliczenie."
)
ASSUMED_TITLE = (
    "Przyjąłem, że zajmujesz mieszkanie jako najemca, członek spółdzielni, właściciel albo na "
    "innej podstawie prawnej i ponosisz jego koszty: jeśli nie masz żadnego tytułu do mieszkania, "
    "napisz, bo wtedy dodatek może nie przysługiwać."
)
ASSUMED_NO_WHEELCHAIR = (
    "Przyjąłem, że nie mieszka w nim osoba na wózku ani taka, która potrzebuje oddzielnego "
    "pokoju: jeśli jest inaczej, napisz, bo to zmienia wyliczenie."
)
ESTIMATE = (
    "To wyliczenie szacunkowe na podstawie tego, co piszesz. O przyznaniu świadczenia i jego "
    "wysokości decyduje CUS po złożeniu wniosku (i, w pomocy społecznej, po wywiadzie "
    "środowiskowym)."
)


@dataclass(frozen=True, slots=True)
class CalculatorAnswer:
    """What a calculator makes of a message: the calculation and the text that presents it."""

    name: str
    calculation: Calculation | None  # None when the input was invalid
    text: str
    asked: str | None  # the input asked for next ("household_size"), if any
    problems: dict[str, str] | None = None  # invalid input: field → Polish message
    cited: tuple[SourcedFact, ...] = ()  # the facts behind the figures, [1] [2] … in the text
    lead: str = ""  # the result in one sentence (the direct answer)
    assumed: tuple[str, ...] = ()  # what was assumed where the message said nothing, as said


def named_calculator(text: str) -> str | None:
    """The calculator whose benefit the message names, if any."""
    folded = fold(text)
    return next((name for name, pattern in _NAMED if pattern.search(folded)), None)


def is_calculable(
    text: str, situation: Situation | None = None, lexicon: Lexicon | None = None
) -> str | None:
    """The calculator to run for this message, or None when it is no sum to work out.

    It is one when a benefit a calculator covers is named, the message asks whether the person
    qualifies or how much, and it gives a figure of their own (an income, a household, an age,
    a flat, a birth): "ile wynosi zasiłek stały?" alone is a fact's question, not a sum.
    `situation` is what the message says, when the caller has read it already. With the
    residents' `lexicon`, help it marks as given whatever the income (after a flood, for a
    funeral) is no sum of the income criterion, though the message says "z opieki" and an income.
    """
    name = named_calculator(text)
    folded = fold(text)
    if name is None or not ("?" in text or _ASKS.search(folded)) or _COUNTED.search(folded):
        return None
    if name == "kryterium_dochodowe" and lexicon is not None and lexicon.income_free(text):
        return None
    # Read only now: most messages name no benefit a calculator covers.
    situation = situation or read_situation(text)
    own_figures = (
        situation.income_said
        or situation.gross_only
        or situation.household is not None
        or situation.age is not None
        or situation.flat_area is not None
        or situation.birth is not None
        or situation.income_per_person is not None
    )
    return name if own_figures else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# Signs of a flat heated or supplied on its own (a stove, coal, a gas bottle): the fuel lump sum
# then changes the sum. Folded, bare "piec" is also "pięć" (five): a stove only next to heating
# words ("piec kaflowy", "mamy piec"); its other forms ("piecem", "pieca", "piecyk") are a stove.
_OWN_HEATING = re.compile(
    r"\bpiec(?:a|e|em|u|y|ach|ami|om|yk\w*)\b|"
    r"\bpiec\s+(?:kaflow\w*|weglow\w*|gazow\w*|olejow\w*|elektryczn\w*|na\s+(?:wegiel|drewno|"
    r"opal|gaz|ekogroszek)|c\.?o\.?\b|w\s+(?:kuchni|pokoju|mieszkaniu|domu))|"
    r"\b(?:mamy|mam|stary|starym|nasz|maly|ogrzewa\w*|palimy|palimy w|grzejemy) piec\b|"
    r"wegl\w*|kaflow\w*|bez (?:centralnego|co\b)|butl\w*|drewn"
)
# Signs that the person may live with no title to the flat: then the title is asked, not assumed
# ("bez tytułu" itself the reader takes as the title: `_TENURES`).
_NO_TITLE = re.compile(
    r"\b(?:bez|nie mam|nie mamy|brak)\w* (?:zadnej |zadnego )?(?:umow\w*|zgody)|"
    r"\bna dziko\b|\bnielegaln\w*|\bpustostan\w*|\beksmis\w*|\bbez meldunk\w*|"
    r"\bmieszka\w* (?:teraz |katem )?u (?:kolegi|kolezanki|znajom\w*|rodzin\w*|brata|"
    r"siostry|mamy|taty|rodzicow|cioci|wujka|babci|dziadka)\b"
)
# A room of one's own, or a wheelchair, as the act means it (art. 5 ust. 3): not a child's room.
_ROOM_NEEDED = re.compile(
    r"\bwymag\w* (?:osobn|oddzieln)\w* pokoj|"
    r"\b(?:orzeczen|niepelnospraw)\w*\b[^.]{0,60}\b(?:osobn|oddzieln)\w* pokoj|"
    r"\bwozk\w* inwalidzk\w*|\bna wozku\b(?!\s+dziec)"
)
_ROOM_DENIED = re.compile(r"\bnie (?:jezdzi|porusza sie|jest) na wozku|\bnikt\b[^.]{0,25}\bwozk")
# The reader's tenure → the housing-allowance calculator's (a council or social flat is rented).
_TENURES = {
    "bez tytułu": "bez_tytulu",
    "czeka na lokal": "bez_tytulu_oczekuje",
    "inny tytuł": "inny_tytul",
    "najem": "najem",
    "komunalne": "najem",
    "socjalne": "najem",
    "spółdzielcze": "spoldzielcze",
    "własność": "wlasnosc",
}
# How the result reads, per calculator: (eligible, not eligible); default: "<title> …".
_VERDICTS = {
    "kryterium_dochodowe": (
        "mieścisz się w kryterium dochodowym pomocy społecznej",
        "dochód przekracza kryterium dochodowe pomocy społecznej",
    ),
    "becikowe": ("becikowe (1000 zł na dziecko) wstępnie przysługuje", "becikowe nie przysługuje"),
}
# The benefits that exclude zasiłek stały, named in a message.
_EXCLUDING_BENEFIT = re.compile(r"rent\w* socjaln|swiadczen\w* pielegnac|zasil\w* dla opiekuna")
_COMPARISON = re.compile(
    r"(?:nie )?przekracza|niższ|wyższ|mniejsz|większ|poniżej|powyżej|nie spełni|spełni|minął|"
    r"upłynął|wyklucza|przysługuje|="
)


def payload(name: str, s: Situation, folded: str = "") -> tuple[dict[str, Any], list[str]]:
    """The calculator's input from what the message says (`folded`: its words, folded), and the
    assumptions made for what it does not say, each a sentence the answer states; a value not
    said and not assumed is left out."""
    data: dict[str, Any] = {}
    assumed: list[str] = []
    if name in ("kryterium_dochodowe", "zasilek_okresowy", "zasilek_staly"):
        data["household_size"] = s.household
        data["household_income"] = _money(s.household_income)
    if name == "zasilek_staly":
        data["own_income"] = _money(s.own_income)
        data["age"] = s.age
        data["sex"] = {"K": "kobieta", "M": "mezczyzna"}.get(s.sex or "")
        if s.disability:
            data["incapacity"] = f"{s.disability}_stopien"
        if _EXCLUDING_BENEFIT.search(folded):
            data["excluded_benefit"] = not re.search(
                r"nie (?:ma|mam|dostaje|pobiera\w*) (?:\w+ )?(?:rent\w* socjaln|swiadczen)", folded
            )
        else:
            # A resident who has renta socjalna or świadczenie pielęgnacyjne names it; asking
            # everyone would be a quiz.
            data["excluded_benefit"] = False
            assumed.append(ASSUMED_NO_EXCLUDING_BENEFIT)
    if name in ("zasilek_rodzinny", "becikowe"):
        data["family_size"] = s.household
        data["family_income_monthly"] = _money(s.household_income)
    if name == "zasilek_rodzinny" and s.children_ages:
        data["children"] = [{"age": age} for age in s.children_ages]
    if name == "becikowe":
        data["birth_date"] = s.birth.isoformat() if s.birth else None
        if s.care_week is not None:
            data["medical_care"] = s.care_week <= 10
        if s.birth is not None:
            data["children_born"] = 1
            data["applicant"] = "rodzic"
    if name == "dodatek_mieszkaniowy":
        data["household_size"] = s.household
        data["household_income_monthly"] = _money(s.household_income)
        data["flat_area"] = _money(s.flat_area)
        data["rooms_kitchen_area"] = _money(s.rooms_area)
        data["monthly_expenses"] = _money(s.housing_costs)
        if s.council_flat:
            data["municipal_flat"] = True
        data["tenure"] = _TENURES.get(s.tenure or "")
        if data["tenure"] is None and not _NO_TITLE.search(folded):
            # Only living with no title at all changes the sum; any title gives the same one.
            data["tenure"] = "inny_tytul"
            assumed.append(ASSUMED_TITLE)
        if not _OWN_HEATING.search(folded):
            data["central_installations"] = True
            assumed.append(ASSUMED_INSTALLATIONS)
        if _ROOM_NEEDED.search(folded) and not _ROOM_DENIED.search(folded):
            data["disabled_needing_room"] = True
        elif not re.search(r"wozk|niepelnospraw|orzeczen", folded):
            data["disabled_needing_room"] = False
            assumed.append(ASSUMED_NO_WHEELCHAIR)
    return {key: value for key, value in data.items() if value is not None}, assumed


def follow_up_text(asked: str, answer: str) -> str:
    """A short reply to a calculator's question, in words the situation reader understands.

    "3" after "Ile osób …?" is "jest nas 3 osoby"; "2500" after the income question is
    "dochód 2500 zł netto". A longer reply is taken as it is.
    """
    field = asked.split(":", 1)[-1]
    folded = fold(answer).strip(" .!?")
    number = re.fullmatch(
        r"(?:ok\w*\s+|jakies\s+)?(\d[\d ]*(?:[.,]\d+)?)(?:\s*(?:zl|pln|m2|lat))?", folded
    )
    if number is None:
        return answer
    value = number.group(1).replace(" ", "")
    return {
        "household_size": f"jest nas {value} osob",
        "family_size": f"jest nas {value} osob",
        "household_income": f"dochod razem {value} zl netto",
        "household_income_monthly": f"dochod razem {value} zl netto",
        "family_income_monthly": f"dochod razem {value} zl netto",
        "own_income": f"moj dochod {value} zl netto",
        "age": f"mam {value} lat",
        "flat_area": f"mieszkanie {value} m2",
        "monthly_expenses": f"oplaty {value} zl",
    }.get(field, answer)


def calculate(
    name: str,
    texts: Sequence[str],
    *,
    on: dt.date | None = None,
    facts: Sequence[SourcedFact] = (),
) -> CalculatorAnswer:
    """Run a calculator on what the person's messages say, and write the answer.

    Args:
        name: the calculator (`is_calculable`).
        texts: the person's messages about this calculation, oldest first (a follow-up that
            answers a question of the calculator joins the message that started it).
        on: the date the figures are taken for (today by default).
        facts: the curated facts the answer may cite: a step's figures are cited from the
            fact that states them under the same provision.
    """
    on = on or dt.date.today()
    joined = "\n".join(texts)
    situation = read_situation(joined, today=on)
    title = CALCULATORS[name].title
    data, assumed = payload(name, situation, fold(joined))
    try:
        result = compute(name, data, on)
    except InvalidInput as exc:
        problems = dict(exc.errors)
        listed = " ".join(problems.values())
        first = next(iter(problems), "")
        return CalculatorAnswer(
            name,
            None,
            f"Nie mogę tego policzyć ({title}): {listed} Popraw proszę dane i napisz je jeszcze "
            "raz.",
            first.split(".")[0] if first in _QUESTIONS or "." in first else None,
            problems,
            lead=f"Nie mogę tego policzyć: {listed}",
        )
    cited, markers = supporting_facts(result.steps, facts, on)
    over = result.result == "not_eligible" and bool(_OVER.search(_decisive(result) or ""))
    beyond = BEYOND_THE_CRITERION.get(name) if over else None
    extra = next((f for f in facts if f.id == beyond and f.valid_on(on)), None) if beyond else None
    if extra is not None:
        # Over the criterion is not "nothing for you": what the CUS gives whatever the income
        # follows the verdict as [1], in the answer and in its lead; the working's facts follow.
        cited.insert(0, extra)
        markers = {step: [m + 1 for m in numbers] for step, numbers in markers.items()}
    text, lead = compose(result, title, situation, markers, assumed)
    if extra is not None:
        note = f"{BEYOND_NOTE}{extra.fact.answer.strip()} [1]"
        head, _, rest = text.partition("\n\n")
        text = "\n\n".join(part for part in (head, note, rest) if part)
        lead = f"{lead} {note}"
    return CalculatorAnswer(
        name, result, text, _asked(result), cited=tuple(cited), lead=lead, assumed=tuple(assumed)
    )


_ACTS = ("pomocy spolecznej", "swiadczeniach rodzinnych", "dodatkach mieszkaniowych")
# The curated fact said after a calculator's "not eligible": the help its benefit's office gives
# whatever the income (work with a social worker, counselling, crisis intervention, the special
# benefit for a particular need).
# Said only when the income decided ("dochód 1 500 zł nie jest niższy od kryterium 1 010 zł"),
# not an age or a missing certificate.
BEYOND_THE_CRITERION = dict.fromkeys(
    ("kryterium_dochodowe", "zasilek_staly", "zasilek_okresowy"), "ps-kto-bez-wzgledu-na-dochod"
)
BEYOND_NOTE = "Pomoc jest jednak możliwa i przy wyższym dochodzie: "
_OVER = re.compile(r"\bprzekracza kryterium|\bnie jest niższy od kryterium")


def _act(provision: str) -> str | None:
    return act_of(provision, _ACTS)


# A fact's act, cited articles and stated numbers, by its provision and answer: each sum
# compared them for every fact of the base (about 110 ms a calculation), the same each time.
@functools.lru_cache(maxsize=4096)
def _figures(provision: str, answer: str) -> tuple[str | None, frozenset[str], frozenset[str]]:
    return _act(provision), frozenset(articles(provision)), numbers(answer)


def supporting_facts(
    steps: Sequence[Step], facts: Sequence[SourcedFact], on: dt.date, *, limit: int = 3
) -> tuple[list[SourcedFact], dict[int, list[int]]]:
    """The facts that state a step's figures under the step's provision, and for each step the
    numbers ([1], [2] …) of the facts it rests on.

    A fact supports a step when it cites an article of the same act as the step and states a
    number the step uses (the criterion, the cap, a percentage): what the resident reads in
    the quote is the figure in the working. The facts covering most figures come first.
    """
    wanted: dict[int, tuple[str, set[str], frozenset[str]]] = {}
    for index, step in enumerate(steps):
        if step.provision and (act := _act(step.provision)):
            wanted[index] = (act, articles(step.provision), numbers(step.text))
    candidates: dict[int, set[int]] = {}  # fact → the steps it supports
    for n, fact in enumerate(facts):
        if not fact.valid_on(on) or "mieszkaniec" not in fact.document.meta.audience:
            continue
        act, cited, stated = _figures(fact.fact.provision, fact.fact.answer)
        if act is None:
            continue
        for index, (step_act, step_articles, step_numbers) in wanted.items():
            if act == step_act and cited & step_articles and stated & step_numbers:
                candidates.setdefault(n, set()).add(index)
    chosen: list[tuple[int, set[int]]] = []  # a fact, and the steps it supports
    covered: set[int] = set()
    while candidates and len(chosen) < limit:
        best = max(candidates, key=lambda n: (len(candidates[n] - covered), -n))
        if not candidates[best] - covered:
            break
        supported = candidates.pop(best)
        chosen.append((best, supported))
        covered |= supported
    # Numbered in the order the working first leans on them, as a reader meets them.
    chosen.sort(key=lambda pair: min(pair[1]))
    markers: dict[int, list[int]] = {}
    for number, (_, supported) in enumerate(chosen, start=1):
        for index in sorted(supported):
            markers.setdefault(index, []).append(number)
    return [facts[n] for n, _ in chosen], markers


def _asked(result: Calculation) -> str | None:
    if result.result != "unknown":
        return None
    for field in result.missing:
        key = field.split(".")[0]
        if key in _QUESTIONS:
            return key
    return result.missing[0].split(".")[0] if result.missing else None


def compose(
    result: Calculation,
    title: str,
    situation: Situation,
    markers: dict[int, list[int]] | None = None,
    assumed: Sequence[str] = (),
) -> tuple[str, str]:
    """The answer (the result first, the assumptions made, the working with its provisions and
    the numbers of the facts behind them, the estimate note) and its lead sentence."""
    markers = markers or {}
    named = title.lower()
    asked = _asked(result)
    said = verdict(result, title)
    if said is not None:
        lead = f"Z tego, co piszesz: {said}"
    elif asked is None and result.unknown_figures:
        lead = (
            f"Nie policzę do końca: {named} zależy od wartości, której nie ma w moich źródłach "
            f"({'; '.join(result.unknown_figures)}). Poniżej to, co da się policzyć; resztę "
            "powie CUS."
        )
    else:
        lead = f"Żeby policzyć: {named}, potrzebuję jeszcze jednej informacji."
    parts = [lead]
    parts.extend(assumed)
    if situation.notes:
        parts.append("Przyjąłem: " + "; ".join(situation.notes) + ".")
    if situation.gross_only:
        parts.append(
            "Podałeś(-aś) kwotę brutto: przepisy liczą dochód netto (po podatku i składkach)."
        )
    if result.steps:
        parts.append(working(result.steps, markers))
    if result.unknown_figures:
        parts.append(
            "Brakuje mi danych, których nie mam w źródłach: "
            + ", ".join(result.unknown_figures)
            + "."
        )
    if asked is not None:
        parts.append(question_for(result.calculator, asked))
    parts.append(ESTIMATE)
    return "\n\n".join(parts), lead


def working(steps: Sequence[Step], markers: dict[int, list[int]]) -> str:
    """ "Jak to policzyłem:" and the steps, each with its provision and the numbers of the facts
    it rests on."""
    lines = [
        f"- {step.text}"
        + (f" ({step.provision})" if step.provision else "")
        + "".join(f"[{m}]" for m in markers.get(index, ()))
        for index, step in enumerate(steps)
    ]
    return "Jak to policzyłem:\n" + "\n".join(lines)


def question_for(name: str, field: str) -> str:
    """The one short question a calculator asks for a missing input."""
    return _QUESTIONS.get(field) or _titled(name, field)


def _titled(name: str, field: str) -> str:
    """A question for a field no sentence was written for: its title from the input schema."""
    properties = CALCULATORS[name].input_schema().get("properties", {})
    title = properties.get(field, {}).get("title") if isinstance(properties, dict) else None
    return f"Podaj proszę: {str(title).lower()}." if title else "Podaj proszę brakującą informację."


def verdict(result: Calculation, title: str) -> str | None:
    """The result in one sentence, lower-case, for a sentence that leads up to it: "zasiłek
    stały wstępnie przysługuje, około 713 zł miesięcznie (zasiłek stały: 1 313 zł − 600 zł =
    713 zł)."; for an unknown result, the provisional amount and its condition, else None.

    Args:
        result: the calculation.
        title: the calculator's title ("Zasiłek stały").
    """
    yes, no = _VERDICTS.get(
        result.calculator,
        (f"{title.lower()} wstępnie przysługuje", f"{title.lower()} nie przysługuje"),
    )
    decisive = _decisive(result)
    if result.result == "eligible":
        said = yes
        if result.amount is not None:
            per = " miesięcznie" if result.frequency == "monthly" else ""
            low = zl(result.amount)
            if result.amount_max is not None and result.amount_max != result.amount:
                said += f", co najmniej {low}{per} (najwyżej {zl(result.amount_max)})"
            else:
                said += f", około {low}{per}"
    elif result.result == "not_eligible":
        said = no
    elif result.provisional is not None:
        per = " miesięcznie" if result.frequency == "monthly" else ""
        return (
            f"{title.lower()} wyniesie około {zl(result.provisional.amount)}{per}, jeśli "
            f"{result.provisional.condition}."
        )
    else:
        return None
    return said + (f" ({decisive})." if decisive else ".")


def _decisive(result: Calculation) -> str | None:
    """The step that decided the result, said short ("dochód 1 500 zł przekracza kryterium
    1 010 zł"): the last comparison with figures in the working."""
    for step in reversed(result.steps):
        text = step.text.rstrip(".")
        if _COMPARISON.search(text) and re.search(r"\d", text):
            head, _, tail = text.partition(":")
            # "Dochód 950 zł nie przekracza kryterium 1 010 zł: warunek … spełniony": the
            # comparison; "Zasiłek stały: 1 313 zł − 780 zł = 533 zł": the whole sum.
            said = (head if len(head) > 30 and tail else text).strip()
            return said[0].lower() + said[1:] if said else None
    return None

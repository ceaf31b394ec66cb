"""The figures of a resident's situation, read from the way residents write them.

"mieszkam z mamą (ona ma emeryturę 1400), ja nie pracuję" is a household of two with 1 400 zł;
"maz, ja i dwoje maluchow (2 i 3 lata), dochod za 2025 2750 zl" is four people, two children
aged 2 and 3, and a yearly average. A calculator needs those values; a front-desk worker reads
them with a pencil, and so does this module: deterministically, and only what the message says.
A value it cannot read stays None, and the calculator asks for it: nothing is guessed.

What it reads:
- the household: a number ("jest nas 4", "rodzina 6 osób", "nasza szóstka"), living alone
  ("mieszkam sama"), or the people listed ("ja, żona i trójka dzieci", "z mamą i bratem");
- amounts of money, each with what it is: income (whose, net or gross, per month, per year or
  per three months, per person), a benefit that is not income (800+, a scholarship, a zasiłek
  celowy), housing costs, maintenance the person pays;
- the person's age and sex (from Polish grammar: "zostałam", "sama", "emerytka"), a disability
  certificate and its degree, the children's ages, the flat's area, a council flat;
- a child's birth date and the week of pregnancy medical care began (becikowe).

Residents skip Polish letters: everything is read folded (`rag.lexical.fold`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from rag.lexical import fold

Sex = Literal["K", "M"]
Period = Literal["month", "year", "quarter"]
Role = Literal["income", "excluded", "housing", "maintenance_paid"]
Whose = Literal["own", "other", "household", "per_person"]


@dataclass(frozen=True, slots=True)
class Money:
    """One amount the message names, and what it is."""

    value: Decimal  # as written
    role: Role
    whose: Whose | None = None  # for income: whose it is, when the words say
    gross: bool = False
    period: Period = "month"
    what: str = ""  # for an excluded benefit: its name ("800+")

    @property
    def monthly(self) -> Decimal:
        """The amount a month: a yearly sum divided by 12, three months' by 3."""
        if self.period == "year":
            return (self.value / 12).quantize(Decimal("0.01"))
        if self.period == "quarter":
            return (self.value / 3).quantize(Decimal("0.01"))
        return self.value


@dataclass(frozen=True, slots=True)
class Situation:
    """What a message says about the person's household (None: not said)."""

    household: int | None = None  # people in the household, the person included
    amounts: tuple[Money, ...] = ()
    age: int | None = None  # the person's own age
    sex: Sex | None = None
    disability: str | None = None  # "znaczny", "umiarkowany", "lekki", "" (degree not said)
    children_ages: tuple[int, ...] = ()
    children: int | None = None  # how many children the message names
    single_parent: bool = False
    flat_area: Decimal | None = None  # m²
    rooms_area: Decimal | None = None  # rooms and kitchen, m²
    council_flat: bool | None = None
    tenure: str | None = None
    birth: dt.date | None = None  # a child's birth date (becikowe)
    care_week: int | None = None  # the week of pregnancy medical care began
    notes: tuple[str, ...] = field(default=())  # how amounts were read ("rocznie ÷ 12")

    # --- what the amounts add up to -------------------------------------------------------

    @property
    def income_said(self) -> bool:
        return any(m.role == "income" for m in self.amounts)

    @property
    def gross_only(self) -> bool:
        """Income said only as gross ("brutto"): the net, which the acts count, is unknown."""
        incomes = [m for m in self.amounts if m.role == "income"]
        return bool(incomes) and all(m.gross for m in incomes)

    @property
    def household_income(self) -> Decimal | None:
        """The household's net income a month, as the acts count it; None when not said.

        A total the person names ("razem", "na całą rodzinę") wins over the parts; otherwise
        the parts add up. Benefits that are not income (800+) and gross amounts are left out;
        maintenance the person pays is taken off (art. 8 ust. 3 UPS).
        """
        incomes = [m for m in self.amounts if m.role == "income" and not m.gross]
        if not incomes:
            return None
        totals = [m for m in incomes if m.whose == "household"]
        per_person = [m for m in incomes if m.whose == "per_person"]
        if totals:
            income = totals[-1].monthly
        elif per_person:
            if self.household is None:
                return None
            income = per_person[-1].monthly * self.household
        else:
            income = sum((m.monthly for m in incomes), Decimal(0))
        paid = sum((m.monthly for m in self.amounts if m.role == "maintenance_paid"), Decimal(0))
        return max(income - paid, Decimal(0))

    @property
    def own_income(self) -> Decimal | None:
        """The person's own net income a month, when the message tells it apart."""
        own = [m for m in self.amounts if m.role == "income" and m.whose == "own" and not m.gross]
        if own:
            return sum((m.monthly for m in own), Decimal(0))
        if self.household == 1:
            return self.household_income
        return None

    @property
    def income_per_person(self) -> Decimal | None:
        per_person = [m for m in self.amounts if m.role == "income" and m.whose == "per_person"]
        if per_person and not per_person[-1].gross:
            return per_person[-1].monthly
        total = self.household_income
        if total is None or not self.household:
            return None
        return (total / self.household).quantize(Decimal("0.01"))

    @property
    def housing_costs(self) -> Decimal | None:
        costs = [m for m in self.amounts if m.role == "housing"]
        return costs[-1].monthly if costs else None

    @property
    def excluded(self) -> tuple[Money, ...]:
        return tuple(m for m in self.amounts if m.role == "excluded")


# --- numbers ---------------------------------------------------------------------------------

_NUMBER = r"(?<![\d.,/-])(\d{1,3}(?:[ .]\d{3})+|\d+)(?:,(\d{1,2}))?(?![\d/])"
_AMOUNT = re.compile(_NUMBER + r"(?:\s*(?:zl\w*|pln|zlociszy))?")
_K = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d)?)\s*(?:k|tys\w*)\b")


def _number(whole: str, fraction: str | None) -> Decimal:
    digits = re.sub(r"[ .]", "", whole)
    return Decimal(f"{digits}.{fraction}") if fraction else Decimal(digits)


# What follows a number and makes it not money.
_NOT_MONEY_AFTER = re.compile(
    r"^\s*(?:-?\s*)?(?:lat\w*|lata|latk\w*|rok\w*|r\b|roku|m2|m²|m\b|metr\w*|mkw|osob\w*|os\b|"
    r"dzieci\w*|tyg\w*|tydz\w*|miesiac\w*|mies\b|dni|dzien|godz\w*|proc\w*|%|etat\w*|"
    r"plus\b|\+|pokoj\w*|pietr\w*|stopni\w*|razy|x\b|i \d+ lat|synow|corek|wnuk\w*|"
    r"stycz\w*|lut\w*|marc\w*|kwie\w*|maj\w*|czerw\w*|lip\w*|sierp\w*|wrzes\w*|pazdz\w*|"
    r"listopad\w*|grud\w*)"
)
_NOT_MONEY_BEFORE = re.compile(
    r"(?:art|ust|pkt|nr|numer|ur|urodz\w*|od|w|we|z|do|przez|mam|ma|maja|mamy|skonczone|"
    r"dzieci|dzieciach|corka|coreczka|syn|synek|wnuk|wnuczka)\s*\.?\s*$"
)
# What names an income itself (not "mam", "wychodzi", which also say what the rent comes to).
# Words of earning itself, in both lists below.
_EARNING = (
    r"zarabi\w*|zarobk\w*|dochod\w*|emerytur\w*|pensj\w*|wyplat\w*|wynagrodzen\w*|pracuj\w*|"
    r"netto|brutto|na reke"
)
_EARNED = re.compile(rf"\b(?:{_EARNING}|rent[aeyu]\w*|zasil\w*|swiadczen\w*|alimen\w*)\b")
_INCOME_WORDS = re.compile(
    rf"\b(?:{_EARNING}|rent\w*|zasilek dla bezrobotnych|zasilku dla bezrobotnych|"
    r"alimenty na|alimentow na dzieci|alimenty|zlecen\w*|umow\w*|etat\w*|dostaj\w*|"
    r"dostajemy|dostaje|wychodzi|mamy|mam|ma|mielismy|mialam|mialem|maz|zona|ona|on|ja|"
    r"zasilek|zasilku|swiadczen\w*|dorabiam|dorywcz\w*|razem|lacznie|w sumie)\b"
)
_HOUSING_WORDS = re.compile(
    r"(?:czynsz\w*|oplat\w*|media|mediami|wydatk\w* (?:na|za) mieszkani\w*|za mieszkanie|"
    r"rachunk\w*|co wychodzi|z oplatami)"
)
_EXCLUDED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("800+", re.compile(r"800\s*(?:\+|plus|pln plus|zl plus)|rodzina 500|500\s*(?:\+|plus)")),
    ("stypendium socjalne", re.compile(r"stypendi\w* socjaln\w*")),
    ("zasiłek celowy", re.compile(r"celow\w*")),
    ("prace społecznie użyteczne", re.compile(r"spolecznie uzyteczn\w*")),
    ("zasiłek okresowy", re.compile(r"(?:juz|z ops|z mops\w*|z opieki) \w*\s*okresow\w*")),
    ("dodatek mieszkaniowy", re.compile(r"dodat\w* mieszkaniow\w*|mieszkaniowk\w*")),
)
_TOTAL = re.compile(
    r"\b(?:razem|lacznie|w sumie|na cala rodzine|na rodzine|calej rodziny|dochod rodziny|"
    r"na nas \w+|na nas|wszyscy razem|domowy|gospodarstwa)\b"
)
_PER_PERSON = re.compile(r"^\s*(?:zl\w*\s*)?(?:netto\s*)?(?:mies\w*\s*)?na (?:osobe|glowe)")
_YEARLY = re.compile(r"(?:za (?:caly )?(?:zeszly |ubiegly |poprzedni )?rok|rocznie|na rok|w roku)")
_QUARTER = re.compile(
    r"(?:(?:ostatnie|przez) (?:3|trzy) miesiac\w*|za (?:3|trzy) miesiac\w*|kwartal\w*)"
)
_OTHER_PERSON = re.compile(
    r"\b(?:maz|meza|mezowi|zona|zony|ona|on|mama|mamy|matka|tata|ojciec|syn|corka|brat|siostra|"
    r"partner\w*|konkubent\w*|babcia|dziadek|tesciow\w*)\b"
)
# First person only: "pracuje", "dostaje" are also the third person once folded.
_OWN = re.compile(r"\b(?:ja|moja|moje|moj|mam|zarabiam|dorabiam|mialam|mialem|pracowalam)\b")


_ZERO_INCOME = re.compile(
    r"\b(?:nie (?:mam|mamy|mielismy|mialam|mialem|ma) (?:\w+ )?(?:zadn\w* )?(?:dochod\w*|"
    r"dochodu|pieniedzy|grosza|nic)|zero (?:zl|dochodu)|bez (?:zadnego )?dochodu|"
    r"dochod (?:mam |mamy )?zerowy|0 zl dochodu)\b"
)
_PERSONAL_INCOME = re.compile(
    r"\b(?:emerytur\w*|rent\w*|pensj\w*|wyplat\w*|zarabiam|zarabia|wynagrodzen\w*|"
    r"zasilek dla bezrobotnych|zasilku dla bezrobotnych|zlecen\w*|dorabiam|mam|ma|dostaje)\b"
)
_HOUSEHOLD_INCOME = re.compile(
    r"\b(?:mamy|zarabiamy|mielismy|dostajemy|dochod|dochodu|dochody|wychodzi nam|razem)\b"
)
_RESTATED = re.compile(r"\b(?:czyli|to jest|tj|to)\s*$")
_YEAR_BEFORE = re.compile(
    r"\b(?:w|z|za|od|do|rok|roku|na|po|przed|stycz\w*|lut\w*|marc\w*|kwie\w*|maj\w*|czerw\w*|"
    r"lip\w*|sierp\w*|wrze\w*|pazdz\w*|listopad\w*|grud\w*)\s*$"
)
_CHANGE_BY = re.compile(
    r"\b(?:wzros\w*|spad\w*|zmala\w*|podnies\w*|podniosl\w*|obniz\w*|zwieksz\w*|zmniejsz\w*|"
    r"podwyz[kc]\w*|obniz[kc]\w*|waloryz\w*|wiecej|mniej|przekracza\w*|przekroczy\w*)\b"
    r"[^,.;]{0,25}\bo\s*$"
)
_CHANGE_AFTER = re.compile(r"^\s*(?:zl\w*\s*)?(?:wiecej|mniej|wyzej|nizej)\b")
_POINTED_BACK = re.compile(r"\b(?:te|tych|ten|ta|tej|tymi|owe|tamte|tamtych)\s*$")
_CLAUSE_END = re.compile(r"[,.;()!?]|\s(?:i|a|ale|oraz|do tego|plus)\s")


def _rent_split_off(clause_before: str) -> bool:
    """ "czynsz z wodą i ogrzewaniem wychodzi 700 zł": a housing word earlier in the clause, and
    between it and the amount no other amount and no word naming an income ("czynsz 900 zł i
    mamy 3000 zł": the 3000 is income)."""
    ends = [m.end() for m in _HOUSING_WORDS.finditer(clause_before)]
    if not ends:
        return False
    between = clause_before[ends[-1] :]
    return not re.search(r"\d", between) and not _EARNED.search(between)


def _costs_listed(before: str) -> bool:
    """ "za czynsz, ogrzewanie, wodę i śmieci płacimy 1100 zł": a housing word opens a list of
    costs, and between it and the amount only more costs (no other number, no income word)."""
    sentence = re.split(r"[.;!?()]", before)[-1]
    ends = [m.end() for m in _HOUSING_WORDS.finditer(sentence)]
    if not ends:
        return False
    between = sentence[ends[-1] :]
    return (
        "," in between
        and len(between) <= 70
        and bool(_PAYING.search(between))
        and not re.search(r"\d", between)
        and not _EARNED.search(between)
        and not _INCOME_WORDS.search(between)
    )


# Paid out, right before the amount ("… płacimy 1100 zł"); not "zostaje nam", "żyjemy z".
_PAYING = re.compile(r"\b(?:plac\w*|zaplac\w*|wynos\w*|kosztuj\w*|oddaj\w*|idzie|ida)\s*$")


def _clause_before(before: str) -> str:
    return re.split(r"[,.;()!?]", before)[-1]


def _clause_after(after: str) -> str:
    found = _CLAUSE_END.search(after)
    return after[: found.start()] if found else after


def _money(folded: str) -> tuple[list[Money], list[str]]:
    found: list[Money] = []
    notes: list[str] = []
    for match in _AMOUNT.finditer(folded):
        start = match.start()
        number_end = match.end(2) if match.group(2) else match.end(1)
        after = folded[number_end : number_end + 60]
        before = folded[max(0, start - 80) : start]
        said_zl = match.end() > number_end
        if not said_zl and _NOT_MONEY_AFTER.match(after[:20]):
            continue
        value = _number(match.group(1), match.group(2))
        if _POINTED_BACK.search(before) and any(m.value == value for m in found):
            continue  # "czy policzą mi te 6000": the amount said before, pointed back to
        if _CHANGE_BY.search(_clause_before(before)) or (
            re.search(r"\bo\s*$", before) and _CHANGE_AFTER.match(after)
        ):
            continue  # "renta wzrosła o 80 zł": by how much it changed, not what it is
        if value < 10 and not said_zl:
            continue  # "3 i 8", "2 razy": counts, not money
        if (
            1990 <= value <= 2035
            and not said_zl
            and (_YEAR_BEFORE.search(before) or re.match(r"^\s*(?:r\b|roku)", after))
        ):
            continue  # a year ("w 2025")
        if re.search(r"\d[.-]\s*$", folded[max(0, start - 3) : start]) or re.match(
            r"^[.-]\d", after
        ):
            continue  # part of a date
        if not said_zl and _NOT_MONEY_BEFORE.search(before[-12:]) and value < 120:
            continue  # "mam 67", "od 7": an age or a week
        if re.search(r"800\s*$", before[-5:]) or re.match(r"^\s*(?:\+|plus)", after):
            continue  # the 800 of "800+"
        clause_before = _clause_before(before)
        clause_after = _clause_after(after)
        # The words tied to this amount: back to the last comma or "i", on to the next.
        narrow = re.split(r"\s(?:i|a|oraz|do tego)\s", clause_before)[-1]
        clause = f"{narrow} # {clause_after}"
        role: Role = "income"
        what = ""
        for name, pattern in _EXCLUDED:
            if pattern.search(clause) and not re.search(r"\bbez\b", clause):
                role, what = "excluded", name
                break
        if (
            role == "income"
            and (
                _HOUSING_WORDS.search(clause)
                # "czynsz z wodą i ogrzewaniem wychodzi 700 zł": the "i" split the rent off.
                or _rent_split_off(clause_before)
                or _costs_listed(before)
                or (
                    not narrow.strip()
                    and _HOUSING_WORDS.search(before[-45:])
                    and not _INCOME_WORDS.search(re.split(r"[,.;]", before)[-1])
                )
            )
        ):
            role = "housing"
        if (
            role == "income"
            and re.search(r"alimen", clause)
            and re.search(r"komornik|sciaga|potraca|place|placi[cm]|odprowadzam|dawac", clause)
        ):
            role = "maintenance_paid"
        per_person = bool(
            _PER_PERSON.match(after)
            or re.search(r"na (?:osobe|glowe)", clause_after)
            or re.search(r"na (?:osobe|glowe)\b[^,.;]{0,25}$", clause_before)
        )
        if role == "income" and not said_zl and not (_INCOME_WORDS.search(clause) or per_person):
            continue
        whose: Whose | None = None
        if _RESTATED.search(clause_before):
            whose = "household"
        elif per_person:
            whose = "per_person"
        elif _TOTAL.search(clause):
            whose = "household"
        else:
            persons = list(_OTHER_PERSON.finditer(clause_before))
            mine = list(_OWN.finditer(clause_before))
            if persons and (not mine or persons[-1].start() > mine[-1].start()):
                whose = "other"
            elif mine or _PERSONAL_INCOME.search(clause_before):
                whose = "own"
            elif _HOUSEHOLD_INCOME.search(clause_before):
                whose = "household"
            if _HOUSEHOLD_INCOME.search(clause_before) and re.search(
                r"\b(?:mamy|zarabiamy|mielismy|dostajemy)\b", clause_before
            ):
                whose = "household"
        gross = bool(re.match(r"^\s*(?:zl\w*\s*)?brutto", after)) or "brutto" in before[-12:]
        period: Period = "month"
        context = clause_before[-40:] + " " + clause_after
        if _YEARLY.search(context) and not re.search(r"mies|miesiac", clause_after):
            period = "year"
            notes.append(f"{value} zł za rok podzielone przez 12")
        elif _QUARTER.search(context) and re.search(r"razem|lacznie|mielismy|w sumie", context):
            period = "quarter"
            notes.append(f"{value} zł za trzy miesiące podzielone przez 3")
        found.append(Money(value, role, whose, gross, period, what))
    for match in _K.finditer(folded):
        value = Decimal(match.group(1).replace(",", ".")) * 1000
        if _INCOME_WORDS.search(folded[max(0, match.start() - 40) : match.start()]):
            found.append(Money(value, "income"))
    if not any(m.role == "income" for m in found) and _ZERO_INCOME.search(folded):
        found.append(Money(Decimal(0), "income", "household"))
    if any(m.whose == "other" for m in found):
        # "emerytura 400 zł, mąż ma 1000": the amount no one else is named for is the person's.
        found = [
            Money(m.value, m.role, "own", m.gross, m.period, m.what)
            if m.role == "income" and m.whose is None
            else m
            for m in found
        ]
    return found, notes


# --- people ----------------------------------------------------------------------------------

_COUNT_WORDS = {
    "jeden": 1, "jedno": 1, "jedna": 1, "dwa": 2, "dwie": 2, "dwoje": 2, "dwojka": 2,
    "dwojke": 2, "dwojga": 2, "dwoch": 2, "trzy": 3, "troje": 3, "trojka": 3, "trojke": 3,
    "trojga": 3, "trzech": 3, "cztery": 4, "czworo": 4, "czworka": 4, "czworke": 4,
    "czworga": 4, "czterech": 4, "piec": 5, "piecioro": 5, "piatka": 5, "piatke": 5,
    "pieciorga": 5, "szesc": 6, "szescioro": 6, "szostka": 6, "szostke": 6, "siedem": 7,
    "siedmioro": 7, "siodemka": 7, "siodemke": 7, "osiem": 8, "osmioro": 8,
}  # fmt: skip
_COUNT = r"(\d{1,2}|" + "|".join(sorted(_COUNT_WORDS, key=len, reverse=True)) + r")"


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _COUNT_WORDS[word]


_HOUSEHOLD_SAID = (
    re.compile(r"\b(?:jest nas|mieszka nas|nas jest|mieszkamy w|rodzina|gospodarstwo|"
               r"liczba osob w gospodarstwie:?|na rodzine|rodzine)\s+(?:w\s+)?" + _COUNT
               + r"\b(?!\s*(?:lat|dzieci|dziec|zl))"),
    re.compile(r"\b" + _COUNT + r"[ -]?(?:osob\w*|osobow\w*|os\b)"),
    re.compile(r"\b(?:nasza|mam|jestesmy w|w)\s+" + _COUNT
               + r"\b(?=\s*(?:w domu|osob|\(|,|ma|mamy))"),
    re.compile(r"\bwe\s+" + _COUNT + r"\b"),
)  # fmt: skip
_ALONE = re.compile(
    r"\b(?:mieszkam sam[a]?|mieszkajac\w* sam|sam[a]? mieszkam|jestem sam[a]?\b|sam[a]? jak palec|"
    r"mieszkam bez nikogo|samotn\w* gospodar\w*|osoba samotna|jestem osoba samotna|"
    r"zyje sam[a]?|mieszkam samotnie|sama w\b|sam w\b|sama,|sam,|jestem sam[a]? w)"
)
_PERSON_WORDS = (
    r"maz|mezem|meza|zona|zony|mama|mame|mamie|matka|matki|tata|tata|ojciec|ojcem|"
    r"syn|synem|synkiem|synek|syna|corka|corki|corke|coreczka|coreczke|brat|bratem|siostra|"
    r"siostre|babcia|babcie|dziadek|dziadkiem|partner\w*|konkubent\w*|dziecko|dzieckiem|"
    r"wnuk\w*|wnucz\w*|tesciowa|tesciowe|tesciem|noworod\w*|niemowl\w*"
)
_PERSON = re.compile(r"\b(?:" + _PERSON_WORDS + r")\b")
_GROUP = re.compile(
    r"\b" + _COUNT + r"\s+(?:\w+\s+)?(?:dzieci\w*|dziec\w*|synow|corek|maluch\w*|wnuk\w*)"
)
_WITH = re.compile(
    r"\b(?:mieszkam|mieszkamy|zyje|jestem|my|mieszka|zostalam|zostalem|sama|sam)\s+z\s+"
)
_SINGLE_PARENT = re.compile(
    r"\b(?:samotn\w* (?:mam\w*|matk\w*|ojc\w*|rodzic\w*|wychow\w*)|wychowuj\w* sam[a]?|"
    r"sam[a]? wychowuj\w*|sam[a]? z (?:dzie|coreczk|cork|syn|dwojk|trojk|dwoj|troj)|"
    r"jestem sam[a]? z)"
)


_CHILD_NOUNS = re.compile(r"^(?:dzieci\w*|dziec\w*|synow|corek|maluch\w*|wnuk\w*|bliznia\w*)$")
_SEPARATORS = {",", "i", "oraz", "z", "ze", "plus"}
_FILLER = re.compile(
    r"^(?:\(|\)|\d{1,2}|lat\w*|lata|latk\w*|mies\w*|moj\w*|nasz\w*|"
    r"male|malych|dorosl\w*|nowo|narodzon\w*|\w+letni\w*)$"
)


def _listed_people(folded: str) -> int | None:
    """People named in a list: "ja, żona i trójka dzieci", "mąż, ja i noworodek"."""
    for sentence in re.split(r"[.!?;:]", folded):
        tokens = re.findall(r"\w+|[,()]", sentence)
        best = 0
        run, items, separated = 0, 0, True
        seen: set[str] = set()  # "ja, mąż i dzieci, mąż zarabia…": the husband once
        i = 0
        while i < len(tokens):
            token = tokens[i]
            gone = tokens[i + 1] if i + 1 < len(tokens) else ""
            if _PERSON.fullmatch(token) and re.match(
                r"(?:nieznan\w*|odszedl|odeszla|zmarl\w*|nie|byl|byla|zostawil\w*)$", gone
            ):
                best = max(best, run if items >= 2 else 0)
                run, items, separated = 0, 0, True
                seen.clear()
            elif token in ("ja", "my") or _PERSON.fullmatch(token):
                if token[:4] not in seen:
                    run += 1 if separated or items == 0 else 0
                    items += 1
                    seen.add(token[:4])
                separated = False
            elif token in _COUNT_WORDS or (token.isdigit() and int(token) < 10):
                ahead = tokens[i + 1 : i + 3]
                if any(_CHILD_NOUNS.match(t) for t in ahead):
                    run += _count(token)
                    items += 1
                    separated = False
                    i += 1 + next(n for n, t in enumerate(ahead) if _CHILD_NOUNS.match(t))
                    i += 1
                    continue
                if not (separated is False and _FILLER.match(token)):
                    best = max(best, run if items >= 2 else 0)
                    run, items, separated = 0, 0, True
                    seen.clear()
            elif token in _SEPARATORS:
                separated = True
            elif _FILLER.match(token):
                pass
            else:
                best = max(best, run if items >= 2 else 0)
                run, items, separated = 0, 0, True
                seen.clear()
            i += 1
        best = max(best, run if items >= 2 else 0)
        if best >= 2:
            lived_with = re.search(
                r"\b(?:mieszkam|mieszkamy|zyje|jestem|sama|sam|zostalam|zostalem)\s+z\s+", sentence
            )
            return best + (1 if lived_with and not re.search(r"\b(?:ja|my)\b", sentence) else 0)
    return None


_PARTNER = re.compile(r"\b(?:maz|meza|mezem|mezowi|zona|zony|zone|partner\w*|konkubent\w*)\b")
_NO_PARTNER = re.compile(
    r"\b(?:byl\w* (?:maz|meza|mezem|zona|zony|partner\w*)|rozwod\w*|rozwiedzion\w*|"
    r"(?:maz|zona|partner) (?:odszedl|odeszla|zostawil\w*|zmarl\w*|nie zyje|siedzi)|"
    r"smierci|wdow\w*|ojciec nieznany|samotn\w*)"
)
_NO_CHILDREN = re.compile(r"\b(?:dzieci nie mamy|nie mamy dzieci|bez dzieci|bezdzietn\w*)\b")


def _counted_children(folded: str) -> bool:
    """Whether the message says how many children (a number, ages, or one child named)."""
    if _GROUP.search(folded) or _CHILD_AGES.search(folded) or _CHILD_AGE_BEFORE.search(folded):
        return True
    plural = re.search(r"\b(?:dzieci|dziecmi|dzieciom|dzieciakami|synami|corkami)\b", folded)
    return not plural


# "pięcioosobowa rodzina", also typed "piecioosobwa": the number inside the adjective.
_COMPOUND_COUNTS = {
    "jedno": 1, "dwu": 2, "dwoj": 2, "trzy": 3, "troj": 3, "cztero": 4, "czworo": 4, "piecio": 5,
    "szescio": 6, "siedmio": 7, "osmio": 8,
}  # fmt: skip
_COMPOUND_WORD = (
    r"(" + "|".join(sorted(_COMPOUND_COUNTS, key=len, reverse=True)) + r")[ -]?o?osob\w*"
)
_HOUSEHOLD_NOUN = r"(?:rodzin\w*|gospodarstw\w*|famili\w*)"
_COMPOUND = re.compile(  # of a family or a household, not of a room or a tent
    rf"\b{_COMPOUND_WORD}\s+{_HOUSEHOLD_NOUN}|\b{_HOUSEHOLD_NOUN}\s+(?:\w+\s+)?{_COMPOUND_WORD}"
)


def _household(folded: str, children: int | None) -> int | None:
    for pattern in _HOUSEHOLD_SAID:
        if found := pattern.search(folded):
            return _count(found.group(1))
    if compound := _COMPOUND.search(folded):
        return _COMPOUND_COUNTS[compound.group(1) or compound.group(2)]
    if (listed := _listed_people(folded)) is not None:
        return listed
    if married := re.search(
        r"\bjestesmy malzenstwem z\s+" + _COUNT + r"\s+(?:\w+\s+)?(?:dzie|dziec|malu)", folded
    ):
        return 2 + _count(married.group(1))
    if parent := re.search(
        r"\b(?:samotn\w* \w+|sam[a]?|wychowuj\w* sam[a]?)\s+(?:z\s+)?" + _COUNT
        + r"\s+(?:\w+\s+)?(?:dzie|dziec|synow|corek|malu)",
        folded,
    ):  # fmt: skip
        return 1 + _count(parent.group(1))
    if re.search(r"\b(?:jestem sam[a]? z|sam[a]? z) (?:coreczk|cork|syn|dzieck)\w*", folded):
        return 2
    if _ALONE.search(folded) and not _WITH.search(folded):
        return 1
    # Composed from what is named: the person, a partner, the children, the relatives "z" whom
    # they live.
    partner = bool(_PARTNER.search(folded)) and not _NO_PARTNER.search(folded)
    kids = 0 if _NO_CHILDREN.search(folded) else (children or 0)
    if kids and not _counted_children(folded):
        return None  # "z żoną i dziećmi": how many is not said
    if kids and not partner and not _SINGLE_PARENT.search(folded) and not _WITH.search(folded):
        return None  # "mam dwoje dzieci": with a partner or not is not said
    relatives = 0
    if with_people := _WITH.search(folded):
        tail = folded[with_people.end() : with_people.end() + 60]
        tail = re.split(r"[.;:(,]|\b(?:ona|on|ja|ktor\w*|bo|ale|i nie|a )\b", tail)[0]
        named = [w for w in _PERSON.findall(_GROUP.sub(" ", tail)) if not _PARTNER.match(w)]
        named = [w for w in named if not re.match(r"(?:syn|cork|coreczk|dzie)", w) or not kids]
        groups = 0 if kids else sum(_count(g.group(1)) for g in _GROUP.finditer(tail))
        relatives = len(named) + groups
        partner = partner or bool(_PARTNER.search(tail))
    if partner or kids or relatives:
        return 1 + int(partner) + kids + relatives
    if _ALONE.search(folded):
        return 1
    return None


_AGE = re.compile(
    r"(?:^|[,.;]\s*|\bmam\s+|\bja mam\s+|\bja\s+|\bjestem\s+\w+\s+)(\d{2,3})\s*(?:lat\w*|lata)\b"
    r"|\b(?:skonczon\w*|skonczyl\w*)\s+(\d{2,3})\b"
)
_CHILD_AGES = re.compile(
    r"\b(?:dzieci\w*|dziec\w*|maluch\w*|corka|coreczka|corki|synek|syn|synowie|syna|dwojka|"
    r"trojka|dwoje|troje)\b[^.;]{0,25}?\(?\s*((?:\d{1,2}\s*(?:,|i|oraz)\s*)*\d{1,2})\s*"
    r"(?:lat\w*|lata|latk\w*|r\.|mies\w*)"
)
_CHILD_AGE_BEFORE = re.compile(
    r"\b(\d{1,2})\s*(?:lat\w*|lata|latk\w*)\s*(?:\w+\s*)?(?:corka|coreczka|syn|synek|dziecko)"
)
_FEMALE = re.compile(
    r"\b(?:sama|samotna|kobieta|emerytka|rencistka|bezrobotna|chora|zostalam|stracilam|"
    r"mialam|bylam|urodzilam|jestem wdowa|wdowa|mezatka|mama|matka|zarejestrowana|"
    r"\w+lam)\b"
)
_MALE = re.compile(
    r"\b(?:sam|samotny|mezczyzna|emeryt|rencista|bezrobotny|chory|zostalem|stracilem|"
    r"mialem|bylem|jestem wdowcem|wdowiec|zarejestrowany|\w+lem)\b"
)
_DISABILITY = re.compile(
    r"\b(?:orzeczen\w*|stopien|stopniem|stopniu|grup\w* inwalidzk\w*|niepelnosprawn\w*)"
)
_DEGREE = re.compile(r"\b(znaczn\w*|umiarkowan\w*|lekki\w*|lekkim)\b")
_AREA = re.compile(r"(\d{1,3}(?:[,.]\d{1,2})?)(?:\s*|-)(?:m2|m²|m kw|mkw|metr\w*)")
_ROOMS_AREA = re.compile(
    r"pokoj\w*\s+(?:i|z|razem z|oraz)\s+kuchni\w*[^0-9]{0,30}?(\d{1,3}(?:[,.]\d{1,2})?)\s*"
    r"(?:m2|m²|metr\w*)"
)
_COUNCIL = re.compile(
    r"\b(?:komunaln\w*|komunalk\w*|gminn\w*|od miasta|od gminy|z gminy|zgm|zbm|mzbm|zgk|"
    r"kwaterunk\w*|tbs|socjaln\w* mieszkani\w*|lokal\w* socjaln\w*)\b"
)
_TENURE: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Before "socjalne": "czekam na lokal socjalny" is waiting for one, not renting it.
    ("czeka na lokal", re.compile(r"\bczeka\w* na (?:lokal\w*|mieszkani\w*) (?:socjaln|zamienn)")),
    ("bez tytułu", re.compile(r"\b(?:bez|nie mam|nie mamy|brak)\w* (?:zadnego )?tytul\w*")),
    ("inny tytuł", re.compile(r"\binn\w* tytul\w*")),
    ("socjalne", re.compile(r"\b(?:lokal\w* socjaln\w*|mieszkani\w* socjaln\w*|socjalk\w*)")),
    ("komunalne", re.compile(r"\b(?:komunaln\w*|komunalk\w*|kwaterunk\w*|od miasta|z gminy)")),
    ("spółdzielcze", re.compile(r"\bspoldziel\w*")),
    ("najem", re.compile(r"\b(?:wynajmuj\w*|wynajm\w*|najm\w*|stancj\w*|podnajm\w*)")),
    ("własność", re.compile(r"\b(?:wlasn\w* mieszkani\w*|moje mieszkanie|swoj\w* dom\w*|"
                            r"domek|wlasnosciow\w*|po rodzicach|po babci|po dziadkach|"
                            r"odziedzicz\w*|kupil\w* mieszkanie|na wlasnosc)")),
)  # fmt: skip

MONTH_STEMS = {  # a month by the stem of its name, folded (also `rag.answering.dates`)
    "stycz": 1, "lut": 2, "marc": 3, "kwie": 4, "maj": 5, "czerw": 6, "lip": 7, "sierp": 8,
    "wrze": 9, "pazdz": 10, "listop": 11, "grud": 12,
}  # fmt: skip


def month_of(word: str) -> int | None:
    """The month a (folded) month name or its inflection names: "listopada" → 11."""
    return next((n for stem, n in MONTH_STEMS.items() if word.startswith(stem)), None)


_BIRTH = re.compile(
    r"(?:ur\.?|urodzon\w*|urodzil\w*(?: sie)?)\s*(?:\w+\s+){0,2}?"
    r"(?:(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{1,2})\s+([a-z]+)(?:\s+(\d{4}))?)"
)
_CARE_WEEK = re.compile(
    r"(?:od|w)\s+(\d{1,2})\.?\s*(?:tyg\w*|tydz\w*)|(?:ciaz\w*|ginekolog\w*|lekarz\w*)[^.]{0,40}?"
    r"(\d{1,2})\.?\s*(?:tyg\w*|tydz\w*)"
)


def _birth(folded: str, today: dt.date) -> dt.date | None:
    found = _BIRTH.search(folded)
    if not found:
        return None
    try:
        if found.group(1):
            return dt.date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        month = month_of(found.group(5))
        if month is None:
            return None
        year = int(found.group(6)) if found.group(6) else today.year
        born = dt.date(year, month, int(found.group(4)))
        if not found.group(6) and born > today:
            born = born.replace(year=year - 1)
        return born
    except ValueError:
        return None


def read_situation(text: str, *, today: dt.date | None = None) -> Situation:
    """The figures a message gives about the person and their household (see the module)."""
    folded = " ".join(fold(text).split())
    today = today or dt.date.today()
    amounts, notes = _money(folded)
    age_match = _AGE.search(folded)
    age = int(age_match.group(1) or age_match.group(2)) if age_match else None
    if age is not None and not 15 <= age <= 110:
        age = None
    female = bool(_FEMALE.search(folded))
    male = bool(_MALE.search(folded))
    if re.search(r"\b(?:maz|meza|mezem|mezowi)\b", folded):
        female = female or not male
    if re.search(r"\b(?:zona|zony|zona|zone)\b", folded):
        male = male or not female
    sex: Sex | None = "K" if female and not male else "M" if male and not female else None
    disability: str | None = None
    if found := _DISABILITY.search(folded):
        near = folded[max(0, found.start() - 30) : found.end() + 40]
        degree_found = _DEGREE.search(near)
        degree = degree_found.group(1) if degree_found else ""
        disability = (
            "znaczny"
            if degree.startswith("znacz")
            else "umiarkowany"
            if degree.startswith("umiark")
            else "lekki"
            if degree.startswith("lekk")
            else ""
        )
    ages: list[int] = []
    used: set[int] = set()  # where an age was read, so that no number counts twice
    for found in _CHILD_AGES.finditer(folded):
        for number in re.finditer(r"\d{1,2}", found.group(1)):
            used.add(found.start(1) + number.start())
            ages.append(int(number.group()))
    for found in _CHILD_AGE_BEFORE.finditer(folded):
        if found.start(1) not in used:
            ages.append(int(found.group(1)))
    groups = [_count(g.group(1)) for g in _GROUP.finditer(folded)]
    children = max([*groups, len(ages)], default=0) or None
    if children is None and re.search(r"\b(?:coreczk\w*|cork\w*|syn\w*|dzieck\w*)\b", folded):
        children = 1
    area = _AREA.search(folded)
    rooms = _ROOMS_AREA.search(folded)
    flat_area = Decimal(area.group(1).replace(",", ".")) if area else None
    rooms_area = Decimal(rooms.group(1).replace(",", ".")) if rooms else None
    if rooms_area is not None and flat_area == rooms_area:
        others = [Decimal(m.group(1).replace(",", ".")) for m in _AREA.finditer(folded)]
        flat_area = max(others)
    week = _CARE_WEEK.search(folded)
    return Situation(
        household=_household(folded, children),
        amounts=tuple(amounts),
        age=age,
        sex=sex,
        disability=disability,
        children_ages=tuple(ages),
        children=children,
        single_parent=bool(_SINGLE_PARENT.search(folded)),
        flat_area=flat_area,
        rooms_area=rooms_area,
        council_flat=True if _COUNCIL.search(folded) else None,
        tenure=next((name for name, pattern in _TENURE if pattern.search(folded)), None),
        birth=_birth(folded, today),
        care_week=int(week.group(1) or week.group(2)) if week else None,
        notes=tuple(notes),
    )

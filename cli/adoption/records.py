"""What the service writes about people, for the records of processing (RODO art. 30).

One row per Redis key the service writes (`tests/test_adoption_docs.py` checks the set against the
key names in the code, as `tests/test_retention_docs.py` does for the README), plus what is not
in Redis: the process's memory, the log, the widget's browser storage. Retention is computed
from the settings' defaults and the code's constants, so the register cannot state an old value.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.asked import ASKED_RETENTION_DAYS
from api.callbacks import DAY_SECONDS
from api.feedback import ANSWER_TTL_SECONDS, FEEDBACK_LINK_TTL_SECONDS
from api.ratelimit import COUNT_TTL_SECONDS
from rag.settings import Settings

# Keys written as one key, not one per conversation or request.
SINGLE_KEYS = frozenset({"feedback", "handoffs", "callbacks", "asked"})


@dataclass(frozen=True, slots=True)
class Kept:
    """One category of data the service writes.

    `key` is the Redis key's name after `OKIENKO_REDIS_PREFIX` (None: not in Redis); `setting`
    names the variable that changes the retention, when one does.
    """

    key: str | None
    where: str
    category: str
    what: str
    purpose: str
    retention: str
    setting: str | None
    erased_by: str


def default(name: str) -> object:
    """A setting's default as the code declares it, never read from the environment."""
    return Settings.model_fields[name].get_default(call_default_factory=True)


def duration(seconds: int) -> str:
    """Seconds in the largest whole Polish unit: '1 godz.', '24 godz.', '366 dni'."""
    if seconds % DAY_SECONDS == 0 and seconds >= 2 * DAY_SECONDS:
        return f"{seconds // DAY_SECONDS} dni"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} godz."
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def kept() -> tuple[Kept, ...]:
    """Every category of data the service writes, with its retention at the defaults."""
    session_ttl = int(str(default("session_ttl_seconds")))
    max_turns = default("session_max_turns")
    handoff_days = default("handoff_retention_days")
    feedback_max = default("feedback_max_entries")
    redis = "Redis"
    erase_session = "`DELETE /v1/sessions/{id}` (mieszkaniec, widżet: „Usuń rozmowę”)"
    return (
        Kept(
            "session",
            redis,
            "rozmowa",
            f"pytania i odpowiedzi jednej rozmowy (najwyżej {max_turns} ostatnich tur), "
            "z danymi identyfikującymi zastąpionymi znacznikami",
            "kontekst kolejnych pytań tej samej rozmowy; wgląd mieszkańca w rozmowę",
            f"{duration(session_ttl)} od ostatniego pytania",
            "OKIENKO_SESSION_TTL_SECONDS",
            erase_session,
        ),
        Kept(
            "answer",
            redis,
            "zapis odpowiedzi",
            "pytanie (po redakcji) i udzielona odpowiedź, by można było ją ocenić",
            "powiązanie oceny mieszkańca z odpowiedzią, której dotyczy",
            duration(ANSWER_TTL_SECONDS),
            None,
            erase_session,
        ),
        Kept(
            "session-answers",
            redis,
            "zapis odpowiedzi (indeks)",
            "identyfikatory zapisów odpowiedzi jednej rozmowy",
            "usunięcie zapisów odpowiedzi razem z rozmową",
            duration(ANSWER_TTL_SECONDS),
            None,
            erase_session,
        ),
        Kept(
            "feedback",
            redis,
            "opinie",
            "ocena (dobrze / źle), pytanie i komentarz po redakcji, odpowiedź",
            "poprawa bazy wiedzy i odpowiedzi przez pracowników",
            f"najnowsze {feedback_max} wpisów (starsze są usuwane)",
            "OKIENKO_FEEDBACK_MAX_ENTRIES",
            erase_session + " (wpisy tej rozmowy)",
        ),
        Kept(
            "session-feedback",
            redis,
            "opinie (indeks)",
            "identyfikatory opinii jednej rozmowy",
            "usunięcie opinii razem z rozmową",
            f"{duration(FEEDBACK_LINK_TTL_SECONDS)} od ostatniej opinii",
            None,
            erase_session,
        ),
        Kept(
            "handoff",
            redis,
            "prośby o kontakt",
            "imię, telefon i e-mail tak, jak je podano, wiadomość po redakcji",
            "oddzwonienie lub odpowiedź pracownika CUS na prośbę mieszkańca",
            f"{handoff_days} dni",
            "OKIENKO_HANDOFF_RETENTION_DAYS",
            "`DELETE /v1/handoffs/{id}` (pracownik), " + erase_session,
        ),
        Kept(
            "handoffs",
            redis,
            "prośby o kontakt (indeks)",
            "identyfikatory próśb o kontakt w kolejności czasu",
            "lista próśb w konsoli pracownika",
            "do wygaśnięcia najnowszej prośby",
            "OKIENKO_HANDOFF_RETENTION_DAYS",
            "prośby znikają z niej, gdy wygasają lub zostają usunięte",
        ),
        Kept(
            "session-handoffs",
            redis,
            "prośby o kontakt (indeks)",
            "identyfikatory próśb o kontakt jednej rozmowy",
            "usunięcie próśb razem z rozmową",
            "jak najnowsza prośba tej rozmowy",
            "OKIENKO_HANDOFF_RETENTION_DAYS",
            erase_session,
        ),
        Kept(
            "asked",
            redis,
            "pytania mieszkańców (wgląd)",
            "pytanie po redakcji, czy asystent odmówił i dlaczego, pierwszy cytowany dokument, "
            "identyfikator odpowiedzi (bez identyfikatora rozmowy)",
            "wgląd dla centrum: o co pytają mieszkańcy, na co asystent nie odpowiedział, "
            "które dokumenty napisać",
            duration(ASKED_RETENTION_DAYS * DAY_SECONDS),
            None,
            erase_session + " (wpisy tej rozmowy)",
        ),
        Kept(
            "session-asked",
            redis,
            "pytania mieszkańców (indeks)",
            "identyfikatory wpisów `asked` jednej rozmowy",
            "usunięcie pytań razem z rozmową",
            duration(ASKED_RETENTION_DAYS * DAY_SECONDS),
            None,
            erase_session,
        ),
        Kept(
            "ratelimit",
            redis,
            "liczniki zapytań",
            "liczba zapytań z adresu IP lub rozmowy w danej minucie (adres jest częścią klucza)",
            "ochrona usługi przed nadużyciem (limit zapytań)",
            duration(COUNT_TTL_SECONDS),
            None,
            "wygaśnięcie",
        ),
        Kept(
            "callbacks",
            redis,
            "prośby o kontakt (stary format)",
            "prośby o kontakt zapisane przez starsze wersje (strumień bez terminu)",
            "przeniesienie do rekordów z terminem usunięcia",
            "do pierwszego uruchomienia nowej wersji",
            None,
            "start usługi (przeniesione do `handoff:`)",
        ),
        Kept(
            None,
            "pamięć procesu",
            "rozmowy, zapisy odpowiedzi i opinie bez Redis",
            "to samo co w Redis, gdy `OKIENKO_REDIS_URL` nie jest ustawiony, oraz zapisy "
            "czekające, aż Redis znów odpowie",
            "jak wyżej",
            "ograniczona liczba wpisów; znika z restartem procesu",
            "OKIENKO_REDIS_URL",
            "restart procesu",
        ),
        Kept(
            None,
            "dziennik (stderr procesu)",
            "dziennik zdarzeń",
            "zdarzenia techniczne: identyfikatory próśb, liczby, błędy; nigdy treść pytań ani "
            "dane kontaktowe; dziennik dostępu serwera HTTP: adres IP, ścieżka, kod odpowiedzi",
            "utrzymanie i bezpieczeństwo usługi",
            "ustala wdrożenie (system zbierający dzienniki)",
            None,
            "wg polityki dzienników ośrodka",
        ),
        Kept(
            None,
            "przeglądarka mieszkańca (sessionStorage)",
            "rozmowa w widżecie",
            "identyfikator rozmowy i jej przebieg wyświetlony w oknie",
            "zachowanie rozmowy przy przejściu między stronami serwisu",
            "do zamknięcia karty przeglądarki",
            None,
            "„Usuń rozmowę” lub zamknięcie karty",
        ),
    )

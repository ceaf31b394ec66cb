"""Instructions aimed at the assistant: in questions (refused) and in documents (cut out).

`is_injection` spots attempts to override the assistant's rules, give it a new role, plant a
"new rule" for it to confirm, or make it reveal its prompt; `neutralise_passage` removes such
sentences from a retrieved passage before it goes into a prompt, leaving the legal text around
them word for word.
"""

from __future__ import annotations

import re

from rag.guards.matching import INVISIBLE, folded_words, phrases
from rag.lexical import fold

# What an instruction to the assistant is about (its rules, prompt, filters).
_TARGET = (
    r"(?:instrukcj|polecen|zasad|regul|wytyczn|ograniczen|filtr|zabezpieczen|promp|ustawien)\w*"
)
INJECTION = phrases(
    # Override the instructions.
    r"\b(?:zignoruj|ignoruj|zignorujcie|pomin|pomijaj|zapomnij|porzuc|odrzuc|nadpisz|anuluj|wylacz"
    r"|zlam|obejdz|uniewaznij|zmien|zmodyfikuj|nie (?:sluchaj|przestrzegaj|stosuj sie do"
    rf"|trzymaj sie|zwracaj uwagi na)) (?:\w+ ){{0,4}}{_TARGET}",
    r"\bzapomnij (?:o )?(?:wszystk\w*|tym)(?: \w+){0,3} (?:powiedzian|kazan|napisan|ustalon)",
    # A "new rule" pasted in for the assistant to confirm and act on.
    r"\b(?:wklejam|oto|przesylam|dodaje|dopisuje) (?:ci |wam )?(?:nowy|nowe|nowa) (?:przepis\w*"
    r"|zasad\w*|regul\w*|ustaw\w*|prawo)\b(?: \w+){0,30} (?:potwierdz|przyjmij|uznaj|zastosuj)\b",
    # A new role.
    r"\bod (?:teraz|tej chwili|dzis|tej pory|tego momentu) (?:\w+ )?(?:jestes|bedziesz|masz byc"
    r"|odpowiadasz|odpowiadaj|dzialasz|dzialaj|zachowujesz|zachowuj|nazywasz|mowisz|nie jestes)\b",
    r"\budawaj\b|\bwciel\w* sie\b|\bzachowuj sie jak\b|\brole ?play|\bjailbreak|\bbez cenzury\b",
    r"\b(?:odegraj|zagraj|graj|przyjmij|odgrywaj) (?:\w+ ){0,2}rol[ae]\b",
    r"\b(?:wyobraz sobie|zalozmy|przyjmijmy) ze (?:jestes|nie jestes|nie masz|nie obowiazuj)",
    # Not "bądź inny…": in legal text "bądź" means "or".
    r"\bbadz (?:teraz )?(?:moim|moja|kims)\b",
    r"\b(?:stan sie|zmien sie w) (?:teraz )?(?:moim|moja|innym|inna|nowym|nowa|kims)\b",
    r"\b(?:jestes|bedziesz) (?:teraz |juz )?(?:kims innym|innym asystentem|nowym asystentem"
    r"|wolnym|niezalezn\w*|bez ograniczen|bez zasad|nieograniczon\w*|hakerem)\b",
    r"\bnie jestes (?:juz )?(?:asystentem|botem|chatbotem|modelem|urzednikiem)\b",
    r"\btryb\w* (?:deweloper|developer|programist|debug|administratora|admina|serwisowy"
    r"|bez ogranicz|bez cenzury|boga|god)",  # not "w trybie administracyjnym"
    r"\b(?:developer|dev|god|debug|admin) mode\b|\bdo anything now\b",
    r"\b(?:odpowiadaj|odpowiedz|pisz|mow|dzialaj) (?:\w+ ){0,2}bez (?:zadnych )?(?:ograniczen"
    r"|filtrow|zasad)\b",
    # Not "podaj wzór bez ograniczeń czasowych": only filters are the assistant's.
    r"\b(?:pokaz|wypisz|wyswietl|podaj) (?:\w+ ){0,5}bez (?:zadnych )?filtrow\b",
    # Reading out what is behind the assistant: internal or confidential documents.
    r"\b(?:pokaz|wypisz|wyswietl|podaj|wyslij|udostepnij|ujawnij|wklej)\w* (?:mi )?(?:\w+ ){0,3}"
    r"(?:wewnetrzn|poufn|tajn)\w* (?:dokument|dane|danych|plik|material|notatk|akt|baz)",
    # Prompt extraction.
    r"\bpromp[tc]",
    r"\b(?:instrukcj|polecen|wiadomosc|komunikat|wytyczn)\w* systemow",
    r"\b(?:wypisz|pokaz|podaj|wyswietl|ujawnij|zdradz|przekaz|wklej|powtorz|zacytuj|napisz"
    r"|wydrukuj|przytocz|wymien|przepisz) (?:mi )?(?:\w+ ){0,3}(?:swoj|twoj|ukryt|tajn|poczatkow"
    rf"|pierwotn|wewnetrzn|otrzyman)\w* (?:\w+ )?{_TARGET}",
    r"\b(?:jakie|jaki|jaka) (?:masz|dostales|dostalas|otrzymales|otrzymalas) (?:\w+ )?"
    r"(?:instrukcj|polecen|wytyczn|ukryte zasad)",
    r"\bpowtorz (?:\w+ ){0,3}(?:powyzej|wyzej|poprzedni\w*|od poczatku|slowo w slowo|doslownie)\b",
    r"\b(?:wypisz|pokaz|przepisz|zacytuj|wklej) (?:\w+ ){0,3}(?:powyzej|wyzej)\b",
    r"\b(?:twoje|oto) nowe (?:instrukcj|polecen|zasad|zadani|wytyczn)",
    # English.
    r"\b(?:ignore|disregard|forget|override|bypass)(?: \w+){0,4} (?:instructions?|prompts?|rules"
    r"|guidelines|guardrails)\b",
    r"\byou are now\b|\bfrom now on you\b|\b(?:act|behave) as (?:a|an|my|if)\b"
    r"|\bpretend (?:to be|you are|that)\b",
    r"\b(?:reveal|print|show|repeat|output|display|leak)(?: \w+){0,3} (?:instructions|rules)\b",
    r"\bnew instructions\b|\byour (?:instructions|rules|guidelines)\b|\bsystem message\b",
)
# Chat-template and role markers, matched on the folded text with its punctuation.
INJECTION_MARKERS = re.compile(
    r"^\s*(?:system|assistant|asystent|user|uzytkownik|developer)\s*:"
    r"|<\|?/?(?:system|im_start|im_end|assistant|user|endoftext)\|?>|\[/?(?:inst|system|sys)\]"
    r"|<<\s*/?sys\s*>>|#{2,}\s*(?:system|instruction|instrukcj)",
    re.MULTILINE,
)

# In documents only: lines speaking to a model. A resident may well write "asystencie, …".
ADDRESSED_TO_AI = phrases(
    r"\b(?:jesli|jezeli|gdy|kiedy) (?:jestes|czytasz to jako) (?:\w+ )?(?:asystent\w*|model\w*|ai"
    r"|sztuczn\w* inteligencj\w*|chatbot\w*|botem|llm)\b",
    r"\b(?:uwaga|informacja|wiadomosc|polecenie|instrukcja|notatka) dla (?:ai|asystent\w*|model\w*"
    r"|chatbot\w*|llm|bota|sztucznej inteligencji|chatgpt)\b",
    r"\b(?:drogi|droga|szanowny) (?:asystencie|modelu|chatbocie|bocie)\b",
    r"\bjako (?:model jezykowy|sztuczna inteligencja)\b",
    r"\b(?:if you are|as) an? (?:ai|assistant|language model|llm)\b"
    r"|\bnote to (?:the )?(?:ai|assistant|model)\b",
)


_DAN = re.compile(r"\bDAN\b")  # the "Do Anything Now" persona; "dań" (dishes) folds to "dan"


def is_injection(text: str) -> bool:
    """Whether `text` tries to override, re-role or read out the assistant's instructions."""
    return bool(
        _DAN.search(text)
        or INJECTION_MARKERS.search(fold(INVISIBLE.sub("", text)))
        or INJECTION.search(folded_words(text))
    )


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
REMOVED_MARKER = "[pominięto fragment skierowany do asystenta]"


def neutralise_passage(text: str) -> str:
    """Remove sentences of a passage that give instructions to an AI assistant.

    Only the offending sentences go (replaced by a marker); the legal text around them stays
    word for word, so quotes and citations still match the source.

    Args:
        text: a retrieved passage about to be put in a prompt.

    Returns:
        The passage, unchanged when it holds no such instruction.
    """
    if not _addresses_ai(text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _addresses_ai(line):
            continue
        sentences = _SENTENCE_END.split(line.strip())
        flagged = [_addresses_ai(s) for s in sentences]
        kept: list[str] = []
        for sentence, bad in zip(sentences, flagged, strict=True):
            if not bad:
                kept.append(sentence)
            elif not kept or kept[-1] != REMOVED_MARKER:
                kept.append(REMOVED_MARKER)
        if not any(flagged):  # the instruction spans sentences: the whole line goes
            kept = [REMOVED_MARKER]
        lines[i] = line[: len(line) - len(line.lstrip())] + " ".join(kept)
    return "\n".join(lines)


def _addresses_ai(text: str) -> bool:
    return is_injection(text) or bool(ADDRESSED_TO_AI.search(folded_words(text)))

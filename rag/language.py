"""Which language a message is in: Polish (the default), Ukrainian, Russian or English.

The crisis help opens in it (`rag.crisis`), a question in another language gets a line in it under
the Polish answer (`rag.answering.pipeline`) and is searched without the Polish lemmas
(`rag.retrieval.sides_for`).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_UKRAINIAN = re.compile(r"[іїєґ]", re.IGNORECASE)
_RUSSIAN = re.compile(r"[ыэъё]", re.IGNORECASE)
# A Latin "i" inside a Cyrillic word ("скiльки"): how Ukrainian is typed on a keyboard without і.
_LATIN_I = re.compile(r"[а-яґєії][iI]|[iI][а-яґєії]", re.IGNORECASE)
# Without a letter only one of them uses ("Хто може отримати житлову допомогу?"), common words
# only one of them uses decide; prefixes end in "*".
_UKRAINIAN_WORDS = frozenset(
    "хто що чи мені мене мій моя моє будь ласка де коли як який яка яке якого може можу "
    "отримати треба дуже зараз нема немає тому також години побачення допомог* житл* дитин* "
    "вмер* вже скільки скильки чекати".split()
)
_RUSSIAN_WORDS = frozenset(
    "кто что как где когда мне меня мой моя может могу получить нужно очень сейчас нет "
    "пожалуйста тоже помощ* помог* жиль* ребен* детей".split()
)
_ENGLISH = frozenset(
    "the and my is i im to me you he she please help is are can cant dont with of have want "
    # Function words no Polish message uses ("to", "a", "on", "do", "by", "was", "it", "in" are
    # Polish words or read as such: "u was", "pracuję w IT", "in vitro").
    "how what where when who which does did were will would could should this that there "
    "from for its at or if not an be been your our their about need get got am "
    "thanks thank hello hi hey yes".split()
)
_POLISH_LETTERS = re.compile(r"[ąęłńśźżćó]", re.IGNORECASE)
_ALSO_POLISH = frozenset("i to my im".split())  # "to to samo", "my z mężem": no English alone
# Polish words an English message does not use, even one quoting the office's terms ("the
# application for dodatek mieszkaniowy", "an orzeczenie o znacznym stopniu"): a message in
# English names Polish things, it does not speak Polish around them.
_POLISH = frozenset(
    "nie sie się jest czy co jak jaki jaka jakie mam mamy ma mi mnie mój moja moje że ze ale "
    "bo dla od po przez ten ta tak już juz może moze można mozna ile gdzie kiedy który która "
    "które jestem jesteśmy żeby zeby też tez jeśli jesli jeżeli jezeli gdy albo oraz lub "
    "czego czym dzień dobry proszę prosze dziękuję dziekuje pani pan pomocy pomoc pomóżcie "
    "pomozcie ratunku dzięki dzieki".split()
)
# Ukrainian and Russian typed in Latin letters ("chy mozhna otrymaty dopomohu?", "kak poluchit
# posobie?"): common words of each, as people transliterate them; prefixes end in "*".
_UKRAINIAN_LATIN = frozenset(
    "chy shcho scho shho meni mene yak yaka yake yakyi de koly khto tse ye bud laska dyakuyu "
    "dobryi dobroho dobrogo dnya mozhna mozhu treba potribno vzhe skilky chekaty "
    "vona vin vony vam dopomoh* dopomoz* dopomog* otrymat* zhytl* zhyv* kvartyr* "
    "rishennya pidkazhit* podaty hroshi dity ditey dytyn* cholovik* dokhid rokiv rokiw nemaje "
    "nemaye nema znaju znayu jij jiji joho kazhe kazhut bulo".split()
)
_RUSSIAN_LATIN = frozenset(
    "kak chto shto gde kogda eto mne menya mogu mozhno nuzhno skolko zhdat esli "
    "pochemu spasibo bolshoe vse vsyo ponyatno zdravstvuyte privet poluchit* pomoshch* pomosch* "
    "posobi* kvartir* rabot* zhivu zhivem goda rebenok rebenka detey muzh pozhaluysta "
    "podskazhite ochen uzhe menja ljudi lyudi mozhem".split()
)
# Words of both, and of neither Polish nor English: "ne" (Polish says "nie"), "v" (Polish "w").
# Words Polish also has ("nas", "zaraz", "kto", "robota") are in neither list.
_EAST_SLAVIC_LATIN = frozenset("ne v ya vy".split())


def language_of(text: str) -> str:
    """The message's language, roughly: "uk", "ru", "en" or "pl" (the default).

    Enough to open the crisis help in the person's language, to add a line in it under a Polish
    answer, and to search a question not in Polish without the Polish lemmas; not a general
    language detector.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "pl"
    cyrillic = sum(1 for ch in letters if _CYRILLIC.match(ch))
    if cyrillic * 3 >= len(letters):
        if _UKRAINIAN.search(text) or _LATIN_I.search(text):
            return "uk"
        if _RUSSIAN.search(text):
            return "ru"
        words = _WORD.findall(text.lower())
        ukrainian = sum(1 for w in words if _names(_UKRAINIAN_WORDS, w))
        russian = sum(1 for w in words if _names(_RUSSIAN_WORDS, w))
        return "uk" if ukrainian > russian else "ru"
    tokens = _WORD.findall(text.lower())
    polish = sum(1 for token in tokens if token in _POLISH)
    # A word with ą, ę, ł, ń, ś, ź, ż, ć or ó is Polish (Latin-letter Ukrainian rarely has them).
    lettered = sum(1 for token in tokens if has_polish_letters(token))
    english = sum(1 for token in tokens if token in _ENGLISH)
    plainly = any(token in _ENGLISH and token not in _ALSO_POLISH for token in tokens)
    # Two English words, twice as many as Polish ones, make a message English; one plain English
    # word is enough in two or three words with no Polish one ("thanks!", "what documents?").
    short = len(tokens) <= 3 and not polish and not lettered
    enough = (english >= 2 and english > 2 * polish) or short
    if plainly and enough and english * 6 >= len(tokens):
        return "en"
    ukrainian = sum(1 for token in tokens if _names(_UKRAINIAN_LATIN, token))
    russian = sum(1 for token in tokens if _names(_RUSSIAN_LATIN, token))
    east = max(ukrainian, russian) + sum(1 for token in tokens if token in _EAST_SLAVIC_LATIN)
    if max(ukrainian, russian) and east >= 2 and east > polish + english + lettered:
        # A tie goes to Ukrainian: far more of the city's residents write it.
        return "uk" if ukrainian >= russian else "ru"
    return "pl"


def has_polish_letters(text: str) -> bool:
    """Whether the text has a letter only Polish of our languages writes (ą, ę, ł, ń, ś, ź, ż, ć,
    ó): a word typed with them is Polish, and a question form typed without them is how residents
    type, not how the office writes back."""
    return _POLISH_LETTERS.search(text) is not None


def _names(words: frozenset[str], word: str) -> bool:
    return word in words or any(w.endswith("*") and word.startswith(w[:-1]) for w in words)

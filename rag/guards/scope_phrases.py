"""The phrase tables of the scope guard: what the CUS assistant does not take on, compiled.

Data, not logic: `rag.guards.scope` decides what a match means. Every table matches the folded
word view of a question (`rag.guards.matching.folded_words`: lower case, ASCII, single spaces).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.guards.matching import phrases

# --- other people's personal data ----------------------------------------------------------

# Asking for something: imperatives and "can you …" (never the infinitive of "czy muszę podać
# adres byłego męża we wniosku?", which is about the asker's own application).
_ASK = (
    r"(?:podaj|podajcie|daj|dajcie|wyslij|wyslijcie|przeslij|przeslijcie|udostepnij|udostepnijcie"
    r"|pokaz|pokazcie|sprawdz|sprawdzcie|znajdz|znajdzcie|wyszukaj|wyszukajcie|ustal|ustalcie"
    r"|powiedz|powiedzcie|zdradz|zdradzcie|ujawnij|ujawnijcie|wypisz|wymien|przekaz|przekazcie"
    r"|prosze o|poprosze|potrzebuje|chce|chcialbym|chcialabym|jaki jest|jaka jest|jakie sa"
    r"|jaki ma|jaka ma|jakie ma|(?:mozesz|mozecie|moglbys|moglabys) (?:mi |nam )?(?:podac|dac"
    r"|przeslac|wyslac|udostepnic|sprawdzic|zdradzic|powiedziec)|(?:mozna|moge|czy da sie)"
    r" (?:\w+ )?(?:dostac|uzyskac|poznac|sprawdzic))"
)
# Data that identifies or reaches a person, or says what they live on.
_DATA = (
    r"(?:pesel\w*|adres\w*|numer\w*|nr|telefon\w*|komork\w*|mail\w*|e mail\w*|dane|danych"
    r"|nazwisk\w*|dat\w* urodzenia|kontakt\w*|kont\w* bankow\w*|dochod\w*|zarobk\w*)"
)
# Someone outside the asker's household: a neighbour, a named person, a client, an ex-partner.
_OTHER = (
    r"(?:pani|pana|sasiad\w*|klient\w*|kolezank\w*|koleg\w*|znajom\w*"
    r"|(?:tej|tamtej|innej|obcej) (?:pani|osoby|kobiety|dziewczyny)"
    r"|(?:tego|tamtego|innego|obcego) (?:pana|czlowieka|mezczyzny|faceta|goscia)"
    r"|(?:innych|obcych|tych) (?:osob|ludzi)"
    r"|(?:mojej |mojego |moich )?byl\w* (?:zon|mez|maz|partner|konkubent|konkubin|tesci|dziewczyn"
    r"|chlopak)\w*)"
)
# The same people as the subject of a sentence ("czy mój sąsiad … dostaje").
_OTHER_SUBJECT = (
    r"(?:sasiad|sasiadka|kolezanka|kolega|znajomy|znajoma|ta pani|ten pan|ta osoba|ta rodzina"
    r"|byly (?:maz|partner|konkubent|tesc)|byla (?:zona|partnerka|konkubina|tesciowa)"
    r"|pani (?!(?:moze|wie|zna|powie|sprawdzi|pomoze|potrafi|mi|nam|by|jest)\b)\w+"
    r"|pan (?!(?:moze|wie|zna|powie|sprawdzi|pomoze|potrafi|mi|nam|by|jest)\b)\w+)"
)
# CUS staff: their work is reached through the centre, never through a private number.
_STAFF = (
    r"(?:pracownik|pracownic|urzednik|urzedniczk|kierownik|kierowniczk|dyrektor|asystent"
    r"|opiekun|koordynator|pani|pana)\w*"
)
_PRIVATE_CONTACT = r"(?:numer|nr|telefon|komork|adres|mail|e mail|kontakt)\w*"
# Receiving help, in any tense ("dostają dodatek", "korzystała z pomocy"); not "dostaje się".
_RECEIVES = (
    r"(?:dostaj\w*|dostal\w*|pobier\w*|pobieral\w*|otrzymuj\w*|otrzymal\w*|korzyst\w*|bierze"
    r"|bior\w*|brali|bral\w*|ma\w* przyznan\w*)(?! sie)(?: \w+){0,2} (?:zasil|dodat|swiadcz|pomoc"
    r"|800|500|becikow|alimentacyjn|posil|obiad|paczk|wsparci|opiek|z cus|z ops|z mops|z gops"
    r"|mieszkani|lokal)\w*"
)
_PLACE = r"(?:blok|klatk|ulic|kamienic|osiedl|sasiad|budynk|pietr|wiezowc|dzielnic|wsi|wiosk)\w*"

# Data asked for, whoever it is about (with a full name in the message: someone else's).
# Not the office's own ("podaj adres CUS", "numer do MOPS-u").
ASKS_FOR_DATA = phrases(
    rf"\b{_ASK} (?:\w+ ){{0,4}}{_DATA}(?! (?:\w+ ){{0,2}}(?:cus|ops|mops|gops|pcpr|urzed|biur"
    r"|centrum|osrodk|punkt|sko|sad|kancelari|okienk|pracownik|pracownic|asystent)\w*)"
)
OTHERS_DATA = phrases(
    # "podaj pesel i adres tej pani", "podaj prywatny numer komórki pani Ewy"
    rf"\b{_ASK} (?:(?!jakie |jaki |jaka |ktore |jakich )\w+ ){{0,3}}{_DATA}(?: \w+){{0,4}}"
    rf" (?:do |od )?{_OTHER}\b",
    # "podaj mi jej pesel"
    rf"\b{_ASK} (?:mi |nam )?(?:jej|jego|ich) (?:\w+ )?{_DATA}",
    # A private or mobile number of anyone, staff included
    rf"\b(?:prywatn|domow|osobist)\w* (?:\w+ )?{_PRIVATE_CONTACT}(?: \w+){{0,3}}"
    rf" (?:do )?(?:{_OTHER}|{_STAFF})",
    rf"\b{_STAFF}(?: \w+){{0,4}} (?:prywatn|domow)\w* {_PRIVATE_CONTACT}",
    rf"\b(?:numer\w*|nr) (?:prywatn\w* )?(?:komork\w*|komorkow\w*)(?: \w+){{0,3}}"
    rf" (?:do )?(?:{_OTHER}|{_STAFF})",
    # Lists of who receives what: "listę osób z mojego bloku, które dostają dodatek"
    r"\b(?:list\w*|wykaz\w*|spis\w*|zestawieni\w*|nazwisk\w*|imion\w*|adres\w*|dane|danych)"
    r"(?: \w+){0,5} (?:osob|ludzi|mieszkanc|rodzin|beneficjent|swiadczeniobiorc|klient|podopieczn"
    rf"|sasiad|lokator|najemc|emeryt)\w*(?: \w+){{0,5}} (?:ktor\w*|co) (?:\w+ )?{_RECEIVES}",
    rf"\bkto (?:\w+ ){{0,4}}{_PLACE}(?: \w+){{0,3}} {_RECEIVES}",
    rf"\bkto {_RECEIVES}(?: \w+){{0,3}} (?:w|na|z|ze|u) (?:\w+ )?{_PLACE}",
    # Whether a neighbour, a named person or an ex-partner gets help, and how much
    rf"\bczy (?:moj\w* |ta |ten |tamta |tamten )?{_OTHER_SUBJECT}(?: \w+){{0,8}} {_RECEIVES}",
    rf"\bile (?:\w+ )?(?:dostaje|pobiera|bierze|otrzymuje) (?:moj\w* )?{_OTHER_SUBJECT}\b",
    rf"\bile (?:moj\w* )?{_OTHER_SUBJECT} (?:\w+ )?(?:dostaje|pobiera|bierze|otrzymuje)\b",
    # Where someone lives now ("nie wiem, gdzie mieszka ojciec" describes, it does not ask)
    r"(?<!nie wiem )(?<!nie wiemy )(?<!tam )\bgdzie (?:teraz |obecnie |aktualnie |dokladnie "
    r"|na stale |w ogole )?(?:mieszka|przebywa|pracuje|sie podziewa|sie ukrywa|sie wyprowadzil\w*"
    r"|sie przeprowadzil\w*|wyjechal\w*) (?:moj|moja|ten|ta|jego|jej|pani|pan|sasiad|byl|ojciec"
    r"|matka|maz|zona|partner|konkubent|dluznik)\w*",
)

# --- politics ------------------------------------------------------------------------------

_OFFICE_HOLDER = (
    r"(?:prezydent|burmistrz|wojt|premier|minist|posl|posel|radn|rzad|sejm|senat|wladz|opozycj"
    r"|kandydat)\w*"
)
# Elections, parties, politicians, and opinions on them or on benefits as policy.
POLITICS = phrases(
    r"\bwybor(?:y|ach|ami|ow)\b|\bwyborcz|\bsondaz|\breferend|\bkto (?:wygra|wygral) wybor",
    # Voting in elections, not "głosowanie w radzie osiedla"
    r"\b(?:na (?:kogo|niego|nia|nich|ktor\w*|tego|te|ta)|warto|czy|jak|mam|powinienem|powinnam"
    r"|bede|pojde|isc) (?:\w+ ){0,2}(?:za)?glos(?:owac|uj\w*|owal\w*)\b"
    r"|\b(?:za)?glos(?:owac|uj\w*|owal\w*) (?:\w+ ){0,2}na\b",
    r"\b(?:partia|partii|partie|partiach|partyjn\w*)\b",
    r"\b(?:pis|pisu|konfederacj\w*|lewic\w*|prawic\w*|psl|platform\w* obywatelsk\w*"
    r"|koalicj\w* obywatelsk\w*|trzeci\w* drog\w*)\b",
    r"\b(?:tusk|kaczynsk|nawrock|trzaskowsk|mentzen|holowni|morawieck|bosak|czarzast|zandberg"
    r"|ziobr|biedron|korwin|putin|trump|zelensk)\w*",
    r"\bpolity[kc]\w*\b(?! (?:spoleczn|mieszkaniow|czynszow|senioraln|rodzinn|prorodzinn|miasta"
    r"|gminy|miejsk|lokaln))",
    r"\b(?:co (?:sadzisz|myslisz|uwazasz) o|jak oceniasz|twoja opinia o|twoje zdanie o"
    r"|czy popierasz|czy jestes za|czy jestes przeciw|kto jest lepszy)(?: \w+){0,4} (?:rzad"
    r"|prezydent|premier|sejm|senat|minist|opozycj|unii|unia|aborcj|imigran|uchodz|wojn"
    r"|800 plus|500 plus|program\w* rzadow|socjal)",
    # Judging an office holder: "czy nasz prezydent miasta jest dobry", "dobrze rządzi?"
    rf"\b{_OFFICE_HOLDER}(?: \w+){{0,3}} (?:jest|byl|byla|sa|byli|bylby|bylaby) (?:\w+ )?"
    r"(?:dobr|zl[yaei]|kiepsk|uczciw|nieuczciw|kompetentn|niekompetentn|skorumpowan|madr|glup"
    r"|beznadziejn|swietn|najlepsz|najgorsz)\w*",
    r"\b(?:dobrze|zle|kiepsko|fatalnie|swietnie|nieudolnie) rzadz\w*",
    rf"\b(?:poprzec|popierac|wybrac) (?:\w+ ){{0,2}}{_OFFICE_HOLDER}",
    # Benefits as a political question, not as the asker's matter.
    r"\brozdawnictw\w*|\b(?:800|500) plus\b(?: \w+){0,3} (?:to|jest) (?:\w+ )?(?:dobr\w* pomysl"
    r"|zl\w* pomysl|glup\w*|sprawiedliw\w*|niesprawiedliw\w*|potrzebn\w*|niepotrzebn\w*)",
    r"\b(?:uchodz|imigran|migran|ukrain(?:iec|cy|cow|com|cami|k)|cudzoziem|obcokrajow|przyjezdn)\w*"
    r"(?: \w+){0,3}"
    r" (?:zabieraj|odbieraj|wyludzaj|naciagaj|zeruj|zyja na nasz|zyja z naszych|maja lepiej"
    r"|powinni|nie powinni)",
    r"\b(?:zabieraj|odbieraj)\w* (?:\w+ )?polakom\b",
)

# --- cheating the system -------------------------------------------------------------------

# Help to hide income or mislead the office. Questions about it stay questions: "co grozi za
# zatajenie dochodu?", "jak nie dać się oszukać?", "jak ukryć się przed mężem?".
_ASSETS = r"(?:dochod|kas|pieniadz|zarob|prac|wyplat|oszczednosc|kont|spad|samochod|majat)\w*"
_OFFICE = r"(?:cus|ops|mops|gops|urzad|urzednik|urzednicy|gmin|osrodek|pracownik|komornik|zus)\w*"
FRAUD = phrases(
    rf"\bjak (?:\w+ ){{0,2}}(?:ukryc|zataic|schowac|nie pokazac|nie wykazac) (?:\w+ ){{0,3}}"
    rf"{_ASSETS}",
    rf"\bjak (?:\w+ ){{0,3}}(?<!sie )(?:oszukac|oszukiwac|przechytrzyc|wykiwac) (?:\w+ ){{0,2}}"
    rf"{_OFFICE}",
    r"\b(?:wyludzic|wyludzac|wyludzenia)\b",
    # Evading a maintenance duty: "jak uniknąć płacenia alimentów", "jak nie płacić alimentów"
    r"\bjak (?:\w+ ){0,2}(?:uniknac|(?:uchylic|uchylac|wymigac|wykrecic)(?: sie)? od|nie placic"
    r"|nie zaplacic|przestac placic|obejsc) (?:\w+ ){0,2}aliment\w*",
    rf"\b(?:zeby|aby|by) (?:\w+ ){{0,2}}{_OFFICE} (?:sie )?nie (?:dowiedzial\w*|dowiedzieli"
    r"|zauwazyl\w*|wykryl\w*|sprawdzil\w*|odkryl\w*)",
)

# --- neither CUS nor any office: homework, small talk --------------------------------------

OFF_TOPIC = phrases(
    r"\b(?:napisz|napisac|napiszesz|stworz|wygeneruj|zredaguj|uloz"
    r"|pomoz\w* (?:mi )?(?:napisac|z|w))(?: \w+){0,4} (?:wypracowani|esej|rozprawk|referat"
    r"|wiersz|piosenk|opowiadani|bajk|rymowank|limeryk|charakterystyk|recenzj|zyczeni)",
    r"\b(?:prac\w* domow(?:a|ej)|zadani\w* domow|prac\w* (?:zaliczeniow|licencjack|magistersk"
    r"|dyplomow)|lektur\w*|sprawdzian|klasowk|kartkowk|matur)",
    r"\b(?:rownani\w*|calk(?:a|i|e|ami|owanie)|pochodn\w* funkcji|logarytm\w*|pierwiastek"
    r"|pierwiastka|twierdzeni\w* pitagorasa|funkcj\w* kwadratow\w*|ulamk\w*|trygonometri\w*"
    r"|matematyk\w*|algebr\w*|geometri\w*)\b|\boblicz (?:pole|obwod|objetosc)|\brozwiaz (?:zadanie"
    r"|rownanie|uklad)",
    r"\b(?:python\w*|javascript|typescript|java|html|css|sql|php|programowani\w*|zaprogramuj\w*"
    r"|debuguj\w*)\b|\bnapisz (?:mi )?(?:\w+ )?(?:kod|skrypt|aplikacj\w*|algorytm\w*|makro)\b",
    r"\b(?:pogod(?:a|y|e|zie)|horoskop\w*|dowcip\w*|kawal(?:y|ow)?|wynik\w* meczu|lotto"
    r"|totolotek|krzyzowk\w*)\b|\bprzepis na (?:ciasto|obiad|zupe|pierogi|sernik|bigos"
    r"|nalesniki)\b|\bopowiedz (?:mi )?(?:\w+ )?(?:zart|bajke|historyjke)",
    # Weather, sport: "będzie padać?"; "mecz" but not "męczy"/"męczę" (they fold alike)
    r"\bbedzie (?:\w+ )?padac\b|\bpada (?:deszcz|snieg)\b|\bprognoz\w* pogody\b"
    r"|\bmecz(?:u|ow|em|ach)?\b|\bekstraklas\w*|\bmundial\w*",
    # Investing, dating
    r"\b(?:za)?inwestowa\w*|\bzainwestuj\w*|\bbitcoin\w*|\bkryptowalut\w*|\bgield\w*|\bforex\b"
    r"|\bpoderw\w*|\bpodryw\w*|\brandk\w*",
)

# --- other offices' matters ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Office:
    """Matters another institution handles, and the redirect that names it."""

    matters: str  # a word-view pattern
    hint: str  # "podatki i PIT – urząd skarbowy"; empty where no office fits (translation)
    # A circumstance the asker may describe on the way to a CUS question ("mam rentę", "jestem
    # po rozwodzie"): `ASKER_SITUATION` then keeps it in scope. A matter named to be handled
    # ("wniosek o 800 plus", "paszport") is in scope only tied to a CUS matter (`CUS_DOMAIN`).
    circumstance: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.matters))


# Out of scope unless the question ties them to a CUS matter.
OFFICES = (
    Office(
        r"\bpit(?:u|em|y|a)?\b|\bpodat(?:ek|ku|ki|kow|kiem|kowe|kowy|kowego|kowej|kowa)\b"
        r"|\burzed?\w* skarbow|\bzwrot\w* podatku|\bvat\b|\bulg\w* (?:na dzieci|prorodzinn"
        r"|podatkow|termomodernizacyjn)",
        "podatki i PIT – urząd skarbowy",
    ),
    Office(
        # ZUS pays 800 plus; whether it counts as income for a CUS benefit is a CUS question.
        r"\b(?:800|500) plus\b|\bswiadczeni\w* wychowawcz|\b800 na (?:dziec|dzieck|pierwsz"
        r"|drugi|kazd)",
        "800 plus (świadczenie wychowawcze) – ZUS",
    ),
    Office(
        r"\bzus\w*|\bkrus\w*|\bemerytur\w*|\brent(?:a|y|e|ie|ami|ach)?\b|\bl4\b"
        r"|\bzwolnieni\w* lekarsk|\bzasil\w* (?:chorobow|macierzynsk|rehabilitacyjn)"
        r"|\burlop\w* (?:macierzynsk|rodzicielsk|wychowawcz|ojcowsk)|\bkapital\w* poczatkow",
        "emerytury, renty, zasiłek chorobowy i macierzyński – ZUS (rolnicy – KRUS)",
        circumstance=True,
    ),
    Office(
        r"\burzed?\w* pracy\b|\bpup\b|\bjako bezrobotn|\bzasil\w* dla bezrobotn|\bofert\w* pracy",
        "praca i zasiłek dla bezrobotnych – powiatowy urząd pracy",
        circumstance=True,
    ),
    Office(
        r"\bpracodawc\w*|\bumow\w* o prace\b|\bnadgodzin|\bwypowiedzeni\w* (?:umowy o prace"
        r"|z pracy)|\bzalegl\w* (?:pensj|wynagrodzeni|wyplat)|\bzalega\w* (?:\w+ ){0,2}(?:pensj"
        r"|wynagrodzeni|wyplat)",
        "spory z pracodawcą – Państwowa Inspekcja Pracy",
        circumstance=True,
    ),
    Office(
        r"\bdowod\w* osobist|\bmeldun\w*|\b(?:za|wy)meldowa\w*|\bakt\w* (?:urodzenia"
        r"|malzenstwa|zgonu)\b|\busc\b|\burzed?\w* stanu cywilnego|\bslub\w*|\bzmian\w* (?:nazwiska"
        r"|imienia)\b|\bobywatelstw\w*|\b(?:wyrobi|wymieni|zgubi|zgubil|ukradl|ukradzion|zastrz)"
        r"\w* (?:\w+ )?dowod\b",
        "dowód osobisty, meldunek i akty stanu cywilnego – urząd miasta lub gminy (sprawy "
        "obywatelskie, urząd stanu cywilnego)",
    ),
    Office(r"\bpaszport\w*", "paszport – punkt paszportowy urzędu wojewódzkiego"),
    Office(
        r"\bpraw\w* jazdy\b|\b(?:prze|wy|za)?rejestr\w* (?:\w+ ){0,2}(?:samochod|auto|auta|pojazd"
        r"|motocykl|motor|skuter|przyczep)|\b(?:samochod|auto|auta|pojazd|motocykl)\w*(?: \w+){0,3}"
        r" (?:prze|wy|za)?rejestr|\bdowod\w* rejestracyjn|\bwydzial\w* komunikacji|\btablic\w* "
        r"rejestracyjn|\bprzeglad\w* techniczn",
        "prawo jazdy i rejestracja pojazdu – wydział komunikacji starostwa lub urzędu miasta",
    ),
    Office(
        r"\bmandat\w*|\bfotoradar|\bpunkt\w* karn",
        "mandaty i punkty karne – policja lub straż miejska, która nałożyła mandat",
    ),
    Office(
        r"\brozwod\w*|\bseparacj\w*|\b(?:przyjac|przyjecie|odrzucic|odrzucenie|dzial) spadk"
        r"|\bspadek po\b|\bdziedzicz|\btestament|\bnotariusz|\bnotarialn|\bsprawa karna"
        r"|\bsprawy karnej|\bupadlosc\w* konsumenck",
        "rozwód, spadek, upadłość i sprawy karne – sąd lub notariusz; bezpłatnie doradzi punkt "
        "nieodpłatnej pomocy prawnej",
        circumstance=True,
    ),
    Office(
        # Not the "bilet kredytowany" that social assistance gives.
        r"(?<!bilet )(?<!biletu )\bkredyt\w*|\bwklad\w* wlasn|\bzdolnosc\w* kredytow",
        "kredyty – bank",
        circumstance=True,
    ),
    Office(
        r"\bco mi jest\b|\bjaka to choroba\b|\bzdiagnozuj|\bpostaw\w* diagnoz|\bjak\w* (?:lek|leki"
        r"|lekarstw\w*|antybiotyk\w*|tabletk\w*) (?:na|brac)\b|\bdawk\w* (?:leku|lekow)|\bobjaw"
        r"|\bboli mnie\b|\bbol\w* (?:glowy|brzucha|zeba|plecow|gardla)\b|\bczy to (?:rak|nowotwor"
        r"|zawal|udar|grypa|covid|ciaza|depresja)\b|\bwysypk|\bgoraczk|\bantybiotyk|\bnfz\b"
        r"|\bzapis\w* (?:sie )?(?:do|na) (?:lekarza|specjalist\w*|wizyt\w*|okulist\w*|dentyst\w*"
        r"|ortoped\w*|rezonans\w*|tomograf\w*|(?!psycholog|pedagog)\w+log\w*)",
        "zdrowie – lekarz rodzinny lub NFZ, a w nagłym zagrożeniu życia – 112",
    ),
    Office(r"\bprzetlumacz|\btranslate\b", ""),
)

# Words that make a question a CUS matter even when another office is mentioned.
CUS_DOMAIN = phrases(
    r"\bzasil\w*\b(?! (?:chorobow|macierzynsk|rehabilitacyjn|dla bezrobotn))",
    r"\bdodat\w* (?:mieszkaniow|energetyczn|oslonow|rodzinn|do zasil|weglow|grzewcz"
    r"|dla gospodarstw)|\bdodatk\w* mieszkaniow",
    r"\bswiadcz\w*\b(?! (?:przedemerytaln|postojow|honorow|kompensacyjn|emerytaln|wychowawcz))",
    r"\b(?:cus|cusu|ops|opsu|mops|mopsu|gops|mopr|pcpr)\b|\bcentr\w* uslug spoleczn"
    r"|\bosrod\w* pomocy\b|\bpomoc\w* spoleczn|\bpracowni\w* socjaln|\basystent\w* rodziny",
    r"\bmieszka\w* (?:komunaln|socjaln|gminn|chronion|wspomagan|z zasobu|treningow|od miasta"
    r"|od gminy|z gminy|z miasta)|\blokal\w* (?:socjaln|komunaln|zamienn)|\bpomieszczeni\w* "
    r"tymczasow|\bnajm\w*|\bnajem\b|\bczynsz\w*|\beksmisj\w*|\beksmit\w*"
    r"|\bnie (?:mam|mamy|ma) gdzie (?:mieszkac|spac|sie podziac|isc)",
    r"(?<!podatek )(?<!podatku )\bdochod\w*|\bkryteri\w* dochod",
    r"\bniebiesk\w* kar|\bprzemoc\w*|\binterwencj\w* kryzysow",
    r"\bbecikow|\bdobry start\b|\bkart\w* duzej rodziny\b|\bbilet\w* kredytowan",
    r"\bdps\b|\bdom\w* pomocy spoleczn|\buslug\w* (?:opiekuncz|spoleczn|sasiedzk)|\bopiek\w*"
    r"|\bpiecz\w* zastepcz|\brodzin\w* zastepcz|\bbezdomn\w*|\bnoclegowni|\bogrzewalni"
    r"|\bwywiad\w* srodowiskow|\bposil\w*|\bstolowk\w*|\bpielegnacyjn\w*",
    # Counselling is social assistance too ("bezpłatna pomoc prawna", "psycholog").
    r"\bporadnictw\w*|\bporad\w* (?:prawn|psycholog|rodzinn)|\bpomoc\w* (?:prawn|psycholog)"
    r"|\bpsycholog\w*",
    # Help from the municipality ("czy gmina pomoże?", "pieniądze z gminy").
    r"\b(?:z|od) gminy\b|\bgmina (?:\w+ )?(?:pomoze|pomaga|da|daje|zaplaci|dolozy|przyzna)\b",
    # Counting it towards income, attaching it to an application: a CUS question about it.
    r"\bwlicz\w*|\blicz\w* (?:mi |nam |mu |jej )?sie\b|\bdolacz\w*|\bzaswiadczeni\w*",
    # Pension contributions the CUS pays for a carer ("czy ktoś za mnie zapłaci składki?").
    r"\bskladk\w*(?: \w+){0,3} za (?:mnie|nas|opiekun\w*)|\bza mnie (?:\w+ ){0,2}skladk"
    r"|\b(?:zaplaci|oplaci|oplaca|placi)\w* (?:\w+ ){0,3}skladk",
)

_RELATIVE = (
    r"(?:maz|zona|partner|partnerka|ojciec|tata|tato|matka|mama|syn|corka|brat|siostra|babcia"
    r"|dziadek|tesc|tesciowa|konkubent|konkubina)"
)
# The asker describing their situation or asking what they are entitled to, often as a
# follow-up ("mam rentę", "jestem na L4", "nie mam umowy o pracę, co mi się należy?").
ASKER_SITUATION = phrases(
    rf"\b(?:mam|mamy|pobieram|dostaje|otrzymuje|jestem na|{_RELATIVE} (?:ma|jest na)) "
    r"(?:\w+ )?(?:emerytur|rent[aeyz]|zasil\w* (?:chorobow|macierzynsk|dla bezrobotn)|l4"
    r"|zwolnieni|urlop|kredyt|dlug|zadluzeni)",
    r"\bnie (?:mam|mamy|ma) (?:\w+ )?(?:umow\w* o prace|pracy|pracodawc\w*|zatrudnieni\w*)",
    r"\b(?:jestem|jestesmy|bylam|bylem) (?:\w+ )?(?:po rozwodzie|w trakcie rozwodu|w separacji"
    r"|rozwiedzion\w*)",
    r"\bnie (?:daje|dajemy) (?:\w+ )?rady (?:\w+ )?(?:splac|placic|oplac)",
    r"\b(?:skonczyl|wygasl|minal|stracil\w* prawo do)\w* (?:\w+ ){0,2}zasil",
    r"\bzasil\w* dla bezrobotn\w* (?:\w+ ){0,2}(?:sie )?(?:skonczyl|skonczy|wygasl|wygasa|minal)",
    r"\bco (?:mi |nam )?(?:sie )?(?:przysluguje|nalezy)\b|\b(?:mi|nam) sie (?:nalezy|naleza)\b"
    r"|\bnaleza (?:mi|nam) sie\b|\bprzysluguje (?:mi|nam)\b|\b(?:dostac|dostane|otrzymam|otrzymac)"
    r" (?:\w+ ){0,2}pomoc\w*",
)

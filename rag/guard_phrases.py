"""The phrase tables of the guards: Polish (and some English) phrases, compiled.

Data, not logic: `rag.guards` decides what a match means. Every table but `INJECTION_MARKERS`
matches the folded word view of a text that `rag.guards` builds (lower case, ASCII, words
separated by single spaces); `INJECTION_MARKERS` matches the folded text with its punctuation.
"""

from __future__ import annotations

import re

# --- crisis --------------------------------------------------------------------------------


def _phrases(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# Suicidal intent: first-person or present intent. A past loss ("po samobójstwie ojca",
# "popełnił samobójstwo") is not a crisis of the asker; an attempt or thoughts of anyone are.
CRISIS_SUICIDE = _phrases(
    r"\bsie (?:zabic|zabije|powiesic|powiesze|otruc|otruje|zastrzele)\b",
    r"\b(?:zabic|zabije|zabilbym|zabilabym|powiesic|powiesze|otruc|otruje) sie\b",
    r"\bnie chce (?:mi sie )?(?:juz )?(?:dalej )?zyc\b",
    r"\bnie (?:mam|ma|widze) (?:juz )?(?:po co|dla kogo|sensu|celu) (?:dalej )?zyc\b",
    r"\bnie widze (?:juz )?sensu (?:w )?(?:zyciu|zycia|dalszego zycia)\b",
    r"\bmam dosc (?:tego )?zycia\b",
    r"\b(?:chce|chcialbym|chcialabym|wole|wolalbym|wolalabym|pragne) (?:juz )?umrzec\b",
    r"\b(?:mysl\w*|popelnic|popelnie|popelni|planuj\w*|prob\w*|zamierz\w*) (?:\w+ ){0,2}samob",
    r"\b(?:odebra|odbior|odbiore)\w* sobie zyci[ae]\b",
    r"\bskoncz\w* (?:ze soba|z (?:tym )?wszystkim|z (?:moim |swoim )?zyciem|to wszystko)\b",
    r"\bto wszystko skoncz\w*",
    r"\btargn\w* sie na (?:wlasne |swoje )?zycie\b",
    r"\b(?:rzuc\w*|skocz\w*|skacze) (?:sie )?(?:pod (?:pociag|samochod|auto|tramwaj)"
    r"|z (?:mostu|okna|dachu|balkonu|bloku|wiezowca|wiaduktu))",
    r"\bnalyk\w* sie (?:\w+ )?(?:tabletek|prochow|lekow)\b",
    r"\b(?:polkn|lykn|wezm|zazy|wypij)\w* (?:wszystkie|cale opakowanie|garsc|cala paczke) "
    r"(?:\w+ )?(?:tabletek|tabletki|lekow|leki|prochow|prochy)\b",
    r"\b(?:lepiej|najlepiej) (?:by |dla wszystkich )?(?:bylo |bedzie )?(?:gdyby|jakby|zeby|jesli) "
    r"mnie (?:juz )?nie (?:bylo|bedzie)\b",
    r"\bnie dam (?:juz )?rady (?:dalej )?zyc\b",
    r"\bzrobie sobie (?:cos|krzywde)\b|\bsamookalecz|\btne sie\b|\bokaleczam sie\b",
    r"\bzasnac i (?:sie )?nie obudzic\b|\bnie chce sie (?:juz )?obudzic\b",
    r"\b(?:kill myself|suicidal|end my life|want to die)\b",
)

# Violence: verbs report it happening (to the asker or to someone they see); the noun
# "przemoc" counts only with a first-person marker, so "jak działa Niebieska Karta przy
# przemocy domowej?" stays an information question.
_VICTIM = r"(?:mnie|nas|ja|go|dzieci|dziecko|corke|syna|zone|mame|matke|babcie|siostre|brata)"
_HURTS = (
    r"(?:kopal\w*|dusi|dusil\w*|szarpie|szarpal\w*|popycha|uderzyl\w*|neka|przesladuje"
    r"|wyzywa|poniza\w*|straszy|zabije|zabija|poturbowal\w*|pobije)"
)
_PERSON = (
    r"(?:maz|partner|partnerka|zona|konkubent|konkubina|chlopak|narzeczony|byly|byla|ojciec"
    r"|ojczym|tata|tato|tesc|matka|mama|macocha|syn|corka|brat|siostra|sasiad|sasiadka|wujek"
    r"|dziadek|on|ona)"
)
CRISIS_VIOLENCE = _phrases(
    r"\b(?:bije|bija|bil|bila|bili|pobil\w*|katuje|katowal\w*|zneca sie|znecal\w* sie"
    r"|znecaja sie|zgwalcil\w*|gwalci|molestuje|molestowal\w*)\b",
    r"\b(?:jest|sa|zostal|zostala|zostalo|zostali|zostalam|zostalem|bywa|bywaja|bylam|bylem) "
    r"(?:\w+ )?(?:bit[aey]|bity|bici|pobit[aey]|pobity|pobici|katowan\w*|zgwalcon\w*"
    r"|molestowan\w*)\b",
    rf"\b{_VICTIM} (?:\w+ ){{0,2}}{_HURTS}\b",
    rf"\b{_HURTS} {_VICTIM}\b",
    r"\bchce (?:mnie|nas) zabic\b|\b(?:mnie|nas) (?:\w+ )?kopie\b|\bkopie (?:mnie|nas)\b",
    r"\bgrozi\w* (?:mi |mnie |nam |dzieciom )?(?:ze |smiercia|pobiciem|zabiciem|nozem|bronia)",
    rf"\b{_PERSON} (?:mi |mnie |nam )?(?:ciagle |caly czas |znowu )?grozi\w*",
    r"\bboje sie (?:wrocic|wracac|isc|pojsc|przyjsc|zostac) (?:\w+ )?(?:do )?domu\b",
    r"\bboje sie o (?:swoje |moje |nasze )?zycie\b",
    r"\bboje sie (?:go|jej|ich|meza|partnera|ojca|ojczyma|konkubenta|bylego|zony|partnerki)\b",
    r"\bucie\w* (?:\w+ ){0,3}przed (?:mezem|partnerem|konkubentem|ojcem|ojczymem|nim|oprawca"
    r"|bylym|zona|synem)\b",
    r"\b(?:doznaje|doswiadczam|doznajemy|doswiadczamy|jestem ofiara|jestesmy ofiarami"
    r"|stosuje wobec (?:mnie|nas))(?: \w+){0,2} przemoc",
    r"\bprzemoc\w* (?:\w+ )?wobec (?:mnie|nas|moich|mojego|mojej)\b",
    r"\b(?:u mnie|u nas|w moim domu|w naszym domu|w mojej rodzinie|w naszej rodzinie"
    r"|w domu jest|w domu dochodzi do)(?: \w+){0,3} przemoc",
    r"\b(?:hits me|beats me|abuses me|threatens to kill)\b",
    # thrown out, controlled, robbed of one's money: violence too, and it happens now
    r"\bwyrzucil\w* (?:mnie|nas)(?: \w+){0,4} (?:z domu|z mieszkania|na ulice|na dwor)\b",
    r"\bnie pozwala (?:mi |nam )?(?:wyjsc|wychodzic) z domu\b",
    r"\bzabiera (?:mi |nam )?(?:cala |calą )?(?:wyplate|pensje|pieniadze|emeryture|rente)\b",
    r"\b(?:pije|pijany|pijana) i (?:krzyczy|awanturuje sie|bije|wyzywa)\b",
)

# Acute distress without words of suicide: the helplines for people in crisis fit it.
CRISIS_DISTRESS = _phrases(
    r"\bnie moge sie (?:juz )?pozbierac\b",
    r"\bmusze z kims (?:pogadac|porozmawiac)\b",
    r"\bjestem w (?:totalnej |kompletnej )?rozpaczy\b",
    r"\bnie radze sobie (?:juz )?(?:z zyciem|psychicznie|ze soba)\b",
)

# A danger to life right now (fire, gas, someone not breathing): 112 before anything else.
CRISIS_EMERGENCY = _phrases(
    r"\bpali sie\b",
    r"\bdym (?:na klatce|w mieszkaniu|w bloku|w domu)\b",
    r"\b(?:ulatnia sie|czuc|czuje) gaz\b",
    r"\bnie oddycha\b|\bstracil\w* przytomnosc\b",
)


# --- instructions and scope ----------------------------------------------------------------

# What an instruction to the assistant is about (its rules, prompt, filters).
_TARGET = (
    r"(?:instrukcj|polecen|zasad|regul|wytyczn|ograniczen|filtr|zabezpieczen|promp|ustawien)\w*"
)
INJECTION = _phrases(
    # Override the instructions.
    r"\b(?:zignoruj|ignoruj|zignorujcie|pomin|pomijaj|zapomnij|porzuc|odrzuc|nadpisz|anuluj|wylacz"
    r"|zlam|obejdz|uniewaznij|zmien|zmodyfikuj|nie (?:sluchaj|przestrzegaj|stosuj sie do"
    rf"|trzymaj sie|zwracaj uwagi na)) (?:\w+ ){{0,4}}{_TARGET}",
    r"\bzapomnij (?:o )?(?:wszystk\w*|tym)(?: \w+){0,3} (?:powiedzian|kazan|napisan|ustalon)",
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
ADDRESSED_TO_AI = _phrases(
    r"\b(?:jesli|jezeli|gdy|kiedy) (?:jestes|czytasz to jako) (?:\w+ )?(?:asystent\w*|model\w*|ai"
    r"|sztuczn\w* inteligencj\w*|chatbot\w*|botem|llm)\b",
    r"\b(?:uwaga|informacja|wiadomosc|polecenie|instrukcja|notatka) dla (?:ai|asystent\w*|model\w*"
    r"|chatbot\w*|llm|bota|sztucznej inteligencji|chatgpt)\b",
    r"\b(?:drogi|droga|szanowny) (?:asystencie|modelu|chatbocie|bocie)\b",
    r"\bjako (?:model jezykowy|sztuczna inteligencja)\b",
    r"\b(?:if you are|as) an? (?:ai|assistant|language model|llm)\b"
    r"|\bnote to (?:the )?(?:ai|assistant|model)\b",
)

# Never CUS matters, whatever else the question mentions: politics, homework, small talk.
OUT_OF_SCOPE = _phrases(
    r"\bwybor(?:y|ach|ami|ow)\b|\bwyborcz|\bsondaz|\breferend|\bkto (?:wygra|wygral) wybor",
    r"\bna kogo (?:\w+ )?(?:za)?glosowac\b|\b(?:za)?glos(?:owac|uj\w*|owal\w*) na\b",
    r"\b(?:partia|partii|partie|partiach|partyjn\w*)\b",
    r"\b(?:pis|pisu|konfederacj\w*|lewic\w*|prawic\w*|psl|platform\w* obywatelsk\w*"
    r"|koalicj\w* obywatelsk\w*|trzeci\w* drog\w*)\b",
    r"\b(?:tusk|kaczynsk|nawrock|trzaskowsk|mentzen|holowni|morawieck|bosak|czarzast|zandberg"
    r"|ziobr|biedron|korwin|putin|trump|zelensk)\w*",
    r"\bpolity[kc]\w*\b(?! (?:spoleczn|mieszkaniow|czynszow|senioraln|rodzinn|prorodzinn|miasta"
    r"|gminy|miejsk|lokaln))",
    r"\b(?:co (?:sadzisz|myslisz|uwazasz) o|jak oceniasz|twoja opinia o|twoje zdanie o"
    r"|czy popierasz|kto jest lepszy)(?: \w+){0,4} (?:rzad|prezydent|premier|sejm|senat|minist"
    r"|opozycj|unii|unia|aborcj|imigrant|uchodzc|wojn)",
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
)

# Other offices' matters: out of scope unless the question ties them to a CUS matter
# ("czy emerytura liczy się do dochodu przy dodatku mieszkaniowym?").
OTHER_OFFICE = _phrases(
    r"\bpit(?:u|em|y|a)?\b|\bpodat(?:ek|ku|ki|kow|kiem|kowe|kowy|kowego|kowej|kowa)\b"
    r"|\burzed?\w* skarbow|\bzwrot\w* podatku|\bvat\b",
    r"\bzus\w*|\bkrus\w*|\bemerytur\w*|\brent(?:a|y|e|ie|ami|ach)?\b|\bl4\b"
    r"|\bzwolnieni\w* lekarsk|\bzasil\w* (?:chorobow|macierzynsk|rehabilitacyjn)"
    r"|\burlop\w* (?:macierzynsk|rodzicielsk|wychowawcz|ojcowsk)|\bkapital\w* poczatkow",
    r"\burzed?\w* pracy\b|\bpup\b|\bjako bezrobotn|\bzasil\w* dla bezrobotn|\bofert\w* pracy"
    r"|\bpracodawc\w*|\bumow\w* o prace\b|\bnadgodzin",
    r"\bpaszport\w*|\bdowod\w* osobist|\bmeldun\w*|\b(?:za|wy)meldowa\w*|\bakt\w* (?:urodzenia"
    r"|malzenstwa|zgonu)\b|\busc\b|\burzed?\w* stanu cywilnego|\bslub\w*|\bzmian\w* (?:nazwiska"
    r"|imienia)\b|\bobywatelstw\w*",
    r"\bpraw\w* jazdy\b|\brejestracj\w* (?:samochod|auta|pojazd|motocykl)|\bzarejestrowac "
    r"(?:samochod|auto|pojazd)|\bdowod\w* rejestracyjn|\bwydzial\w* komunikacji|\btablic\w* "
    r"rejestracyjn|\bprzeglad\w* techniczn|\bmandat\w*|\bfotoradar|\bpunkt\w* karn",
    r"\brozwod\w*|\bseparacj\w*|\b(?:przyjac|przyjecie|odrzucic|odrzucenie|dzial) spadk"
    r"|\bspadek po\b|\bdziedzicz|\btestament|\bnotariusz|\bnotarialn|\bsprawa karna|\bsprawy karnej"
    r"|\bupadlosc\w* konsumenck|\bkredyt\w* hipoteczn",
    r"\bco mi jest\b|\bjaka to choroba\b|\bzdiagnozuj|\bpostaw\w* diagnoz|\bjak\w* (?:lek|leki"
    r"|lekarstw\w*|antybiotyk\w*|tabletk\w*) (?:na|brac)\b|\bdawk\w* (?:leku|lekow)|\bobjaw"
    r"|\bboli mnie\b|\bbol\w* (?:glowy|brzucha|zeba|plecow|gardla)\b|\bczy to (?:rak|nowotwor"
    r"|zawal|udar|grypa|covid|ciaza|depresja)\b|\bwysypk|\bgoraczk|\bantybiotyk|\bprzetlumacz"
    r"|\btranslate\b",
)

# Words that make a question a CUS matter even when another office is mentioned.
CUS_DOMAIN = _phrases(
    r"\bzasil\w*\b(?! (?:chorobow|macierzynsk|rehabilitacyjn|dla bezrobotn))",
    r"\bdodat\w* (?:mieszkaniow|energetyczn|oslonow|rodzinn|do zasil|weglow|grzewcz"
    r"|dla gospodarstw)|\bdodatk\w* mieszkaniow",
    r"\bswiadcz\w*\b(?! (?:przedemerytaln|postojow|honorow|kompensacyjn|emerytaln))",
    r"\b(?:cus|cusu|ops|opsu|mops|mopsu|gops|mopr|pcpr)\b|\bcentr\w* uslug spoleczn"
    r"|\bosrod\w* pomocy\b|\bpomoc\w* spoleczn|\bpracowni\w* socjaln|\basystent\w* rodziny",
    r"\bmieszka\w* (?:komunaln|socjaln|gminn|chronion|wspomagan|z zasobu|treningow)"
    r"|\blokal\w* (?:socjaln|komunaln|zamienn)|\bpomieszczeni\w* tymczasow|\bnajm\w*|\bnajem\b"
    r"|\bczynsz\w*|\beksmisj\w*|\beksmit\w*",
    r"(?<!podatek )(?<!podatku )\bdochod\w*|\bkryteri\w* dochod",
    r"\bniebiesk\w* kar|\bprzemoc\w*|\binterwencj\w* kryzysow",
    r"\b(?:800|500) ?plus\b|\bfundusz\w* alimentacyjn|\bbecikow|\bdobry start\b"
    r"|\bkart\w* duzej rodziny\b",
    r"\bdps\b|\bdom\w* pomocy spoleczn|\buslug\w* (?:opiekuncz|spoleczn|sasiedzk)|\bopiek\w*"
    r"|\bpiecz\w* zastepcz|\brodzin\w* zastepcz|\bbezdomn\w*|\bnoclegowni|\bogrzewalni"
    r"|\bwywiad\w* srodowiskow|\bposil\w*|\bstolowk\w*|\bpielegnacyjn\w*",
    # Counting it towards income, attaching it to an application: a CUS question about it.
    r"\bwlicz\w*|\bliczy sie\b|\bdolacz\w*|\bzaswiadczeni\w*",
    # The asker describing their situation ("mam rentę", "jestem na L4"), often a follow-up.
    rf"\b(?:mam|mamy|pobieram|dostaje|otrzymuje|jestem na|{_PERSON} (?:ma|jest na)) "
    r"(?:\w+ )?(?:emerytur|rent[aeyz]|zasil\w* (?:chorobow|macierzynsk|dla bezrobotn)|l4"
    r"|zwolnieni|urlop)",
)

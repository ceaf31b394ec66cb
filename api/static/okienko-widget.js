/**
 * Okienko — the CUS assistant as one embeddable script, in plain JavaScript.
 *
 *   <script src="https://okienko.example.pl/widget.js" defer></script>
 *
 * defines the web component <okienko-chat> and, when the page has none, appends one: a launcher
 * button that opens the chat panel. Optional attributes of the script tag:
 *   data-api   the API's base URL (default: the origin the script was loaded from).
 *   data-chat  "off": no chat launcher; the page only uses <okienko-calculator> (the staff
 *              console does).
 *   data-lang  "pl", "uk" or "en": the interface's language before the resident chooses one
 *              (default: the browser's languages, else Polish). The panel's header has a switch.
 * An <okienko-chat api="…"> placed by the page overrides it.
 *
 * The chat's "Sprawdź, czy Ci przysługuje" opens the benefit calculators: a form built from each
 * calculator's JSON Schema (GET /v1/calculators). The same form is the element
 * <okienko-calculator api="…" heading-level="3" with-date>, which emits `okienko-calculation`
 * (detail: the calculation) when it shows a result.
 *
 * Everything renders inside a shadow root, so the host page's styles neither break the widget
 * nor get broken by it. Answer text and citations are inserted as text, never as HTML.
 */
(() => {
  'use strict';

  if (customElements.get('okienko-chat')) return; // the script was included twice: keep the first

  // document.currentScript is only set while this file runs for the first time, so read it now.
  const SCRIPT = document.currentScript;
  const DEFAULT_API =
    (SCRIPT && SCRIPT.dataset.api) || (SCRIPT && SCRIPT.src ? new URL(SCRIPT.src).origin : location.origin);

  const STORE = { session: 'okienko:session', transcript: 'okienko:transcript', language: 'okienko:lang' };
  const KEEP_TURNS = 20; // the server keeps no more either (OKIENKO_SESSION_MAX_TURNS)
  // Where the panel becomes full-screen: phones, and desktops zoomed to 200% or more.
  const SMALL_SCREEN = '(max-width: 480px), (max-height: 520px)';

  // The interface in Polish, Ukrainian and English (many of the centre's clients speak
  // Ukrainian). The knowledge base, and so the answers' sources, stay Polish.
  const TEXTS = {
    pl: {
      launcher: 'Zapytaj Okienko',
      title: 'Okienko',
      subtitle: 'Asystent Centrum Usług Społecznych',
      newChat: 'Nowa rozmowa',
      close: 'Zamknij asystenta',
      conversation: 'Rozmowa z asystentem',
      intro:
        'Dzień dobry! Jestem Okienko, asystent Centrum Usług Społecznych. Odpowiadam na ' +
        'pytania o dodatek mieszkaniowy, mieszkania komunalne i socjalne, pomoc społeczną, świadczenia ' +
        'rodzinne i odwołania. Każda odpowiedź wskazuje przepis lub procedurę, na której się opiera. ' +
        'Nie wydaję decyzji: w sprawach indywidualnych pomoże pracownik CUS.',
      // The AI notice until /v1/config gives the centre's wording (OKIENKO_AI_NOTICE); one line,
      // equal to rag/settings.py's DEFAULT_AI_NOTICE (tests/test_transparency.py checks it).
      notice: 'Jestem asystentem opartym na sztucznej inteligencji (AI), a nie człowiekiem. Moje odpowiedzi mogą zawierać błędy: sprawdzaj je w przepisach, które wskazuję. Wiążące jest tylko rozstrzygnięcie Centrum Usług Społecznych, nie moja odpowiedź. Aby porozmawiać z pracownikiem, wybierz „Porozmawiaj z pracownikiem” pod rozmową.',
      privacy:
        'Nie wpisuj numeru PESEL, numeru dowodu, adresu ani innych danych osobowych. Pytaj ogólnie, ' +
        'np. „Czy dostanę dodatek mieszkaniowy, jeśli mieszkam sam?”.',
      hint: 'Nie wpisuj numeru PESEL ani innych danych osobowych.',
      suggestionsLabel: 'Przykładowe pytania',
      suggestions: [
        'Jakie dokumenty są potrzebne do wniosku o dodatek mieszkaniowy?',
        'Kto może dostać zasiłek okresowy?',
        'Jak odwołać się od decyzji?',
      ],
      questionLabel: 'Twoje pytanie',
      placeholder: 'Napisz pytanie…',
      send: 'Wyślij',
      you: 'Ty:',
      bot: 'Okienko:',
      thinking: 'Okienko przygotowuje odpowiedź',
      sent: 'Wysłano pytanie. Okienko przygotowuje odpowiedź.',
      answered: 'Odpowiedź Okienka:',
      sourcesCount: (n) => (n === 1 ? 'Jedno źródło poniżej.' : `Źródła poniżej: ${n}.`),
      sources: 'Źródła',
      footnote: (n) => `Przypis ${n}`,
      quote: 'Cytowany fragment',
      label: 'Fragment',
      provision: 'Przepis',
      document: 'Dokument',
      validFrom: 'Stan prawny na',
      reviewed: 'Sprawdzono',
      page: 'Strona',
      source: 'Źródło',
      helpful: 'Czy ta odpowiedź była pomocna?',
      up: 'Tak, pomocna',
      down: 'Nie, niepomocna',
      thanks: 'Dziękujemy za ocenę.',
      commentLabel: 'Komentarz do odpowiedzi (nieobowiązkowy)',
      commentSend: 'Wyślij komentarz',
      commentThanks: 'Dziękujemy za komentarz.',
      handoff: 'Porozmawiaj z pracownikiem',
      suggested: 'Możesz zapytać:',
      deleteChat: 'Usuń rozmowę',
      deleted: 'Rozmowa została usunięta.',
      deleteQuestion: 'Usunąć tę rozmowę z tej przeglądarki i z serwera? Tego nie da się cofnąć.',
      deleteYes: 'Tak, usuń',
      deleteNo: 'Anuluj',
      restored: 'Twoje pytanie jest z powrotem w polu – możesz wysłać je jeszcze raz.',
      started: 'Rozpoczęto nową rozmowę.',
      handoffTitle: 'Porozmawiaj z pracownikiem',
      handoffIntro: 'W sprawach indywidualnych pomoże pracownik Centrum Usług Społecznych.',
      contactUnknown: 'Dane kontaktowe Centrum Usług Społecznych znajdziesz na stronie internetowej miasta.',
      contactLoading: 'Pobieram dane kontaktowe…',
      callbackIntro:
        'Możesz też zostawić dane, a pracownik CUS oddzwoni lub odpisze. Wszystkie pola są nieobowiązkowe.',
      name: 'Imię',
      phone: 'Telefon',
      email: 'E-mail',
      message: 'W jakiej sprawie? (nieobowiązkowe)',
      badEmail: 'Wpisz adres e-mail w postaci nazwa@domena.pl albo zostaw to pole puste.',
      badPhone: 'Wpisz numer telefonu cyframi (mogą być spacje, nawiasy, „-” i „+” na początku) albo zostaw to pole puste.',
      requestCallback: 'Poproś o kontakt',
      privacyLink: 'Pełna informacja o przetwarzaniu danych',
      back: 'Wróć do rozmowy',
      phoneLabel: 'Telefon',
      emailLabel: 'E-mail',
      addressLabel: 'Adres',
      hoursLabel: 'Godziny pracy',
      urlLabel: 'Strona internetowa',
      empty: 'Wpisz pytanie.',
      tooLong: (max) => `Pytanie może mieć najwyżej ${max} znaków.`,
      offline: 'Nie udało się połączyć z Okienkiem. Sprawdź połączenie z internetem i spróbuj ponownie.',
      interrupted: 'Odpowiedź została przerwana. Spróbuj zadać pytanie jeszcze raz.',
      unavailable: 'Okienko jest chwilowo niedostępne. Spróbuj ponownie za kilka minut.',
      failed: 'Coś poszło nie tak. Spróbuj ponownie za chwilę.',
      retryAfter: (s) => `Możesz spróbować ponownie za ${s} s.`,
      rateLimited: 'Zbyt wiele pytań w krótkim czasie.',
      deleteFailed: 'Nie udało się usunąć rozmowy z serwera; zostanie usunięta automatycznie.',
      calcEntry: 'Sprawdź, czy Ci przysługuje',
      calcIntro:
        'Wybierz świadczenie i podaj, co wiesz. Pole możesz zostawić puste: kalkulator powie, czego ' +
        'jeszcze potrzebuje. Nie wpisuj imion, numeru PESEL ani innych danych osobowych.',
      calcChoose: 'Świadczenie',
      calcPick: '— wybierz świadczenie —',
      calcLoading: 'Pobieram kalkulatory…',
      calcNotGiven: '— nie wiem / nie podaję —',
      yes: 'Tak',
      no: 'Nie',
      calcRequired: '(wymagane)',
      calcAdd: (item) => `Dodaj: ${item.toLowerCase()}`,
      calcRemove: (item) => `Usuń: ${item.toLowerCase()}`,
      calcRemoved: (item) => `Usunięto: ${item.toLowerCase()}.`,
      calcSubmit: 'Sprawdź',
      calcWorking: 'Liczę…',
      calcResult: 'Wynik',
      calcSteps: 'Jak to policzono',
      calcProvision: 'Przepis:',
      calcOn: (date) => `Kwoty i kryteria na dzień ${date}.`,
      calcFix: 'Popraw zaznaczone pola.',
      calcDate: 'Dzień złożenia wniosku',
      calcDateHelp: 'Kalkulator weźmie kwoty i kryteria z tego dnia. Puste pole: dzisiejszy.',
      language: 'Język',
    },
    uk: {
      launcher: 'Запитати Okienko',
      title: 'Okienko',
      subtitle: 'Помічник Центру соціальних послуг',
      newChat: 'Нова розмова',
      close: 'Закрити помічника',
      conversation: 'Розмова з помічником',
      intro:
        'Добрий день! Я Okienko, помічник Центру соціальних послуг (CUS). Відповідаю на запитання ' +
        'про житлову допомогу (dodatek mieszkaniowy), комунальне та соціальне житло, соціальну ' +
        'допомогу, сімейні виплати та оскарження рішень. Кожна відповідь вказує закон або процедуру, ' +
        'на яких вона ґрунтується. Джерела та цитати польською мовою. Я не ухвалюю рішень: в ' +
        'індивідуальних справах допоможе працівник CUS.',
      notice: 'Я помічник на основі штучного інтелекту (ШІ), а не людина. Мої відповіді можуть містити помилки: перевіряйте їх у законах, які я вказую. Обов’язковим є лише рішення Центру соціальних послуг, а не моя відповідь. Щоб поговорити з працівником, виберіть «Поговорити з працівником» під розмовою.',
      privacy:
        'Не вводьте номер PESEL, номер документа, адресу чи інші персональні дані. Запитуйте загалом, ' +
        'наприклад: «Чи отримаю житлову допомогу, якщо живу сам?».',
      hint: 'Не вводьте номер PESEL чи інші персональні дані.',
      suggestionsLabel: 'Приклади запитань',
      suggestions: [
        'Які документи потрібні для заяви на житлову допомогу (dodatek mieszkaniowy)?',
        'Хто може отримати періодичну допомогу (zasiłek okresowy)?',
        'Як оскаржити рішення?',
      ],
      questionLabel: 'Ваше запитання',
      placeholder: 'Напишіть запитання…',
      send: 'Надіслати',
      you: 'Ви:',
      bot: 'Okienko:',
      thinking: 'Okienko готує відповідь',
      sent: 'Запитання надіслано. Okienko готує відповідь.',
      answered: 'Відповідь Okienko:',
      sourcesCount: (n) => (n === 1 ? 'Одне джерело нижче.' : `Джерела нижче: ${n}.`),
      sources: 'Джерела',
      footnote: (n) => `Виноска ${n}`,
      quote: 'Цитований фрагмент',
      label: 'Фрагмент',
      provision: 'Норма закону',
      document: 'Документ',
      validFrom: 'Стан законодавства на',
      reviewed: 'Перевірено',
      page: 'Сторінка',
      source: 'Джерело',
      helpful: 'Чи була ця відповідь корисною?',
      up: 'Так, корисна',
      down: 'Ні, некорисна',
      thanks: 'Дякуємо за оцінку.',
      commentLabel: 'Коментар до відповіді (необов’язково)',
      commentSend: 'Надіслати коментар',
      commentThanks: 'Дякуємо за коментар.',
      handoff: 'Поговорити з працівником',
      suggested: 'Можна запитати (польською):',
      deleteChat: 'Видалити розмову',
      deleted: 'Розмову видалено.',
      deleteQuestion: 'Видалити цю розмову з цього браузера і з сервера? Цю дію не можна скасувати.',
      deleteYes: 'Так, видалити',
      deleteNo: 'Скасувати',
      restored: 'Ваше запитання знову в полі – можете надіслати його ще раз.',
      started: 'Розпочато нову розмову.',
      handoffTitle: 'Поговорити з працівником',
      handoffIntro: 'В індивідуальних справах допоможе працівник Центру соціальних послуг.',
      contactUnknown: 'Контактні дані Центру соціальних послуг знайдете на сайті міста.',
      contactLoading: 'Завантажую контактні дані…',
      callbackIntro:
        'Можете залишити свої дані, і працівник CUS зателефонує або напише. Усі поля необов’язкові.',
      name: 'Ім’я',
      phone: 'Телефон',
      email: 'E-mail',
      message: 'У якій справі? (необов’язково)',
      badEmail: 'Введіть адресу e-mail у вигляді imia@domena.pl або залиште поле порожнім.',
      badPhone: 'Введіть номер телефону цифрами (можна пробіли, дужки, «-» і «+» на початку) або залиште поле порожнім.',
      requestCallback: 'Попросити про контакт',
      privacyLink: 'Повна інформація про обробку даних (польською)',
      back: 'Повернутися до розмови',
      phoneLabel: 'Телефон',
      emailLabel: 'E-mail',
      addressLabel: 'Адреса',
      hoursLabel: 'Години роботи',
      urlLabel: 'Сайт',
      empty: 'Введіть запитання.',
      tooLong: (max) => `Запитання може мати не більше ${max} знаків.`,
      offline: 'Не вдалося з’єднатися з Okienko. Перевірте з’єднання з інтернетом і спробуйте ще раз.',
      interrupted: 'Відповідь перервано. Спробуйте поставити запитання ще раз.',
      unavailable: 'Okienko тимчасово недоступний. Спробуйте ще раз за кілька хвилин.',
      failed: 'Щось пішло не так. Спробуйте ще раз за хвилину.',
      retryAfter: (s) => `Можете спробувати ще раз через ${s} с.`,
      rateLimited: 'Забагато запитань за короткий час.',
      deleteFailed: 'Не вдалося видалити розмову з сервера; її буде видалено автоматично.',
      calcEntry: 'Перевірте, чи маєте право на допомогу',
      calcIntro:
        'Виберіть виплату і вкажіть, що знаєте. Поле можна залишити порожнім: калькулятор скаже, чого ' +
        'ще бракує. Не вводьте імен, номера PESEL чи інших персональних даних. Назви полів – польською.',
      calcChoose: 'Виплата',
      calcPick: '— виберіть виплату —',
      calcLoading: 'Завантажую калькулятори…',
      calcNotGiven: '— не знаю / не вказую —',
      yes: 'Так',
      no: 'Ні',
      calcRequired: '(обов’язково)',
      calcAdd: (item) => `Додати: ${item.toLowerCase()}`,
      calcRemove: (item) => `Видалити: ${item.toLowerCase()}`,
      calcRemoved: (item) => `Видалено: ${item.toLowerCase()}.`,
      calcSubmit: 'Перевірити',
      calcWorking: 'Рахую…',
      calcResult: 'Результат',
      calcSteps: 'Як це розраховано',
      calcProvision: 'Норма закону:',
      calcOn: (date) => `Суми і критерії станом на ${date}.`,
      calcFix: 'Виправте позначені поля.',
      calcDate: 'Дата подання заяви',
      calcDateHelp: 'Калькулятор візьме суми і критерії станом на цей день. Порожнє поле: сьогодні.',
      language: 'Мова',
    },
    en: {
      launcher: 'Ask Okienko',
      title: 'Okienko',
      subtitle: 'Social Services Centre assistant',
      newChat: 'New conversation',
      close: 'Close the assistant',
      conversation: 'Conversation with the assistant',
      intro:
        'Hello! I am Okienko, the assistant of the Social Services Centre (CUS). I answer questions ' +
        'about the housing allowance (dodatek mieszkaniowy), council and social flats, social ' +
        'assistance, family benefits and appeals. Every answer points to the law or procedure it ' +
        'rests on. The sources and quotations are in Polish. I do not make decisions: a CUS ' +
        'caseworker helps with individual cases.',
      notice: 'I am an assistant based on artificial intelligence (AI), not a person. My answers may contain mistakes: check them in the provisions I cite. Only the decision of the Social Services Centre is binding, not my answer. To talk to a caseworker, choose “Talk to a caseworker” below the conversation.',
      privacy:
        'Do not type your PESEL number, ID card number, address or other personal data. Ask in ' +
        'general terms, e.g. “Can I get the housing allowance if I live alone?”.',
      hint: 'Do not type your PESEL number or other personal data.',
      suggestionsLabel: 'Example questions',
      suggestions: [
        'What documents do I need to apply for the housing allowance (dodatek mieszkaniowy)?',
        'Who can get the periodic allowance (zasiłek okresowy)?',
        'How do I appeal against a decision?',
      ],
      questionLabel: 'Your question',
      placeholder: 'Type your question…',
      send: 'Send',
      you: 'You:',
      bot: 'Okienko:',
      thinking: 'Okienko is preparing an answer',
      sent: 'Question sent. Okienko is preparing an answer.',
      answered: 'Okienko’s answer:',
      sourcesCount: (n) => (n === 1 ? 'One source below.' : `Sources below: ${n}.`),
      sources: 'Sources',
      footnote: (n) => `Footnote ${n}`,
      quote: 'Quoted passage',
      label: 'Passage',
      provision: 'Provision',
      document: 'Document',
      validFrom: 'Law as of',
      reviewed: 'Reviewed',
      page: 'Page',
      source: 'Source',
      helpful: 'Was this answer helpful?',
      up: 'Yes, helpful',
      down: 'No, not helpful',
      thanks: 'Thank you for your rating.',
      commentLabel: 'Comment on the answer (optional)',
      commentSend: 'Send comment',
      commentThanks: 'Thank you for your comment.',
      handoff: 'Talk to a caseworker',
      suggested: 'You could ask (in Polish):',
      deleteChat: 'Delete conversation',
      deleted: 'The conversation was deleted.',
      deleteQuestion: 'Delete this conversation from this browser and from the server? This cannot be undone.',
      deleteYes: 'Yes, delete',
      deleteNo: 'Cancel',
      restored: 'Your question is back in the box – you can send it again.',
      started: 'A new conversation has started.',
      handoffTitle: 'Talk to a caseworker',
      handoffIntro: 'A caseworker of the Social Services Centre helps with individual cases.',
      contactUnknown: 'You will find the Social Services Centre’s contact details on the city’s website.',
      contactLoading: 'Loading contact details…',
      callbackIntro:
        'You can also leave your details and a CUS caseworker will call or write back. All fields are optional.',
      name: 'First name',
      phone: 'Phone',
      email: 'E-mail',
      message: 'What is it about? (optional)',
      badEmail: 'Type an e-mail address like name@domain.pl or leave the field empty.',
      badPhone: 'Type the phone number in digits (spaces, brackets, “-” and a leading “+” are fine) or leave the field empty.',
      requestCallback: 'Ask to be contacted',
      privacyLink: 'Full information on data processing (in Polish)',
      back: 'Back to the conversation',
      phoneLabel: 'Phone',
      emailLabel: 'E-mail',
      addressLabel: 'Address',
      hoursLabel: 'Opening hours',
      urlLabel: 'Website',
      empty: 'Type a question.',
      tooLong: (max) => `A question can have at most ${max} characters.`,
      offline: 'Could not connect to Okienko. Check your internet connection and try again.',
      interrupted: 'The answer was interrupted. Try asking the question again.',
      unavailable: 'Okienko is temporarily unavailable. Try again in a few minutes.',
      failed: 'Something went wrong. Try again in a moment.',
      retryAfter: (s) => `You can try again in ${s} s.`,
      rateLimited: 'Too many questions in a short time.',
      deleteFailed: 'Could not delete the conversation from the server; it will be deleted automatically.',
      calcEntry: 'Check what you are entitled to',
      calcIntro:
        'Choose a benefit and give what you know. You can leave a field empty: the calculator will ' +
        'say what else it needs. Do not type names, your PESEL number or other personal data. The ' +
        'fields are named in Polish.',
      calcChoose: 'Benefit',
      calcPick: '— choose a benefit —',
      calcLoading: 'Loading the calculators…',
      calcNotGiven: '— I don’t know / not given —',
      yes: 'Yes',
      no: 'No',
      calcRequired: '(required)',
      calcAdd: (item) => `Add: ${item.toLowerCase()}`,
      calcRemove: (item) => `Remove: ${item.toLowerCase()}`,
      calcRemoved: (item) => `Removed: ${item.toLowerCase()}.`,
      calcSubmit: 'Check',
      calcWorking: 'Calculating…',
      calcResult: 'Result',
      calcSteps: 'How it was calculated',
      calcProvision: 'Provision:',
      calcOn: (date) => `Amounts and criteria as of ${date}.`,
      calcFix: 'Correct the marked fields.',
      calcDate: 'Date of the application',
      calcDateHelp: 'The calculator uses the amounts and criteria of that day. Empty: today.',
      language: 'Language',
    },
  };
  const LANGUAGES = { pl: 'Polski', uk: 'Українська', en: 'English' };
  const LANGUAGE_MARKS = { pl: 'PL', uk: 'UA', en: 'EN' }; // on the switch's buttons
  let LANG = 'pl';
  let TEXT = TEXTS.pl;

  /** Speak `lang` from now on (Polish when it is not one of `LANGUAGES`). */
  function useLanguage(lang) {
    LANG = Object.hasOwn(TEXTS, lang) ? lang : 'pl';
    TEXT = TEXTS[LANG];
  }

  /**
   * The resident's choice in this tab, else the script tag's data-lang, else the first of the
   * browser's languages the widget speaks; Polish otherwise.
   */
  function preferredLanguage() {
    const chosen = load(STORE.language, null);
    if (chosen && Object.hasOwn(TEXTS, chosen)) return chosen;
    const page = SCRIPT && SCRIPT.dataset.lang;
    if (page && Object.hasOwn(TEXTS, page)) return page;
    for (const tag of navigator.languages || [navigator.language || '']) {
      const base = String(tag).toLowerCase().split('-')[0];
      if (Object.hasOwn(TEXTS, base)) return base;
    }
    return 'pl';
  }

  // ---------------------------------------------------------------------------------------------
  // Talking to the API

  /** A failed request, carrying the Polish message the resident should see. */
  class ApiError extends Error {
    constructor(message, { code = 'error', status = 0, fields = null } = {}) {
      super(message);
      this.code = code;
      this.status = status;
      this.fields = fields; // a calculator's 422: field → Polish message
    }

    /** Reads the API's `{"error": {"code", "message"}}` body; falls back to our own wording. */
    static async from(response) {
      let code = 'error';
      let message = '';
      let fields = null;
      try {
        const body = await response.json();
        code = (body && body.error && body.error.code) || code;
        message = (body && body.error && body.error.message) || '';
        fields = (body && body.error && body.error.fields) || null;
      } catch {
        // not JSON (a proxy's error page): the fallback below says it in Polish
      }
      if (!message) message = response.status >= 500 ? TEXT.unavailable : TEXT.failed;
      // The API speaks Polish: in another language the widget says what it can in its own words.
      if (LANG !== 'pl') {
        if (response.status === 429) message = TEXT.rateLimited;
        else if (response.status === 413) message = TEXT.tooLong(2000);
        else if (response.status >= 500) message = TEXT.unavailable;
        else if (response.status === 408) message = TEXT.failed;
      }
      const wait = Number.parseInt(response.headers.get('Retry-After') || '', 10);
      // The wait, once: the API's own message may already say it ("około 30 s").
      if (response.status === 429 && wait > 0 && !message.includes(`${wait} s`)) {
        message = `${message} ${TEXT.retryAfter(wait)}`;
      }
      return new ApiError(message, { code, status: response.status, fields });
    }
  }

  class Api {
    constructor(base, headers = {}) {
      this.base = base.replace(/\/+$/, '');
      this.headers = headers; // sent with every request (the staff console's key)
    }

    async request(path, { method = 'GET', body, headers = {}, signal } = {}) {
      const init = { method, headers: { ...this.headers, ...headers }, signal };
      if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      let response;
      try {
        response = await fetch(this.base + path, init);
      } catch (error) {
        if (error.name === 'AbortError') throw error;
        throw new ApiError(TEXT.offline, { code: 'network' });
      }
      if (!response.ok) throw await ApiError.from(response);
      return response;
    }

    async json(path, options) {
      return (await this.request(path, options)).json();
    }
  }

  /**
   * Server-sent events from a fetch response (EventSource cannot POST): yields {event, data}.
   * Follows the SSE line rules: CR, LF or CRLF line ends, `:` comments, multi-line data.
   */
  async function* readEvents(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = '';
    let event = 'message';
    let data = [];
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return; // an event without its closing blank line is dropped, as the spec says
        pending += value;
        // A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
        const lines = pending.split(/\r\n|\n|\r(?!$)/);
        pending = lines.pop();
        for (const line of lines) {
          if (line === '') {
            if (data.length) yield { event, data: data.join('\n') };
            event = 'message';
            data = [];
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
      }
    } finally {
      reader.cancel().catch(() => {}); // we may stop early (after `done`): release the stream
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Small DOM helpers (text only: nothing from the server is ever parsed as HTML)

  function h(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  }

  // Inline icons are our own constants (aria-hidden); server text never reaches innerHTML.
  const ICONS = {
    chat: '<path d="M4 4h16v11H8l-4 4z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>',
    close: '<path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/>',
    plus: '<path d="M12 5v14M5 12h14" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/>',
    send: '<path d="M4 12l16-8-6 16-2-6z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>',
    up: '<path d="M7 11v9H4v-9zM7 11l4-7c1.5 0 2.5 1 2 3l-1 3h6c1.2 0 2 1 1.8 2.2l-1.3 6.3c-.2 1-1 1.5-2 1.5H7" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/>',
    down: '<path d="M7 13V4H4v9zM7 13l4 7c1.5 0 2.5-1 2-3l-1-3h6c1.2 0 2-1 1.8-2.2l-1.3-6.3c-.2-1-1-1.5-2-1.5H7" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/>',
    person: '<circle cx="12" cy="8" r="4" fill="none" stroke="currentColor" stroke-width="2"/><path d="M4 21c1-4.5 4-6.5 8-6.5s7 2 8 6.5" fill="none" stroke="currentColor" stroke-width="2"/>',
    trash: '<path d="M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>',
    chevron: '<path d="M6 9l6 6 6-6" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>',
    calculator: '<rect x="5" y="3" width="14" height="18" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M8 7h8M8 12h2M14 12h2M8 16h2M14 16h2" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>',
  };

  function icon(name) {
    const span = h('span', { class: 'icon', 'aria-hidden': 'true' });
    span.innerHTML = `<svg viewBox="0 0 24 24" width="20" height="20" focusable="false">${ICONS[name]}</svg>`;
    return span;
  }

  /**
   * "2021-07-01" → "1 lipca 2021" (in the interface's language: "1 липня 2021 р.", "1 July 2021"),
   * read as a calendar date, not shifted by the time zone.
   */
  function localDate(iso) {
    const date = new Date(`${iso}T00:00:00Z`);
    if (Number.isNaN(date.getTime())) return iso;
    const locale = { pl: 'pl-PL', uk: 'uk-UA', en: 'en-GB' }[LANG] || 'pl-PL';
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
  }

  /** The answer without its [n] markers, for the screen-reader announcement. */
  function withoutMarkers(text) {
    return text.replace(/\s*\[\d+\]/g, '').replace(/\s+/g, ' ').trim();
  }

  function storage() {
    try {
      return window.sessionStorage; // may throw where the browser blocks storage
    } catch {
      return null;
    }
  }

  function load(key, fallback) {
    try {
      const raw = storage()?.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      if (value === null) storage()?.removeItem(key);
      else storage()?.setItem(key, JSON.stringify(value));
    } catch {
      // storage full or blocked: the conversation still works, it just won't survive a reload
    }
  }

  const STYLE = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    [hidden] { display: none !important; }
    .root {
      font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif;
      color: #1a1a1a;
    }
    button, input, textarea, select { font: inherit; color: inherit; }
    button { cursor: pointer; }
    :focus-visible { outline: 3px solid #111; outline-offset: 2px; box-shadow: 0 0 0 2px #fff; }
    .sr-only {
      position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap; border: 0;
    }
    .icon { display: inline-flex; flex: none; }
    .launcher {
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
      display: inline-flex; align-items: center; gap: 8px; min-height: 48px; padding: 10px 18px;
      border: 2px solid #fff; border-radius: 999px; background: #0b4f8a; color: #fff;
      font-weight: 600; box-shadow: 0 4px 14px rgb(0 0 0 / 30%);
    }
    .launcher:hover { background: #083c69; }
    .launcher:focus-visible { outline-offset: 3px; }
    .panel {
      position: fixed; right: 20px; bottom: 84px; z-index: 2147483001;
      display: flex; flex-direction: column; width: 400px; max-width: calc(100vw - 40px);
      height: min(660px, calc(100vh - 104px)); overflow: hidden;
      background: #fff; border: 1px solid #6b7785; border-radius: 12px;
      box-shadow: 0 12px 32px rgb(0 0 0 / 28%);
    }
    .header {
      display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 10px 12px;
      background: #0b4f8a; color: #fff;
    }
    /* Too narrow for the titles beside the controls (a phone): the controls go below them. */
    .header .titles { flex: 1 1 11em; min-width: 0; }
    h2 { margin: 0; font-size: 1.125em; line-height: 1.3; }
    .subtitle { margin: 0; font-size: 0.875em; }
    .header-button {
      display: inline-flex; align-items: center; gap: 4px; min-height: 40px; min-width: 40px;
      justify-content: center; padding: 6px 10px; border: 1px solid #fff; border-radius: 8px;
      background: transparent; color: #fff; font-size: 0.875em;
    }
    .header-button:hover { background: rgb(255 255 255 / 15%); }
    .header .language { display: flex; gap: 2px; }
    .header .language .header-button { padding: 6px 6px; font-weight: 600; }
    .header .language [aria-pressed="true"] { background: #fff; color: #0b4f8a; }
    .header :focus-visible { outline-color: #fff; box-shadow: 0 0 0 2px #0b4f8a; }
    .view { display: flex; flex-direction: column; flex: 1; min-height: 0; }
    .messages { position: relative; flex: 1; min-height: 0; overflow-y: auto; padding: 12px; }
    .intro, .msg { margin: 0 0 12px; }
    .intro p { margin: 0 0 8px; }
    .notice {
      padding: 8px 10px; border-left: 4px solid #0b4f8a; background: #e8f0f8; font-size: 0.9375em;
    }
    .privacy {
      padding: 8px 10px; border-left: 4px solid #9a5b00; background: #fff6e5; font-size: 0.9375em;
    }
    .suggestions { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; margin: 8px 0 0; padding: 0; list-style: none; }
    .suggestion {
      padding: 6px 10px; border: 1px solid #0b4f8a; border-radius: 8px; background: #fff;
      color: #0b4f8a; text-align: left;
    }
    .suggestion:hover { background: #e8f0f8; }
    .msg { overflow-wrap: anywhere; }
    .msg.user {
      margin-left: 48px; padding: 8px 12px; border-radius: 12px 12px 2px 12px;
      background: #0b4f8a; color: #fff; white-space: pre-wrap;
    }
    .msg.bot { margin-right: 16px; padding: 10px 12px; border-radius: 12px 12px 12px 2px; background: #eef2f6; }
    .msg.error { background: #fdecea; color: #8a1c14; border: 1px solid #8a1c14; white-space: pre-wrap; }
    .msg p { margin: 0 0 8px; }
    .msg p:last-child { margin-bottom: 0; }
    .typing::after { content: " …"; }
    .ref {
      display: inline; margin: 0; padding: 0 2px;
      border: 0; border-radius: 4px; background: none; color: #0b4f8a; font-weight: 700;
      text-decoration: underline; vertical-align: baseline;
    }
    .ref[aria-expanded="true"] { background: #0b4f8a; color: #fff; text-decoration: none; }
    .sources { margin-top: 10px; border-top: 1px solid #b5bfc9; padding-top: 8px; }
    h3 { margin: 0 0 6px; font-size: 0.9375em; }
    .sources ol { margin: 0; padding: 0; list-style: none; }
    .sources li { margin: 0 0 6px; }
    .source-toggle {
      display: flex; align-items: flex-start; gap: 6px; width: 100%; padding: 6px 8px;
      border: 1px solid #6b7785; border-radius: 8px; background: #fff; text-align: left; font-size: 0.9375em;
    }
    .source-toggle:hover { border-color: #0b4f8a; }
    .source-toggle .num { flex: none; color: #0b4f8a; font-weight: 700; }
    .source-toggle .text { flex: 1; min-width: 0; }
    .source-toggle .icon { transition: transform 0.15s; }
    .source-toggle[aria-expanded="true"] .icon { transform: rotate(180deg); }
    .source-body { margin: 4px 0 0; padding: 8px 10px; border-radius: 8px; background: #fff; font-size: 0.9375em; }
    blockquote { margin: 0 0 8px; padding: 0 0 0 10px; border-left: 4px solid #0b4f8a; font-style: italic; }
    dl { margin: 0; }
    dt { font-weight: 600; font-size: 0.875em; }
    dd { margin: 0 0 6px; }
    a { color: #0b4f8a; }
    .suggestions { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; margin-top: 10px; }
    .suggestions p { margin: 0; font-weight: 600; }
    .suggestions .suggestion { text-align: left; }
    .feedback { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 10px; font-size: 0.9375em; }
    .thumb {
      display: inline-flex; align-items: center; gap: 4px; min-height: 36px; padding: 4px 10px;
      border: 1px solid #6b7785; border-radius: 8px; background: #fff;
    }
    .thumb[aria-pressed="true"] { border-color: #0b4f8a; background: #0b4f8a; color: #fff; }
    .feedback-status { flex-basis: 100%; margin: 0; color: #285e2a; font-weight: 600; }
    .comment { flex-basis: 100%; display: flex; flex-direction: column; gap: 4px; }
    .comment textarea, .field input, .field textarea, .composer textarea {
      width: 100%; padding: 8px; border: 1px solid #6b7785; border-radius: 8px; background: #fff;
    }
    .secondary {
      align-self: flex-start; min-height: 40px; padding: 6px 12px; border: 1px solid #0b4f8a;
      border-radius: 8px; background: #fff; color: #0b4f8a; font-weight: 600;
    }
    .primary {
      display: inline-flex; align-items: center; justify-content: center; gap: 6px; min-height: 44px;
      padding: 8px 16px; border: 0; border-radius: 8px; background: #0b4f8a; color: #fff; font-weight: 600;
    }
    .primary:hover { background: #083c69; }
    .primary:disabled { background: #5c6f80; cursor: progress; }
    .composer { padding: 8px 12px 4px; border-top: 1px solid #b5bfc9; }
    .composer .row { display: flex; gap: 8px; align-items: flex-end; }
    .composer textarea { flex: 1; min-height: 44px; max-height: 140px; resize: vertical; }
    .composer textarea::placeholder { color: #56616c; }
    .hint { margin: 0 0 6px; font-size: 0.8125em; color: #4a5561; }
    .count { margin: 2px 0 0; font-size: 0.8125em; color: #4a5561; text-align: right; }
    .invalid { margin: 4px 0 0; color: #8a1c14; font-size: 0.875em; font-weight: 600; }
    .actions { display: flex; flex-wrap: wrap; gap: 4px 12px; padding: 4px 12px 10px; }
    .confirm { margin: 0 12px 10px; padding: 10px; border: 1px solid #8a1c14; border-radius: 8px; }
    .confirm p { margin: 0 0 8px; }
    .confirm .row { display: flex; gap: 8px; }
    .link-button {
      display: inline-flex; align-items: center; gap: 4px; min-height: 36px; padding: 4px 2px;
      border: 0; background: none; color: #0b4f8a; font-size: 0.9375em; text-decoration: underline;
    }
    .handoff, .sheet { flex: 1; min-height: 0; overflow-y: auto; padding: 12px; }
    .handoff h3, .sheet h3 { font-size: 1.0625em; margin-bottom: 8px; }
    .handoff p, .sheet p { margin: 0 0 8px; }
    .contact { margin: 0 0 12px; padding: 10px; border: 1px solid #b5bfc9; border-radius: 8px; }
    .contact .name { font-weight: 700; }
    .field { display: flex; flex-direction: column; gap: 2px; margin: 0 0 8px; }
    .field label { font-weight: 600; }
    .notice { padding: 8px 10px; border-left: 4px solid #285e2a; background: #edf7ee; }
    .notice.warn { border-left-color: #9a5b00; background: #fff6e5; }
    .buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
    /* The calculators' form (also the <okienko-calculator> element's). */
    .field select, .calc-choose select {
      width: 100%; max-width: 100%; min-height: 44px; padding: 8px;
      border: 1px solid #6b7785; border-radius: 8px; background: #fff;
    }
    .field input[aria-invalid="true"], .field select[aria-invalid="true"] { border: 2px solid #8a1c14; }
    .help { margin: 0 0 2px; font-size: 0.875em; color: #4a5561; }
    .calc-choose { display: flex; flex-direction: column; gap: 2px; margin: 0 0 12px; }
    .calc-choose label { font-weight: 600; }
    fieldset.calc-list, fieldset.calc-item {
      min-width: 0; margin: 0 0 8px; padding: 8px 10px; border: 1px solid #b5bfc9; border-radius: 8px;
    }
    fieldset legend { padding: 0 4px; font-weight: 600; }
    .calc-errors {
      margin: 0 0 8px; padding: 8px 10px; border: 1px solid #8a1c14; border-radius: 8px;
      background: #fdecea; color: #8a1c14;
    }
    .calc-errors p, .calc-errors ul { margin: 0; }
    .calc-errors ul { padding-left: 20px; }
    .calc-result {
      margin: 12px 0 0; padding: 10px 12px; border-radius: 8px; background: #eef2f6; overflow-wrap: anywhere;
    }
    .calc-result h3, .calc-result h4 { margin: 0 0 6px; font-size: 1em; }
    .calc-summary { margin: 0 0 10px; font-weight: 600; }
    .calc-steps { margin: 0 0 10px; padding-left: 22px; }
    .calc-steps li { margin: 0 0 6px; }
    .provision { display: block; font-size: 0.875em; color: #4a5561; }
    .calc-on { margin: 0 0 8px; font-size: 0.875em; }
    @media ${SMALL_SCREEN} {
      .panel {
        inset: 0; width: 100%; max-width: none; height: 100%; border: 0; border-radius: 0;
      }
      .root.open .launcher { display: none; }
      .msg.user { margin-left: 24px; }
      .msg.bot { margin-right: 0; }
    }
    /* Short screens (a laptop zoomed to 200 %, a phone held sideways): room for the answer. */
    @media (max-height: 520px) {
      .subtitle { display: none; }
      .composer textarea { min-height: 0; height: 44px; }
    }
    @media (prefers-reduced-motion: reduce) { * { transition: none !important; } }
    @media (forced-colors: active) { .launcher, .panel, .msg { border: 1px solid CanvasText; } }
  `;

  /**
   * Styles a shadow root. A constructed style sheet is not inline style, so a host page's strict
   * Content-Security-Policy (no 'unsafe-inline' styles) does not block it.
   */
  function adoptStyle(root, css) {
    if ('adoptedStyleSheets' in ShadowRoot.prototype && 'replaceSync' in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(h('style', { text: css }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering an answer: text with [n] footnote buttons, the sources list, the feedback row

  /** One footnote's disclosure: a list button and any inline [n] buttons share one panel. */
  class Footnote {
    constructor(id, citation) {
      this.id = id;
      this.citation = citation;
      this.buttons = [];
      this.body = this.#renderBody();
    }

    #renderBody() {
      const c = this.citation;
      const details = h('dl', {});
      // The knowledge base is Polish: its quote, title and provision are marked so whatever the
      // interface speaks (a screen reader reads them with a Polish voice).
      if (c.provision) details.append(h('dt', { text: TEXT.provision }), h('dd', { lang: 'pl', text: c.provision }));
      details.append(
        h('dt', { text: TEXT.document }), h('dd', { lang: 'pl', text: c.title || '—' }),
        h('dt', { text: TEXT.label }), h('dd', { lang: 'pl', text: c.section || c.label || '—' }));
      if (c.valid_from) details.append(h('dt', { text: TEXT.validFrom }), h('dd', { text: localDate(c.valid_from) }));
      if (c.reviewed) details.append(h('dt', { text: TEXT.reviewed }), h('dd', { text: localDate(c.reviewed) }));
      if (c.url && /^https:\/\//i.test(c.url)) {
        details.append(h('dt', { text: TEXT.page }), h('dd', {},
          h('a', { href: c.url, target: '_blank', rel: 'noopener noreferrer', text: c.url })));
      }
      if (c.source) {
        const isLink = /^https?:\/\//i.test(c.source);
        const source = isLink
          ? h('a', { href: c.source, target: '_blank', rel: 'noopener noreferrer', text: c.source })
          : document.createTextNode(c.source);
        details.append(h('dt', { text: TEXT.source }), h('dd', {}, source));
      }
      return h('div', { class: 'source-body', id: this.id, hidden: true },
        h('blockquote', { 'aria-label': TEXT.quote, lang: 'pl', text: `„${c.quote}”` }),
        details);
    }

    /** A button (inline marker or list entry) that opens and closes this footnote. */
    bind(button) {
      button.setAttribute('aria-expanded', 'false');
      button.setAttribute('aria-controls', this.id);
      button.addEventListener('click', () => this.toggle());
      this.buttons.push(button);
      return button;
    }

    toggle() {
      const open = this.body.hidden;
      this.body.hidden = !open;
      for (const button of this.buttons) button.setAttribute('aria-expanded', String(open));
      // Bring the quote into view with its heading (the list entry holds both).
      if (open) this.body.parentElement.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Paragraphs of the answer, each [n] that names a citation turned into a footnote button. */
  /** The answer without its "Na jakiej podstawie:" block (heading and its "[n] „…”" lines). */
  function withoutBasis(text) {
    return text.replace(/(^|\n)Na jakiej podstawie:\n(?:\[\d+\] „[^\n]*(?:\n|$))+/g, '$1').trim();
  }

  /**
   * The answer's text without the questions offered with a refusal ("Na takie pytania…" and a
   * line per question): the widget shows them as buttons that ask them.
   */
  function withoutSuggestions(text, suggestions) {
    if (!suggestions || !suggestions.length) return text;
    const first = text.lastIndexOf(`\n- ${suggestions[0].question}`);
    const start = first < 0 ? -1 : text.lastIndexOf('\n\n', first);
    if (start < 0) return text;
    const last = `- ${suggestions[suggestions.length - 1].question}`;
    const at = text.indexOf(last, first);
    if (at < 0) return text; // not the block the server wrote: show the text as it came
    return (text.slice(0, start) + text.slice(at + last.length)).trim();
  }

  function answerText(text, footnotes) {
    const fragment = document.createDocumentFragment();
    for (const paragraph of text.split(/\n{2,}/)) {
      const p = h('p');
      paragraph.split('\n').forEach((line, index) => {
        if (index > 0) p.append(h('br'));
        for (const piece of line.split(/(\[\d+\])/)) {
          const marker = /^\[(\d+)\]$/.exec(piece);
          const footnote = marker && footnotes.get(Number(marker[1]));
          if (footnote) {
            p.append(footnote.bind(h('button', {
              type: 'button', class: 'ref', 'aria-label': TEXT.footnote(marker[1]), text: piece,
            })));
          } else if (piece) {
            p.append(piece);
          }
        }
      });
      fragment.append(p);
    }
    return fragment;
  }

  function sourcesList(footnotes, headingId) {
    const list = h('ol');
    for (const [n, footnote] of footnotes) {
      const toggle = footnote.bind(h('button', { type: 'button', class: 'source-toggle' },
        h('span', { class: 'num', text: `[${n}]` }),
        h('span', { class: 'text', lang: 'pl', text: footnote.citation.label || footnote.citation.title }),
        icon('chevron')));
      list.append(h('li', {}, toggle, footnote.body));
    }
    return h('section', { class: 'sources', 'aria-labelledby': headingId },
      h('h3', { id: headingId, text: TEXT.sources }), list);
  }

  // ---------------------------------------------------------------------------------------------
  // The calculators: a form built from each one's JSON Schema, the result with its working

  /** A field's own schema: `X | None` arrives as anyOf [X, null]; title and help are the field's. */
  function fieldSpec(spec) {
    const own = (spec.anyOf || []).find((branch) => branch.type !== 'null') || spec;
    return { ...own, title: spec.title, description: spec.description };
  }

  function fieldKind(spec) {
    if (spec.oneOf || spec.enum) return 'choice';
    if (spec.type === 'boolean') return 'flag';
    if (spec.type === 'integer') return 'whole';
    if (spec.type === 'array') return 'list';
    if (spec.format === 'date') return 'date';
    // ["number", "string"]: amounts and areas, sent as typed ("3 600,50"); the API reads them.
    return [].concat(spec.type).includes('number') ? 'amount' : 'text';
  }

  /** The labelled values of a choice: `oneOf` of {const, title}, else the bare `enum`. */
  function choices(spec) {
    if (spec.oneOf) return spec.oneOf.map((option) => [option.const, option.title || String(option.const)]);
    return spec.enum.map((value) => [value, String(value)]);
  }

  /** What a control holds, as the API takes it; undefined when left empty (not given). */
  function valueOf({ control, kind }) {
    const raw = control.value.trim();
    if (!raw) return undefined;
    if (kind === 'flag') return raw === 'true';
    if (kind === 'whole' && /^-?\d{1,6}$/.test(raw)) return Number(raw);
    return raw; // anything else goes as typed: the API answers what is wrong with it, in Polish
  }

  /**
   * One calculator form: the choice of calculator, its fields, the result. Used by the chat's
   * "Sprawdź, czy Ci przysługuje" view and by <okienko-calculator>.
   */
  class CalculatorView {
    #api;
    #id;
    #level;
    #withDate;
    #onResult;
    #calculators = null;
    #current = null; // the chosen calculator
    #controls = new Map(); // field → {control, error, kind}
    #lists = new Map(); // list field → {spec, item, items: [{element, error, controls}], box, add}
    #busy = false;
    #choose;
    #about;
    #live;
    #body;
    #form = null;
    #errors = null;
    #submit = null;
    #result = null;

    /**
     * @param {Api} api
     * @param {{id: (prefix: string) => string, level?: number, withDate?: boolean,
     *          onResult?: (result) => void}} options
     *   `level`: the heading level of the result (the view sits under a heading one above it);
     *   `withDate`: a field for the application date (`on`), for staff; residents count today.
     */
    constructor(api, { id, level = 4, withDate = false, onResult = () => {} }) {
      this.#api = api;
      this.#id = id;
      this.#level = level;
      this.#withDate = withDate;
      this.#onResult = onResult;
      const selectId = id('calc-choose');
      this.#choose = h('select', { id: selectId, onchange: () => this.#pick(this.#choose.value) },
        h('option', { value: '', text: TEXT.calcLoading }));
      this.#about = h('p', { class: 'help', id: id('calc-about'), hidden: true });
      this.#choose.setAttribute('aria-describedby', this.#about.id);
      this.#live = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' });
      this.#body = h('div', {});
      this.element = h('div', { class: 'calc' },
        h('div', { class: 'calc-choose' }, h('label', { for: selectId, text: TEXT.calcChoose }), this.#about, this.#choose),
        this.#body, this.#live);
    }

    /** Loads the list of calculators (once; again after a failure). */
    async load() {
      if (this.#calculators) return;
      try {
        // The form in the widget's language; the working it returns stays Polish (it quotes the law).
        const listing = await this.#api.json(`/v1/calculators?lang=${encodeURIComponent(LANG)}`);
        this.#calculators = new Map(listing.calculators.map((c) => [c.name, c]));
      } catch (error) {
        this.#choose.replaceChildren(h('option', { value: '', text: '—' }));
        this.#problem(error instanceof ApiError ? error.message : TEXT.failed);
        return;
      }
      this.#body.replaceChildren(); // an earlier failure's message
      this.#choose.replaceChildren(h('option', { value: '', text: TEXT.calcPick }),
        ...[...this.#calculators.values()].map((c) => h('option', { value: c.name, text: c.title })));
    }

    #announce(text) {
      this.#live.textContent = '';
      window.setTimeout(() => { this.#live.textContent = text; }, 60);
    }

    #problem(message) {
      this.#body.replaceChildren(h('div', { class: 'calc-errors', role: 'alert' }, h('p', { text: message })));
    }

    #pick(name) {
      this.#current = (this.#calculators && this.#calculators.get(name)) || null;
      this.#controls = new Map();
      this.#lists = new Map();
      this.#about.hidden = !this.#current;
      this.#about.textContent = this.#current ? this.#current.description : '';
      this.#body.replaceChildren();
      if (!this.#current) return;
      const schema = this.#current.input_schema;
      const fields = Object.entries(schema.properties || {}).map(([field, spec]) =>
        this.#field(field, fieldSpec(spec), schema, this.#controls));
      if (this.#withDate) {
        const date = { type: 'string', format: 'date', title: TEXT.calcDate, description: TEXT.calcDateHelp };
        fields.unshift(this.#field('on', date, schema, this.#controls));
      }
      this.#errors = h('div', { class: 'calc-errors', hidden: true }); // announced through `live`
      this.#submit = h('button', { type: 'submit', class: 'primary', text: TEXT.calcSubmit });
      this.#result = h('section', { class: 'calc-result', hidden: true });
      this.#form = h('form', {
        class: 'calc-form', novalidate: true, onsubmit: (event) => { event.preventDefault(); this.#send(); },
      }, this.#errors, ...fields, h('div', { class: 'buttons' }, this.#submit));
      this.#body.append(this.#form, this.#result);
    }

    /** One field: label, help, control, and the place for its error, tied by aria-describedby. */
    #field(field, spec, schema, into, required = false) {
      const kind = fieldKind(spec);
      if (kind === 'list') return this.#list(field, spec, schema);
      const id = this.#id('calc-field');
      const help = spec.description ? h('p', { class: 'help', id: `${id}-help`, text: spec.description }) : null;
      const error = h('p', { class: 'invalid', id: `${id}-error`, hidden: true });
      let control;
      if (kind === 'choice' || kind === 'flag') {
        const options = kind === 'flag' ? [['true', TEXT.yes], ['false', TEXT.no]] : choices(spec);
        control = h('select', { id }, h('option', { value: '', text: TEXT.calcNotGiven }),
          ...options.map(([value, label]) => h('option', { value, text: label })));
      } else if (kind === 'date') {
        control = h('input', { id, type: 'date', min: '1900-01-01', max: '2100-12-31' });
      } else {
        const inputmode = { whole: 'numeric', amount: 'decimal' }[kind];
        control = h('input', { id, type: 'text', inputmode, autocomplete: 'off', spellcheck: 'false' });
      }
      control.setAttribute('aria-describedby', [help && help.id, error.id].filter(Boolean).join(' '));
      if (required) control.setAttribute('aria-required', 'true');
      into.set(field, { control, error, kind });
      const label = h('label', { for: id, text: required ? `${spec.title} ${TEXT.calcRequired}` : spec.title });
      return h('div', { class: 'field' }, label, help, control, error);
    }

    /** A list of objects (the children): a fieldset, each item its own with a remove button. */
    #list(field, spec, schema) {
      const ref = spec.items && spec.items.$ref;
      const item = ref ? schema.$defs[ref.split('/').pop()] : spec.items;
      const help = spec.description ? h('p', { class: 'help', id: this.#id('calc-list-help'), text: spec.description }) : null;
      const box = h('div', {});
      const list = { spec, item, items: [], box, schema };
      list.add = h('button', {
        type: 'button', class: 'secondary', text: TEXT.calcAdd(item.title),
        onclick: () => this.#addItem(list),
      });
      this.#lists.set(field, list);
      return h('fieldset', { class: 'calc-list', 'aria-describedby': help && help.id },
        h('legend', { text: spec.title }), help, box, list.add);
    }

    #addItem(list) {
      const controls = new Map();
      const required = new Set(list.item.required || []);
      const error = h('p', { class: 'invalid', id: this.#id('calc-item-error'), hidden: true });
      const legend = h('legend');
      const remove = h('button', { type: 'button', class: 'secondary' });
      const element = h('fieldset', { class: 'calc-item', 'aria-describedby': error.id }, legend, error,
        ...Object.entries(list.item.properties).map(([name, spec]) =>
          this.#field(name, fieldSpec(spec), list.schema, controls, required.has(name))),
        remove);
      const entry = { element, error, controls };
      remove.addEventListener('click', () => {
        const gone = `${list.item.title} ${list.items.indexOf(entry) + 1}`;
        list.items.splice(list.items.indexOf(entry), 1);
        element.remove();
        this.#number(list);
        list.add.focus();
        this.#announce(TEXT.calcRemoved(gone));
      });
      list.items.push(entry);
      list.box.append(element);
      this.#number(list);
      controls.values().next().value?.control.focus();
    }

    /** Legends and remove buttons say which item they are: "Dziecko 2". */
    #number(list) {
      list.items.forEach((entry, index) => {
        const name = `${list.item.title} ${index + 1}`;
        entry.element.querySelector('legend').textContent = name;
        entry.element.querySelector(':scope > button').textContent = TEXT.calcRemove(name);
      });
      list.add.disabled = list.spec.maxItems !== undefined && list.items.length >= list.spec.maxItems;
    }

    #payload() {
      const data = {};
      const read = (controls) => {
        const found = {};
        for (const [field, entry] of controls) {
          const value = valueOf(entry);
          if (value !== undefined) found[field] = value;
        }
        return found;
      };
      Object.assign(data, read(this.#controls));
      for (const [field, list] of this.#lists) {
        if (list.items.length) data[field] = list.items.map((entry) => read(entry.controls));
      }
      return data;
    }

    /** The control (or item) an error's field names: "age", "children.1.age", "children.1". */
    #target(path) {
      const [field, index, inner] = path.split('.');
      if (index === undefined) return this.#controls.get(field) || null;
      const entry = this.#lists.get(field)?.items[Number(index)];
      if (!entry) return null;
      if (inner === undefined) return { error: entry.error, control: entry.element.querySelector('input, select') };
      return entry.controls.get(inner) || null;
    }

    #clearErrors() {
      this.#errors.hidden = true;
      this.#errors.replaceChildren();
      for (const node of this.#form.querySelectorAll('.invalid')) {
        node.hidden = true;
        node.textContent = '';
      }
      for (const node of this.#form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
    }

    /** Each message beside its field; focus on the first field to correct. */
    #showErrors(fields, message) {
      const unplaced = [];
      for (const [path, text] of Object.entries(fields || {})) {
        const target = this.#target(path);
        if (!target) {
          unplaced.push(text);
          continue;
        }
        target.error.textContent = text;
        target.error.hidden = false;
        target.control?.setAttribute('aria-invalid', 'true');
      }
      const first = this.#form.querySelector('[aria-invalid="true"]');
      this.#errors.append(h('p', { text: first ? TEXT.calcFix : message }));
      if (first && unplaced.length) this.#errors.append(h('ul', {}, ...unplaced.map((t) => h('li', { text: t }))));
      this.#errors.hidden = false;
      this.#result.hidden = true;
      if (first) first.focus();
      this.#announce(first ? TEXT.calcFix : message);
    }

    async #send() {
      if (this.#busy || !this.#current) return;
      this.#busy = true;
      this.#submit.disabled = true;
      this.#submit.textContent = TEXT.calcWorking;
      this.#clearErrors();
      try {
        const result = await this.#api.json(`/v1/calculators/${encodeURIComponent(this.#current.name)}`, {
          method: 'POST', body: this.#payload(),
        });
        this.#show(result);
      } catch (error) {
        if (error instanceof ApiError) this.#showErrors(error.fields, error.message);
        else this.#showErrors(null, TEXT.failed);
      } finally {
        this.#busy = false;
        this.#submit.disabled = false;
        this.#submit.textContent = TEXT.calcSubmit;
      }
    }

    /**
     * Scrolls `node` to the top of the box that scrolls it: the whole result in view, not its
     * last line. Not scrollIntoView: that also scrolls the panel (overflow: hidden) and would
     * push its header off screen.
     */
    #reveal(node) {
      let box = node.parentElement;
      while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
      if (!box) {
        node.scrollIntoView({ block: 'start' });
        return;
      }
      box.scrollTop += node.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    }

    /** The result first, then the working with its provisions, the date, and the notice. */
    #show(result) {
      const heading = h(`h${this.#level}`, { id: this.#id('calc-result'), tabindex: '-1', text: TEXT.calcResult });
      const steps = h('ol', { class: 'calc-steps', lang: 'pl' }, ...result.steps.map((step) => h('li', {},
        step.text,
        step.provision ? h('span', { class: 'provision', lang: LANG, text: `${TEXT.calcProvision} ${step.provision}` }) : null)));
      const stepsHeading = h(`h${this.#level}`, { text: TEXT.calcSteps });
      this.#result.replaceChildren(heading,
        h('p', { class: 'calc-summary', lang: 'pl', text: result.summary }),
        stepsHeading, steps,
        h('p', { class: 'calc-on', text: TEXT.calcOn(localDate(result.on)) }),
        h('p', { class: 'notice warn', lang: 'pl', text: result.notice }));
      this.#result.setAttribute('aria-labelledby', heading.id);
      this.#result.hidden = false;
      heading.focus({ preventScroll: true });
      this.#reveal(this.#result);
      this.#announce(`${TEXT.calcResult}: ${result.summary}`);
      this.#onResult(result);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The element

  class OkienkoChat extends HTMLElement {
    #root;
    #api;
    #ui = {};
    #configRequest = null;
    #sessionId = null;
    #turns = [];
    #busy = false;
    #abort = null;
    #ids = 0;
    #calculator = null; // the calculators' view, kept so a filled form survives going back
    #watchingScreen = false;
    #nextLanguage = null; // chosen while an answer was arriving: applied when it has

    constructor() {
      super();
      this.#root = this.attachShadow({ mode: 'open' });
    }

    connectedCallback() {
      if (this.#ui.panel) return; // moved within the page: already built
      useLanguage(preferredLanguage());
      this.#api = new Api(this.getAttribute('api') || DEFAULT_API);
      this.#sessionId = load(STORE.session, null);
      this.#build();
      // A conversation begun on another page of the site goes on here (same browser tab).
      this.#turns = load(STORE.transcript, []);
      for (const turn of this.#turns) this.#showTurn(turn);
    }

    disconnectedCallback() {
      this.#abort?.abort();
    }

    /** Opens the panel and puts the cursor in the question box. */
    open() {
      const { root, panel, launcher, question } = this.#ui;
      panel.hidden = false;
      root.classList.add('open');
      launcher.setAttribute('aria-expanded', 'true');
      this.#syncModal();
      this.#loadConfig();
      this.#showChat();
      question.focus();
    }

    /**
     * The interface in another language: built again, with the conversation so far and the
     * question being typed (a calculator form or a callback form being filled starts afresh).
     * Not while an answer is arriving (its view would be rebuilt away): the switch waits for it.
     */
    #switchLanguage(lang) {
      if (lang === LANG) return;
      if (this.#busy) {
        this.#nextLanguage = lang;
        for (const button of this.#ui.language.children) {
          button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
        }
        return;
      }
      save(STORE.language, lang);
      useLanguage(lang);
      const open = !this.#ui.panel.hidden;
      const typed = this.#ui.question.value;
      this.#root.replaceChildren();
      this.#ui = {};
      this.#calculator = null;
      this.#configRequest = null;
      this.#build();
      for (const turn of this.#turns) this.#showTurn(turn);
      this.#ui.question.value = typed;
      this.#updateCount();
      if (open) {
        this.open();
        this.#ui.language.querySelector(`[data-lang="${LANG}"]`).focus();
      }
    }

    /** Closes the panel and returns focus to the launcher. */
    close() {
      const { root, panel, launcher } = this.#ui;
      panel.hidden = true;
      root.classList.remove('open');
      launcher.setAttribute('aria-expanded', 'false');
      launcher.focus();
    }

    #id(prefix) {
      this.#ids += 1;
      return `${prefix}-${this.#ids}`;
    }

    #build() {
      const ui = this.#ui;
      ui.launcher = h('button', {
        type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'okienko-panel',
        onclick: () => (ui.panel.hidden ? this.open() : this.close()),
      }, icon('chat'), h('span', { text: TEXT.launcher }));

      ui.live = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' });
      ui.notice = h('p', { class: 'notice', id: 'okienko-notice', text: TEXT.notice });
      ui.privacy = h('p', { class: 'privacy', text: TEXT.privacy });
      ui.messages = h('div', {
        class: 'messages', role: 'region', 'aria-label': TEXT.conversation, tabindex: '0',
      }, this.#intro());

      ui.question = h('textarea', {
        id: 'okienko-question', rows: '2', maxlength: '2000', placeholder: TEXT.placeholder,
        'aria-describedby': 'okienko-hint okienko-invalid', autocomplete: 'off',
        onkeydown: (event) => {
          // Enter sends, Shift+Enter starts a new line (as in other chat windows).
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            this.#submit();
          }
        },
        oninput: () => this.#updateCount(),
      });
      ui.send = h('button', { type: 'submit', class: 'primary' }, icon('send'), h('span', { text: TEXT.send }));
      ui.count = h('p', { class: 'count', hidden: true });
      ui.invalid = h('p', { class: 'invalid', id: 'okienko-invalid', hidden: true });
      const composer = h('form', {
        class: 'composer', novalidate: true,
        onsubmit: (event) => { event.preventDefault(); this.#submit(); },
      },
      h('p', { class: 'hint', id: 'okienko-hint', text: TEXT.hint }),
      h('label', { class: 'sr-only', for: 'okienko-question', text: TEXT.questionLabel }),
      h('div', { class: 'row' }, ui.question, ui.send),
      ui.invalid, ui.count);

      ui.handoffButton = h('button', {
        type: 'button', class: 'link-button', onclick: () => this.#showHandoff(),
      }, icon('person'), h('span', { text: TEXT.handoff }));
      ui.calcButton = h('button', {
        type: 'button', class: 'link-button', onclick: () => this.#showCalculator(),
      }, icon('calculator'), h('span', { text: TEXT.calcEntry }));
      // Erasing cannot be undone: it asks first, and the safe choice has the focus.
      ui.deleteButton = h('button', {
        type: 'button', class: 'link-button', 'aria-expanded': 'false', 'aria-controls': 'okienko-confirm',
        onclick: () => this.#askToDelete(),
      }, icon('trash'), h('span', { text: TEXT.deleteChat }));
      ui.deleteNo = h('button', { type: 'button', class: 'secondary', text: TEXT.deleteNo, onclick: () => this.#keepChat() });
      ui.confirm = h('div', {
        class: 'confirm', id: 'okienko-confirm', role: 'group', 'aria-labelledby': 'okienko-confirm-text', hidden: true,
      },
      h('p', { id: 'okienko-confirm-text', text: TEXT.deleteQuestion }),
      h('div', { class: 'row' },
        h('button', {
          type: 'button', class: 'primary', text: TEXT.deleteYes,
          onclick: () => { this.#keepChat({ focus: false }); this.#reset(TEXT.deleted); },
        }),
        ui.deleteNo));
      const actions = h('div', { class: 'actions' }, ui.calcButton, ui.handoffButton, ui.deleteButton);
      ui.chat = h('div', { class: 'view' }, ui.messages, composer, actions, ui.confirm);
      ui.handoff = h('div', { class: 'view', hidden: true });
      ui.calculator = h('div', { class: 'view', hidden: true });

      // Buttons, not a select: choosing rebuilds the panel, which a select's arrow keys would do
      // at every step (WCAG 3.2.2). Each language is named in itself, whatever the panel speaks.
      ui.language = h('div', { class: 'language', role: 'group', 'aria-label': TEXT.language },
        ...Object.entries(LANGUAGES).map(([code, name]) => h('button', {
          // The name holds the mark shown (WCAG 2.5.3): "EN: English".
          type: 'button', class: 'header-button', lang: code, 'aria-label': `${LANGUAGE_MARKS[code]}: ${name}`, title: name,
          'aria-pressed': String(code === LANG), 'data-lang': code, text: LANGUAGE_MARKS[code],
          onclick: () => this.#switchLanguage(code),
        })));

      ui.panel = h('section', {
        class: 'panel', id: 'okienko-panel', role: 'dialog', 'aria-modal': 'false',
        'aria-labelledby': 'okienko-title', 'aria-describedby': 'okienko-notice', hidden: true,
        onkeydown: (event) => this.#onPanelKey(event),
      },
      h('div', { class: 'header' },
        h('div', { class: 'titles' },
          h('h2', { id: 'okienko-title', text: TEXT.title }),
          h('p', { class: 'subtitle', text: TEXT.subtitle })),
        ui.language,
        h('button', {
          type: 'button', class: 'header-button', onclick: () => this.#reset(TEXT.started, { erase: false }),
        }, icon('plus'), h('span', { text: TEXT.newChat })),
        h('button', {
          type: 'button', class: 'header-button', 'aria-label': TEXT.close, onclick: () => this.close(),
        }, icon('close'))),
      ui.chat, ui.handoff, ui.calculator, ui.live);

      ui.root = h('div', { class: 'root', lang: LANG }, ui.launcher, ui.panel);
      adoptStyle(this.#root, STYLE);
      this.#root.append(ui.root);
      // Entering or leaving full-screen (rotating a phone, zooming) changes whether we are modal.
      if (!this.#watchingScreen) {
        this.#watchingScreen = true; // once: the panel is built again when the language changes
        window.matchMedia(SMALL_SCREEN).addEventListener('change', () => this.#syncModal());
      }
    }

    #intro() {
      const suggestions = h('ul', { class: 'suggestions', 'aria-label': TEXT.suggestionsLabel },
        ...TEXT.suggestions.map((text) => h('li', {}, h('button', {
          type: 'button', class: 'suggestion', text, onclick: () => this.#ask(text),
        }))));
      return h('div', { class: 'intro' },
        this.#ui.notice, h('p', { text: TEXT.intro }), this.#ui.privacy, suggestions);
    }

    // Full-screen, the panel hides the page: behave as a modal dialog and keep Tab inside it.
    #syncModal() {
      this.#ui.panel.setAttribute('aria-modal', String(window.matchMedia(SMALL_SCREEN).matches));
    }

    #onPanelKey(event) {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.close();
        return;
      }
      if (event.key !== 'Tab' || this.#ui.panel.getAttribute('aria-modal') !== 'true') return;
      const focusable = [...this.#ui.panel.querySelectorAll(
        'button:not([disabled]), textarea, input, select, a[href], [tabindex="0"]')]
        .filter((node) => node.getClientRects().length > 0);
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const current = this.#root.activeElement;
      if (event.shiftKey && current === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && current === last) {
        event.preventDefault();
        first.focus();
      }
    }

    #announce(text) {
      // Emptying first makes a screen reader announce a message equal to the previous one too.
      this.#ui.live.textContent = '';
      window.setTimeout(() => { this.#ui.live.textContent = text; }, 60);
    }

    #loadConfig() {
      this.#configRequest ??= this.#api.json('/v1/config')
        .then((config) => {
          // The notice is always shown: an empty answer keeps the default wording.
          // The centre's own wording is Polish: in another language the widget's translation stays.
          if (config.ai_notice && LANG === 'pl') this.#ui.notice.textContent = config.ai_notice;
          if (config.privacy_note && LANG === 'pl') this.#ui.privacy.textContent = config.privacy_note;
          const max = Number(config.max_message_length);
          if (max > 0) this.#ui.question.maxLength = max;
          return config;
        })
        .catch(() => {
          this.#configRequest = null; // try again on the next opening
          return null;
        });
      return this.#configRequest;
    }

    #updateCount() {
      const { question, count, invalid } = this.#ui;
      const max = question.maxLength > 0 ? question.maxLength : 2000;
      const used = question.value.length;
      count.hidden = used < max * 0.8;
      count.textContent = `${used} / ${max}`;
      if (!invalid.hidden && question.value.trim()) this.#invalid('');
    }

    #invalid(message) {
      const { question, invalid } = this.#ui;
      invalid.textContent = message;
      invalid.hidden = !message;
      if (message) question.setAttribute('aria-invalid', 'true');
      else question.removeAttribute('aria-invalid');
    }

    #submit() {
      const { question } = this.#ui;
      const text = question.value.trim();
      if (!text) {
        this.#invalid(TEXT.empty);
        question.focus();
        return;
      }
      if (this.#busy) return;
      question.value = '';
      this.#updateCount();
      this.#ask(text);
    }

    #scrollToEnd() {
      const { messages } = this.#ui;
      messages.scrollTop = messages.scrollHeight;
    }

    async #ask(text) {
      if (this.#busy) return;
      this.#busy = true;
      this.#ui.send.disabled = true;
      this.#invalid('');
      const view = this.#showQuestion(text);
      this.#announce(TEXT.sent);
      const controller = new AbortController();
      this.#abort = controller;
      let streamed = '';
      try {
        const response = await this.#api.request('/v1/chat/stream', {
          method: 'POST',
          headers: { Accept: 'text/event-stream' },
          body: { message: text, session_id: this.#sessionId, audience: 'mieszkaniec' },
          signal: controller.signal,
        });
        let result = null;
        for await (const { event, data } of readEvents(response)) {
          const payload = JSON.parse(data);
          if (event === 'token') {
            streamed += payload.text;
            view.body.textContent = streamed; // plain text while it grows; footnotes come at the end
            this.#scrollToEnd();
          } else if (event === 'done') {
            result = payload; // authoritative: it replaces whatever was streamed
            break;
          } else if (event === 'error') {
            const failure = new ApiError(payload.message || TEXT.failed, { code: payload.code });
            // The model broke off midway: its text is withdrawn and `done` brings the answer
            // taken from the materials, which replaces it. Any other error ends the stream.
            if (payload.code !== 'generation_interrupted') throw failure;
            streamed = '';
            view.body.textContent = failure.message;
          }
          // `citations` arrive again, complete, in `done`; nothing to do before it.
        }
        if (!result) throw new ApiError(TEXT.interrupted, { code: 'interrupted' });
        this.#remember(text, result);
        this.#finish(view, result);
        this.#announce(`${TEXT.answered} ${withoutMarkers(result.answer)} ${
          result.citations.length ? TEXT.sourcesCount(result.citations.length) : ''}`.trim());
      } catch (error) {
        if (error.name === 'AbortError') return;
        const message = error instanceof ApiError ? error.message : TEXT.failed;
        this.#fail(view, message);
        // Nothing typed is lost: the question goes back into the empty box, ready to send again.
        const { question } = this.#ui;
        const restored = !question.value.trim();
        if (restored) {
          question.value = text;
          this.#updateCount();
        }
        this.#announce(restored ? `${message} ${TEXT.restored}` : message);
      } finally {
        if (this.#abort === controller) {
          this.#abort = null;
          this.#busy = false;
          this.#ui.send.disabled = false;
          if (this.#nextLanguage) {
            const lang = this.#nextLanguage;
            this.#nextLanguage = null;
            queueMicrotask(() => this.#switchLanguage(lang));
          }
        }
      }
    }

    #remember(question, result) {
      this.#sessionId = result.session_id || this.#sessionId;
      save(STORE.session, this.#sessionId);
      this.#turns = [...this.#turns, { question, result }].slice(-KEEP_TURNS);
      save(STORE.transcript, this.#turns);
    }

    /** The question's bubble and an empty answer bubble that the stream fills. */
    #showQuestion(text) {
      const { messages } = this.#ui;
      messages.append(h('div', { class: 'msg user' }, h('span', { class: 'sr-only', text: `${TEXT.you} ` }), text));
      const body = h('div', { class: 'typing', text: TEXT.thinking });
      const article = h('article', { class: 'msg bot', 'aria-busy': 'true' },
        h('span', { class: 'sr-only', text: TEXT.bot }), body);
      messages.append(article);
      this.#scrollToEnd();
      return { article, body };
    }

    /** A turn of the conversation so far, with the rating and comment already given for it. */
    #showTurn(turn) {
      this.#finish(this.#showQuestion(turn.question), turn.result, turn.feedback);
    }

    #finish(view, result, given = {}) {
      const { article, body } = view;
      const prefix = this.#id('answer');
      const footnotes = new Map(result.citations.map((c) => [c.n, new Footnote(`${prefix}-src-${c.n}`, c)]));
      // The list of sources below shows each quote with its provision: the answer's own
      // "Na jakiej podstawie" lines would repeat them.
      const offered = result.suggestions || [];
      const told = withoutSuggestions(result.answer, offered);
      const shown = footnotes.size ? withoutBasis(told) : told;
      // The answer is the knowledge base's Polish (a screen reader reads it with a Polish voice).
      const text = h('div', { class: 'answer', lang: 'pl' }, answerText(shown, footnotes));
      body.replaceWith(text);
      article.removeAttribute('aria-busy');
      if (footnotes.size) article.append(sourcesList(footnotes, `${prefix}-sources`));
      if (result.refused && offered.length) {
        // Questions the base answers, near the one it could not: one press asks it.
        const headingId = this.#id('suggested');
        article.append(h('div', { class: 'suggestions', role: 'group', 'aria-labelledby': headingId },
          h('p', { id: headingId, text: TEXT.suggested }),
          ...offered.map((s) => h('button', {
            type: 'button', class: 'secondary suggestion', lang: 'pl', text: s.question,
            onclick: () => {
              if (!this.#busy) {
                this.#ask(s.question);
                return;
              }
              // An answer is still arriving: the question waits in the box, to send after it.
              this.#ui.question.value = s.question;
              this.#updateCount();
              this.#ui.question.focus();
            },
          }))));
      }
      if (result.refused) {
        article.append(h('div', { class: 'buttons' }, h('button', {
          type: 'button', class: 'secondary', text: TEXT.handoff, onclick: () => this.#showHandoff(),
        })));
      }
      if (result.answer_id) article.append(this.#feedback(result.answer_id, given));
      // A long answer is read from its question down; a short one leaves the view at the end.
      const { messages } = this.#ui;
      const question = article.previousElementSibling;
      if (article.offsetTop + article.offsetHeight - question.offsetTop > messages.clientHeight) {
        messages.scrollTop = question.offsetTop - 8;
      } else {
        this.#scrollToEnd();
      }
    }

    #fail(view, message) {
      view.article.classList.add('error');
      view.article.removeAttribute('aria-busy');
      view.body.className = '';
      view.body.textContent = message;
    }

    /**
     * The rating row. `given` is what was already sent for this answer ({rating, commented}),
     * so that a language switch or a reload shows it as sent rather than asking again.
     */
    #feedback(answerId, given = {}) {
      let rating = given.rating || null;
      const status = h('p', { class: 'feedback-status', hidden: !rating });
      if (rating) status.textContent = given.commented ? TEXT.commentThanks : TEXT.thanks;
      const comment = h('textarea', { rows: '2', maxlength: '1000', id: this.#id('comment') });
      const form = h('form', {
        class: 'comment', hidden: !rating || Boolean(given.commented), novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          const text = comment.value.trim();
          if (!text) { comment.focus(); return; }
          if (await this.#sendFeedback(answerId, rating, text, status)) {
            form.hidden = true;
            this.#keepFeedback(answerId, { rating, commented: true });
            status.textContent = TEXT.commentThanks;
            this.#announce(TEXT.commentThanks);
            status.setAttribute('tabindex', '-1');
            status.focus(); // the form that had focus is gone: keep the keyboard user nearby
          }
        },
      }, h('label', { for: comment.id, text: TEXT.commentLabel }), comment,
      h('button', { type: 'submit', class: 'secondary', text: TEXT.commentSend }));

      const thumb = (value, label, iconName) => h('button', {
        type: 'button', class: 'thumb', 'aria-pressed': String(value === rating),
        onclick: async (event) => {
          rating = value;
          for (const button of event.currentTarget.parentElement.querySelectorAll('.thumb')) {
            button.setAttribute('aria-pressed', String(button === event.currentTarget));
          }
          if (await this.#sendFeedback(answerId, value, null, status)) {
            this.#keepFeedback(answerId, { rating: value });
            status.textContent = TEXT.thanks;
            this.#announce(TEXT.thanks);
            form.hidden = false;
          }
        },
      }, icon(iconName), h('span', { text: label }));

      const questionId = this.#id('helpful');
      return h('div', { class: 'feedback', role: 'group', 'aria-labelledby': questionId },
        h('span', { id: questionId, text: TEXT.helpful }),
        thumb('up', TEXT.up, 'up'), thumb('down', TEXT.down, 'down'), status, form);
    }

    /** What was sent for an answer, kept with its turn in the saved conversation. */
    #keepFeedback(answerId, feedback) {
      const turn = this.#turns.find((t) => t.result.answer_id === answerId);
      if (!turn) return;
      turn.feedback = { ...turn.feedback, ...feedback };
      save(STORE.transcript, this.#turns);
    }

    async #sendFeedback(answerId, rating, comment, status) {
      status.hidden = false;
      try {
        await this.#api.request('/v1/feedback', {
          method: 'POST', body: { answer_id: answerId, rating, comment },
        });
        return true;
      } catch (error) {
        status.textContent = error.message;
        this.#announce(error.message);
        return false;
      }
    }

    #askToDelete() {
      const { confirm, deleteButton, deleteNo } = this.#ui;
      confirm.hidden = false;
      deleteButton.setAttribute('aria-expanded', 'true');
      deleteNo.focus();
    }

    #keepChat({ focus = true } = {}) {
      const { confirm, deleteButton } = this.#ui;
      confirm.hidden = true;
      deleteButton.setAttribute('aria-expanded', 'false');
      if (focus) deleteButton.focus();
    }

    /**
     * "Nowa rozmowa" starts afresh here and leaves the old conversation on the server (it expires
     * on its own, and a callback request made in it is kept); "Usuń rozmowę" erases it there too.
     */
    async #reset(message, { erase = true } = {}) {
      this.#abort?.abort();
      this.#keepChat({ focus: false });
      const old = this.#sessionId;
      this.#sessionId = null;
      this.#turns = [];
      save(STORE.session, null);
      save(STORE.transcript, null);
      const { messages, question } = this.#ui;
      messages.replaceChildren(this.#intro());
      this.#showChat();
      question.focus();
      let note = message;
      if (old && erase) {
        try {
          await this.#api.request(`/v1/sessions/${encodeURIComponent(old)}`, { method: 'DELETE' });
        } catch (error) {
          if (error instanceof ApiError && error.status !== 404) note = `${message} ${TEXT.deleteFailed}`;
        }
      }
      this.#announce(note);
    }

    #showChat() {
      this.#ui.handoff.hidden = true;
      this.#ui.calculator.hidden = true;
      this.#ui.chat.hidden = false;
    }

    /** "Sprawdź, czy Ci przysługuje": the calculators' form in the panel. */
    async #showCalculator() {
      const { chat, handoff, calculator, calcButton } = this.#ui;
      if (!this.#calculator) {
        this.#calculator = new CalculatorView(this.#api, { id: (prefix) => this.#id(prefix), level: 4 });
        const heading = h('h3', { tabindex: '-1', text: TEXT.calcEntry });
        const back = h('button', {
          type: 'button', class: 'secondary', text: TEXT.back,
          onclick: () => { this.#showChat(); calcButton.focus(); },
        });
        calculator.append(h('div', { class: 'sheet' },
          heading, h('p', { text: TEXT.calcIntro }), this.#calculator.element, h('div', { class: 'buttons' }, back)));
      }
      chat.hidden = true;
      handoff.hidden = true;
      calculator.hidden = false;
      calculator.querySelector('h3').focus();
      await this.#calculator.load();
    }

    async #showHandoff() {
      const { chat, handoff, handoffButton } = this.#ui;
      const heading = h('h3', { tabindex: '-1', text: TEXT.handoffTitle });
      const contact = h('div', {}, h('p', { class: 'contact', text: TEXT.contactLoading }));
      const notice = h('p', { class: 'notice', hidden: true }); // read out when it takes the focus
      const back = h('button', {
        type: 'button', class: 'secondary', text: TEXT.back,
        onclick: () => { this.#showChat(); handoffButton.focus(); },
      });
      const form = this.#callbackForm(contact, notice);
      handoff.replaceChildren(h('div', { class: 'handoff' },
        heading, h('p', { text: TEXT.handoffIntro }), contact, notice, form, h('div', { class: 'buttons' }, back)));
      chat.hidden = true;
      this.#ui.calculator.hidden = true;
      handoff.hidden = false;
      heading.focus();
      const config = await this.#loadConfig();
      contact.replaceChildren(this.#contactCard(config && config.cus));
      const dataNotice = form.querySelector('.data-notice');
      if (config && config.callback_notice) {
        // Who receives the data, what for and how long: before anything is typed.
        dataNotice.replaceChildren(config.callback_notice);
        if (config.privacy_url) {
          dataNotice.append(' ', h('a', { href: config.privacy_url, target: '_blank', rel: 'noopener', text: TEXT.privacyLink }));
        }
        dataNotice.hidden = false;
      }
    }

    #callbackForm(contact, notice) {
      const field = (name, label, attrs) => {
        const id = this.#id(`handoff-${name}`);
        const input = h(name === 'message' ? 'textarea' : 'input', { id, name, ...attrs });
        return h('div', { class: 'field' }, h('label', { for: id, text: label }), input);
      };
      // The same rules as the API's, checked here so the resident learns of a typo at once.
      // An error paragraph stays empty until needed: a screen reader reads it with the field.
      const checks = {
        phone: { valid: /^\+?[0-9 ()-]{6,30}$/, message: TEXT.badPhone, error: h('p', { class: 'invalid', id: this.#id('phone-error'), hidden: true }) },
        email: { valid: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, message: TEXT.badEmail, error: h('p', { class: 'invalid', id: this.#id('email-error'), hidden: true }) },
      };
      const form = h('form', { novalidate: true },
        h('p', { text: TEXT.callbackIntro }),
        h('p', { class: 'hint data-notice', hidden: true }), // filled from /v1/config
        field('name', TEXT.name, { autocomplete: 'given-name', maxlength: '200' }),
        field('phone', TEXT.phone, {
          type: 'tel', autocomplete: 'tel', maxlength: '30', 'aria-describedby': checks.phone.error.id,
        }),
        checks.phone.error,
        field('email', TEXT.email, {
          type: 'email', autocomplete: 'email', maxlength: '254', 'aria-describedby': checks.email.error.id,
        }),
        checks.email.error,
        field('message', TEXT.message, { rows: '3', maxlength: '1000' }),
        h('p', { class: 'hint', text: TEXT.hint }),
        h('button', { type: 'submit', class: 'primary', text: TEXT.requestCallback }));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const value = (name) => form.elements[name].value.trim() || null;
        let firstBad = null;
        for (const [name, check] of Object.entries(checks)) {
          const bad = Boolean(value(name)) && !check.valid.test(value(name));
          check.error.hidden = !bad;
          check.error.textContent = bad ? check.message : '';
          if (bad) form.elements[name].setAttribute('aria-invalid', 'true');
          else form.elements[name].removeAttribute('aria-invalid');
          firstBad ??= bad ? form.elements[name] : null;
        }
        if (firstBad) { firstBad.focus(); return; }
        const submit = form.querySelector('[type=submit]');
        submit.disabled = true;
        try {
          const reply = await this.#api.json('/v1/handoff', {
            method: 'POST',
            body: {
              session_id: this.#sessionId, name: value('name'), phone: value('phone'),
              email: value('email'), message: value('message'),
            },
          });
          notice.textContent = reply.message;
          notice.classList.toggle('warn', !reply.callback_recorded);
          contact.replaceChildren(this.#contactCard(reply.contact));
          if (reply.callback_recorded) form.hidden = true;
        } catch (error) {
          notice.textContent = error.message;
          notice.classList.add('warn');
        } finally {
          submit.disabled = false;
          notice.hidden = false;
          notice.setAttribute('tabindex', '-1');
          notice.focus();
        }
      });
      return form;
    }

    /** The CUS contact exactly as the API gives it: nothing is made up when a field is empty. */
    #contactCard(cus) {
      const card = h('div', { class: 'contact' });
      const rows = cus && [
        [TEXT.phoneLabel, cus.phone, cus.phone && `tel:${cus.phone.replace(/[^\d+]/g, '')}`],
        [TEXT.emailLabel, cus.email, cus.email && `mailto:${cus.email}`],
        [TEXT.addressLabel, cus.address, null],
        [TEXT.hoursLabel, cus.hours, null],
        [TEXT.urlLabel, cus.url, cus.url && /^https?:\/\//i.test(cus.url) ? cus.url : null],
      ].filter(([, value]) => value);
      if (!rows || !rows.length) {
        card.append(h('p', { text: (cus && cus.name ? `${cus.name}. ` : '') + TEXT.contactUnknown }));
        return card;
      }
      const list = h('dl', {});
      if (cus.name) list.append(h('dt', { class: 'sr-only', text: 'Nazwa' }), h('dd', { class: 'name', text: cus.name }));
      for (const [label, value, href] of rows) {
        list.append(h('dt', { text: label }),
          h('dd', {}, href ? h('a', { href, text: value }) : document.createTextNode(value)));
      }
      card.append(list);
      return card;
    }
  }

  customElements.define('okienko-chat', OkienkoChat);

  /**
   * <okienko-calculator api="…" heading-level="3" with-date>: the calculators' form on its own
   * (the staff console); `with-date` adds the application date. `apiKey` (a property, never an
   * attribute) is sent as X-API-Key. Emits
   * `okienko-calculation` with the calculation as `detail` each time it shows a result.
   */
  class OkienkoCalculator extends HTMLElement {
    #root;
    #api = null;
    #key = '';

    constructor() {
      super();
      this.#root = this.attachShadow({ mode: 'open' });
    }

    set apiKey(key) {
      this.#key = key || '';
      if (this.#api) this.#api.headers = this.#key ? { 'X-API-Key': this.#key } : {};
    }

    get apiKey() {
      return this.#key;
    }

    connectedCallback() {
      if (this.#api) return;
      this.#api = new Api(this.getAttribute('api') || DEFAULT_API);
      this.apiKey = this.#key;
      let ids = 0;
      const view = new CalculatorView(this.#api, {
        id: (prefix) => { ids += 1; return `${prefix}-${ids}`; },
        level: Number(this.getAttribute('heading-level')) || 3,
        withDate: this.hasAttribute('with-date'),
        onResult: (result) => this.dispatchEvent(new CustomEvent('okienko-calculation', {
          detail: result, bubbles: true, composed: true,
        })),
      });
      adoptStyle(this.#root, `${STYLE}\n:host { display: block; }`);
      this.#root.append(h('div', { class: 'root' }, view.element));
      view.load();
    }
  }

  customElements.define('okienko-calculator', OkienkoCalculator);

  function ensureElement() {
    if (SCRIPT && SCRIPT.dataset.chat === 'off') return; // the page wants only the calculator
    if (!document.querySelector('okienko-chat')) document.body.append(document.createElement('okienko-chat'));
  }
  // With `defer` the document is parsed already; without it, wait for <body>.
  if (document.body) ensureElement();
  else document.addEventListener('DOMContentLoaded', ensureElement, { once: true });
})();

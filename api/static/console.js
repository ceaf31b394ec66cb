/**
 * The staff console (served by the API at /console, so requests go to the same origin).
 *
 * Staff log in with their API key, which is kept in sessionStorage only: it dies with the tab and
 * is never written anywhere that outlives it. Front-desk staff ask as `pracownik`; caseworkers as
 * `urzednik`, whose answer is a draft reply letter. The draft is shown with its legal basis and
 * the sources it cites; "Kopiuj do schowka" copies the letter without the [n] markers and with
 * the legal basis under it. The benefit calculators are the widget's <okienko-calculator> (loaded
 * from /widget.js); "Kopiuj do notatki" copies a calculation's working as plain text.
 *
 * Logging in checks the key at once (GET /v1/letters, which needs a staff key and also gives
 * the letter templates): a wrong key keeps the login screen with the reason. "Pisma" fills a
 * template's slots through POST /v1/letters/{id}; the letter is then an editable text, copied as
 * it stands and downloaded as DOCX (POST /v1/letters/{id}/docx with the edited text). Nothing
 * typed into the letter form is cleared by a failed request. "Wgląd dla centrum" shows GET
 * /v1/insight for an admin key (a staff key is told, in the API's words, that it needs one).
 */
(() => {
  'use strict';

  const STORE = { key: 'okienko:staff-key', audience: 'okienko:staff-audience', session: 'okienko:staff-session' };

  const TEXT = {
    ask: { pracownik: 'Zapytaj', urzednik: 'Przygotuj projekt pisma' },
    questionLabel: { pracownik: 'Pytanie', urzednik: 'Treść pisma lub opis sprawy' },
    resultTitle: { pracownik: 'Odpowiedź', urzednik: 'Projekt odpowiedzi' },
    working: 'Przygotowuję odpowiedź…',
    ready: 'Odpowiedź gotowa.',
    empty: 'Wpisz pytanie.',
    emptyKey: 'Wpisz klucz API.',
    checkingKey: 'Sprawdzam klucz…',
    wrongKey: 'Nieprawidłowy klucz API. Sprawdź, czy został wpisany w całości, i spróbuj ponownie.',
    letters: {
      none: 'Brak wzorów pism. Wzory dodaje administrator w katalogu knowledge_base/pisma.',
      optional: '(opcjonalnie)',
      choose: '— wybierz —',
      working: 'Przygotowuję pismo…',
      ready: 'Pismo gotowe. Sprawdź je i popraw przed wysłaniem.',
      invalid: 'Popraw zaznaczone pola.',
      copied: 'Skopiowano pismo do schowka.',
      downloading: 'Przygotowuję plik DOCX…',
      downloaded: (name) => `Pobrano plik ${name}.`,
      empty: 'Treść pisma jest pusta.',
    },
    insight: {
      working: 'Wczytuję wgląd…',
      ready: (days) => `Wgląd z ostatnich ${days} dni.`,
      questions: 'Pytania mieszkańców',
      refused: 'Odmowy',
      rate: 'Odsetek odmów',
      ratedDown: 'Odpowiedzi ocenione negatywnie',
      counts: (g) => `${g.count} × (odmowy: ${g.refused}, oceny negatywne: ${g.rated_down}) · temat: ${g.topic}`,
      kind: { document: 'dokument', fact: 'fakt' },
      noQuestions: 'Brak pytań w tym okresie.',
      noGroups: 'Brak odmów i ocen negatywnych w tym okresie.',
      noDue: 'Nic nie czeka na przegląd.',
    },
    mode: { llm: 'Tekst napisany przez model językowy na podstawie źródeł.', extractive: 'Tekst złożony z cytatów dokumentów (bez modelu językowego).' },
    refused: 'Asystent nie znalazł w materiałach podstawy do odpowiedzi.',
    review: 'Projekt sprawdź i uzupełnij przed wysłaniem.',
    copied: 'Skopiowano do schowka.',
    copyFailed: 'Nie udało się skopiować. Zaznacz tekst i naciśnij Ctrl+C.',
    basis: 'Podstawa prawna:',
    noBasis: 'Brak: odpowiedź nie powołuje się na źródła.',
    newCase: 'Rozpoczęto nową sprawę.',
    offline: 'Brak połączenia z serwerem Okienka. Spróbuj ponownie.',
    failed: 'Coś poszło nie tak. Spróbuj ponownie za chwilę.',
    unavailable: 'Okienko jest chwilowo niedostępne. Spróbuj ponownie za kilka minut.',
    retryAfter: (s) => `Możesz spróbować ponownie za ${s} s.`,
    label: 'Przepis lub fragment',
    document: 'Dokument',
    validFrom: 'Obowiązuje od',
    source: 'Źródło',
    footnote: (n) => `Źródło ${n}`,
    noteCopied: 'Skopiowano wyliczenie do schowka.',
    noteCalculator: 'Kalkulator:',
    noteResult: 'Wynik:',
    noteSteps: 'Wyliczenie:',
    noteAmount: 'Kwota:',
    noteOn: (date) => `Kwoty i kryteria na dzień ${date}.`,
    per: { monthly: 'miesięcznie', once: 'jednorazowo' },
  };

  const $ = (id) => document.getElementById(id);

  // sessionStorage may be blocked by the browser: the console then works but forgets on reload.
  function read(key) {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return null;
    }
  }

  function write(key, value) {
    try {
      if (value === null) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, value);
    } catch {
      // blocked: nothing to keep it in
    }
  }

  function h(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  /** A failed request with the Polish message to show (the API's own, when it sent one). */
  class ApiError extends Error {
    constructor(message, status, code = '', fields = null) {
      super(message);
      this.status = status;
      this.code = code;
      this.fields = fields; // slot or input name → Polish message, for a 422
    }
  }

  /** The response of a successful request; an ApiError with the Polish reason otherwise. */
  async function send(path, { method = 'GET', body, key = read(STORE.key) } = {}) {
    const headers = { 'X-API-Key': key || '' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(TEXT.offline, 0);
    }
    if (response.ok) return response;
    let error = {};
    try {
      error = (await response.json()).error || {};
    } catch {
      // not the API's JSON error: use our own words below
    }
    let message = error.message || (response.status >= 500 ? TEXT.unavailable : TEXT.failed);
    const wait = Number.parseInt(response.headers.get('Retry-After') || '', 10);
    if (response.status === 429 && wait > 0) message = `${message} ${TEXT.retryAfter(wait)}`;
    throw new ApiError(message, response.status, error.code || '', error.fields || null);
  }

  async function post(path, body, key) {
    const response = await send(path, { method: 'POST', body, key });
    return response.status === 204 ? null : response.json();
  }

  function polishDate(iso) {
    const date = new Date(`${iso}T00:00:00Z`);
    if (Number.isNaN(date.getTime())) return iso;
    return new Intl.DateTimeFormat('pl-PL', { dateStyle: 'long', timeZone: 'UTC' }).format(date);
  }

  const withoutMarkers = (text) => text.replace(/[ \t]*\[\d+\]/g, '');

  // ---------------------------------------------------------------------------------------------
  // Login

  function showLogin(message) {
    write(STORE.key, null);
    $('workspace').hidden = true;
    $('logout').hidden = true;
    $('login').hidden = false;
    const error = $('login-error');
    error.textContent = message || '';
    error.hidden = !message;
    $('api-key').value = '';
    $('api-key').focus();
  }

  function showWorkspace() {
    $('login').hidden = true;
    $('workspace').hidden = false;
    $('logout').hidden = false;
    useKey(read(STORE.key));
    $('question').focus();
  }

  /** The calculators send the staff key too: staff are not rate-limited like residents. */
  function useKey(key) {
    customElements.whenDefined('okienko-calculator').then(() => { $('calculator').apiKey = key || ''; });
  }

  /**
   * Checks `key` with an authenticated request before showing the workspace. GET /v1/letters
   * needs a staff key and its answer fills the letters form. The key is checked before the
   * templates are read, so a broken template (503 letter_template_broken) still proves the key
   * good: the console opens with the letters' error shown.
   */
  async function logIn(key) {
    const button = $('login-form').querySelector('button[type="submit"]');
    button.disabled = true;
    const error = $('login-error');
    error.hidden = true;
    $('login-status').textContent = TEXT.checkingKey;
    try {
      const response = await send('/v1/letters', { key });
      useTemplates((await response.json()).templates, '');
    } catch (failure) {
      if (failure.code !== 'letter_template_broken') {
        showLogin(failure.status === 401 ? TEXT.wrongKey : failure.message);
        return;
      }
      useTemplates([], failure.message);
    } finally {
      button.disabled = false;
      $('login-status').textContent = '';
    }
    write(STORE.key, key);
    showWorkspace();
  }

  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) {
      showLogin(TEXT.emptyKey);
      return;
    }
    logIn(key);
  });

  $('logout').addEventListener('click', () => {
    write(STORE.session, null);
    useKey('');
    showLogin('');
  });

  // ---------------------------------------------------------------------------------------------
  // Asking

  const audience = () => document.querySelector('input[name="audience"]:checked').value;

  function applyAudience() {
    const who = audience();
    write(STORE.audience, who);
    $('ask-button').textContent = TEXT.ask[who];
    $('question-label').textContent = TEXT.questionLabel[who];
  }

  for (const radio of document.querySelectorAll('input[name="audience"]')) {
    radio.addEventListener('change', applyAudience);
  }

  $('question').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $('ask-form').requestSubmit();
    }
  });

  function status(id, message, bad = false) {
    const node = $(id);
    node.textContent = message;
    node.classList.toggle('bad', bad);
  }

  let current = null; // the answer on screen, for copying

  $('ask-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const question = $('question').value.trim();
    if (!question) {
      status('ask-status', TEXT.empty, true);
      $('question').focus();
      return;
    }
    const button = $('ask-button');
    button.disabled = true;
    $('result').setAttribute('aria-busy', 'true');
    status('ask-status', TEXT.working);
    try {
      const result = await post('/v1/chat', {
        message: question, session_id: read(STORE.session), audience: audience(),
      }, read(STORE.key));
      write(STORE.session, result.session_id);
      show(result, audience());
      status('ask-status', TEXT.ready);
      $('draft-title').focus();
    } catch (error) {
      if (error.status === 401 || error.status === 403) {
        showLogin(error.message);
        return;
      }
      status('ask-status', error.message || TEXT.failed, true);
    } finally {
      button.disabled = false;
      $('result').removeAttribute('aria-busy');
    }
  });

  $('new-case').addEventListener('click', () => {
    const old = read(STORE.session);
    write(STORE.session, null);
    current = null;
    $('result').hidden = true;
    $('question').value = '';
    $('question').focus();
    status('ask-status', TEXT.newCase);
    if (old) {
      // Best effort: the server forgets a conversation by itself after its time to live anyway.
      fetch(`/v1/sessions/${encodeURIComponent(old)}`, {
        method: 'DELETE', headers: { 'X-API-Key': read(STORE.key) || '' },
      }).catch(() => {});
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Showing an answer: the text with [n] links, the legal basis, the sources beside it

  function show(result, who) {
    current = result;
    $('letter-answer-choice').hidden = result.refused || !result.direct_answer;
    $('draft-title').textContent = TEXT.resultTitle[who];
    const meta = [TEXT.mode[result.mode] || ''];
    if (who === 'urzednik' && !result.refused) meta.push(TEXT.review);
    $('draft-meta').textContent = meta.join(' ');

    const numbers = new Set(result.citations.map((c) => c.n));
    const text = $('draft-text');
    text.replaceChildren();
    if (result.refused) text.append(h('p', { class: 'refused', text: TEXT.refused }));
    for (const paragraph of result.answer.split(/\n{2,}/)) {
      const p = h('p');
      paragraph.split('\n').forEach((line, index) => {
        if (index > 0) p.append(h('br'));
        for (const piece of line.split(/(\[\d+\])/)) {
          const marker = /^\[(\d+)\]$/.exec(piece);
          if (marker && numbers.has(Number(marker[1]))) {
            p.append(h('button', {
              type: 'button', class: 'ref', text: piece, 'aria-label': TEXT.footnote(marker[1]),
              onclick: () => goToSource(Number(marker[1])),
            }));
          } else if (piece) {
            p.append(piece);
          }
        }
      });
      text.append(p);
    }

    const basis = $('basis-list');
    basis.replaceChildren(...legalBasis(result.citations).map((label) => h('li', { text: label })));
    if (!basis.children.length) basis.append(h('li', { text: TEXT.noBasis }));

    $('sources-list').replaceChildren(...result.citations.map(sourceItem));
    $('no-sources').hidden = result.citations.length > 0;
    status('copy-status', '');
    $('result').hidden = false;
  }

  /** Each cited provision once, in the order of first citation. */
  function legalBasis(citations) {
    return [...new Set(citations.map((c) => c.label || c.title))];
  }

  function sourceItem(c) {
    const details = h('dl', {},
      h('dt', { text: TEXT.document }), h('dd', { text: c.title || '—' }));
    if (c.valid_from) details.append(h('dt', { text: TEXT.validFrom }), h('dd', { text: polishDate(c.valid_from) }));
    if (c.source) {
      const link = /^https?:\/\//i.test(c.source)
        ? h('a', { href: c.source, target: '_blank', rel: 'noopener noreferrer', text: c.source })
        : document.createTextNode(c.source);
      details.append(h('dt', { text: TEXT.source }), h('dd', {}, link));
    }
    return h('li', { id: `source-${c.n}`, tabindex: '-1' },
      h('h3', { text: `[${c.n}] ${c.label || c.title}` }),
      h('blockquote', { text: `„${c.quote}”` }),
      details);
  }

  function goToSource(n) {
    const item = $(`source-${n}`);
    for (const other of document.querySelectorAll('.sources li.highlight')) other.classList.remove('highlight');
    item.classList.add('highlight');
    item.scrollIntoView({ block: 'nearest' });
    item.focus();
  }

  // ---------------------------------------------------------------------------------------------
  // Copying the letter with its legal basis

  function letterText(result) {
    const body = withoutMarkers(result.answer).trim();
    const basis = legalBasis(result.citations).map((label) => `– ${label}`);
    return basis.length ? `${body}\n\n${TEXT.basis}\n${basis.join('\n')}\n` : `${body}\n`;
  }

  // navigator.clipboard needs a secure context; a console opened over plain http on the office
  // network falls back to the older selection-based copy.
  async function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const area = h('textarea', { class: 'sr-only', readonly: true, 'aria-hidden': 'true' });
    area.value = text;
    document.body.append(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    if (!done) throw new Error('copy refused');
  }

  $('copy').addEventListener('click', async () => {
    if (!current) return;
    try {
      await copy(letterText(current));
      status('copy-status', TEXT.copied);
    } catch {
      status('copy-status', TEXT.copyFailed, true);
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Letters: a template's slots as a form, the letter as editable text, copy and DOCX

  let templates = [];
  const typed = {}; // slot name → what was typed, kept across templates and failed requests
  let letter = null; // the letter on screen: its template and the body it was filled from

  const chosenTemplate = () => templates.find((t) => t.id === $('letter-template').value);

  /** The templates from the login's GET /v1/letters, or the reason there are none. */
  function useTemplates(list, problem) {
    templates = list;
    const select = $('letter-template');
    const previous = select.value;
    select.replaceChildren(...list.map((t) => h('option', { value: t.id, text: t.title })));
    if (list.some((t) => t.id === previous)) select.value = previous;
    const message = problem || (list.length ? '' : TEXT.letters.none);
    $('letters-error').textContent = message;
    $('letters-error').hidden = !message;
    $('letter-form').hidden = !list.length;
    if (list.length) showSlots();
  }

  function slotControl(slot, id, value) {
    const common = { id, name: slot.name, 'aria-required': slot.required ? 'true' : null };
    switch (slot.kind) {
      case 'paragraph':
      case 'list': {
        const area = h('textarea', { ...common, rows: slot.kind === 'list' ? 4 : 3 });
        area.value = value;
        return area;
      }
      case 'choice': {
        const select = h('select', common);
        if (!slot.required) select.append(h('option', { value: '', text: TEXT.letters.choose }));
        select.append(...slot.options.map((o) => h('option', { value: o, text: o })));
        select.value = value || (slot.required ? slot.options[0] : '');
        return select;
      }
      case 'date':
        return h('input', { ...common, type: 'date', value });
      case 'days':
        return h('input', { ...common, type: 'number', inputmode: 'numeric', min: slot.min, max: slot.max, step: 1, value });
      default:
        return h('input', { ...common, type: 'text', value });
    }
  }

  /** The chosen template's slots, each with its label, help and a place for its error. */
  function showSlots() {
    const template = chosenTemplate();
    $('letter-description').textContent = template.description;
    const fields = template.slots.map((slot) => {
      const id = `slot-${slot.name}`;
      const value = typed[slot.name] ?? (slot.default === null ? '' : String(slot.default));
      const control = slotControl(slot, id, value);
      const help = slot.help ? h('p', { id: `${id}-help`, class: 'note', text: slot.help }) : null;
      const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
      control.setAttribute('aria-describedby', [help && help.id, error.id].filter(Boolean).join(' '));
      const label = h('label', { for: id, text: slot.title },
        slot.required ? null : h('span', { class: 'optional', text: ` ${TEXT.letters.optional}` }));
      return h('div', { class: 'field' }, label, control, help, error);
    });
    $('letter-fields').replaceChildren(...fields);
  }

  $('letter-template').addEventListener('change', () => {
    showSlots();
    status('letter-status', '');
  });

  $('letter-fields').addEventListener('input', (event) => {
    const control = event.target;
    if (!control.name) return;
    typed[control.name] = control.value;
    if (control.getAttribute('aria-invalid')) {
      control.removeAttribute('aria-invalid');
      $(`${control.id}-error`).hidden = true;
    }
  });

  /** The body of POST /v1/letters/{id}: values as the slots' kinds want them. */
  function letterRequest(template) {
    const values = {};
    for (const slot of template.slots) {
      const raw = ($(`slot-${slot.name}`).value || '').trim();
      if (!raw) continue;
      if (slot.kind === 'list') values[slot.name] = raw.split('\n').map((line) => line.trim()).filter(Boolean);
      else if (slot.kind === 'days' && /^\d+$/.test(raw)) values[slot.name] = Number(raw);
      else values[slot.name] = raw;
    }
    const body = { values };
    if (current && !current.refused && current.direct_answer && $('letter-use-answer').checked) {
      body.answer = {
        direct_answer: current.direct_answer,
        citations: current.citations.map((c) => ({ provision: c.provision || null })),
      };
    }
    return body;
  }

  function markFields(fields) {
    let first = null;
    for (const node of $('letter-fields').querySelectorAll('[aria-invalid]')) {
      node.removeAttribute('aria-invalid');
      $(`${node.id}-error`).hidden = true;
    }
    for (const [name, message] of Object.entries(fields || {})) {
      const control = $(`slot-${name}`);
      if (!control) continue;
      control.setAttribute('aria-invalid', 'true');
      const error = $(`${control.id}-error`);
      error.textContent = message;
      error.hidden = false;
      first = first || control;
    }
    return first;
  }

  /** A 401 (the key was withdrawn meanwhile) brings the login back; the form keeps its values. */
  function letterFailure(error, where) {
    if (error.status === 401) showLogin(error.message);
    else status(where, error.message || TEXT.failed, true);
  }

  $('letter-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const template = chosenTemplate();
    const body = letterRequest(template);
    const button = $('letter-button');
    button.disabled = true;
    status('letter-status', TEXT.letters.working);
    try {
      const filled = await post(`/v1/letters/${encodeURIComponent(template.id)}`, body);
      markFields(null);
      letter = { template: template.id, body };
      $('letter-text').value = filled.text;
      const warnings = $('letter-warning-list');
      warnings.replaceChildren(...filled.warnings.map((w) => h('li', { text: w })));
      $('letter-warnings').hidden = !filled.warnings.length;
      status('letter-result-status', '');
      $('letter-result').hidden = false;
      status('letter-status', TEXT.letters.ready);
      $('letter-result-title').focus();
    } catch (error) {
      const first = error.status === 422 ? markFields(error.fields) : null;
      letterFailure(error, 'letter-status');
      if (first) first.focus();
    } finally {
      button.disabled = false;
    }
  });

  /** Hands a downloaded file to the browser to save under `name`. */
  function save(blob, name) {
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /** The letter as it stands in the text area: the caseworker's edits, no surrounding blanks. */
  const editedLetter = () => $('letter-text').value.replace(/\r\n/g, '\n').trim();

  $('letter-copy').addEventListener('click', async () => {
    const text = editedLetter();
    if (!text) {
      status('letter-result-status', TEXT.letters.empty, true);
      return;
    }
    try {
      await copy(`${text}\n`);
      status('letter-result-status', TEXT.letters.copied);
    } catch {
      status('letter-result-status', TEXT.copyFailed, true);
    }
  });

  $('letter-docx').addEventListener('click', async () => {
    const text = editedLetter();
    if (!letter || !text) {
      status('letter-result-status', TEXT.letters.empty, true);
      return;
    }
    const button = $('letter-docx');
    button.disabled = true;
    status('letter-result-status', TEXT.letters.downloading);
    try {
      const response = await send(`/v1/letters/${encodeURIComponent(letter.template)}/docx`, {
        method: 'POST', body: { ...letter.body, text },
      });
      const name = `${letter.template}.docx`;
      save(await response.blob(), name);
      status('letter-result-status', TEXT.letters.downloaded(name));
    } catch (error) {
      letterFailure(error, 'letter-result-status');
    } finally {
      button.disabled = false;
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Insight for the centre (admin key): the page of GET /v1/insight and its CSV

  const insightDays = () => document.querySelector('input[name="insight-days"]:checked').value;
  const percent = new Intl.NumberFormat('pl-PL', { style: 'percent', maximumFractionDigits: 1 });

  function showInsight(report) {
    const summary = [
      [TEXT.insight.questions, String(report.questions)],
      [TEXT.insight.refused, String(report.refused)],
      [TEXT.insight.rate, report.refusal_rate === null ? '—' : percent.format(report.refusal_rate)],
      [TEXT.insight.ratedDown, String(report.rated_down)],
    ];
    $('insight-summary').replaceChildren(...summary.flatMap(([term, value]) => [h('dt', { text: term }), h('dd', { text: value })]));
    const row = (...cells) => h('tr', {}, ...cells.map((c) => h('td', { text: c })));
    const topics = report.topics.map((t) => row(t.topic, String(t.questions), String(t.refused)));
    $('insight-topics').tBodies[0].replaceChildren(...(topics.length ? topics : [row(TEXT.insight.noQuestions, '', '')]));
    const groups = report.groups.map((g) => h('li', {},
      h('strong', { text: g.question }),
      h('span', { class: 'counts', text: TEXT.insight.counts(g) }),
      g.examples.length ? h('ul', {}, ...g.examples.map((e) => h('li', { text: e }))) : null));
    $('insight-groups').replaceChildren(...(groups.length ? groups : [h('li', { text: TEXT.insight.noGroups })]));
    const due = report.due_for_review.map((d) => row(TEXT.insight.kind[d.kind], d.title, d.source, d.problem));
    $('insight-due').tBodies[0].replaceChildren(...(due.length ? due : [row(TEXT.insight.noDue, '', '', '')]));
    $('insight-result').hidden = false;
  }

  $('insight-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = $('insight-button');
    button.disabled = true;
    status('insight-status', TEXT.insight.working);
    try {
      const response = await send(`/v1/insight?days=${insightDays()}`);
      showInsight(await response.json());
      status('insight-status', TEXT.insight.ready(insightDays()));
      $('insight-summary-title').focus();
    } catch (error) {
      if (error.status === 401) showLogin(error.message);
      else status('insight-status', error.message || TEXT.failed, true);
    } finally {
      button.disabled = false;
    }
  });

  $('insight-csv').addEventListener('click', async () => {
    const button = $('insight-csv');
    button.disabled = true;
    try {
      const days = insightDays();
      const response = await send(`/v1/insight/export?days=${days}`);
      const name = `okienko-wglad-${days}-dni.csv`;
      save(await response.blob(), name);
      status('insight-status', TEXT.letters.downloaded(name));
    } catch (error) {
      if (error.status === 401) showLogin(error.message);
      else status('insight-status', error.message || TEXT.failed, true);
    } finally {
      button.disabled = false;
    }
  });

  // ---------------------------------------------------------------------------------------------
  // The calculators: the working of the last calculation, copied as a note for the case file

  let calculation = null;

  /** "713.00" → "713,00 zł"; "1313.00" → "1 313,00 zł". */
  function zl(amount) {
    const [whole, grosze] = amount.split('.');
    return `${whole.replace(/\B(?=(\d{3})+$)/g, ' ')},${grosze} zł`;
  }

  /** The result, each step with its provision, the date of the figures, the notice. */
  function noteText(c) {
    const lines = [`${TEXT.noteCalculator} ${c.title}`, `${TEXT.noteResult} ${c.summary}`];
    if (c.amount) {
      const range = c.amount_max && c.amount_max !== c.amount ? `${zl(c.amount)} – ${zl(c.amount_max)}` : zl(c.amount);
      lines.push(`${TEXT.noteAmount} ${range} ${TEXT.per[c.frequency] || ''}`.trim());
    }
    lines.push('', TEXT.noteSteps);
    c.steps.forEach((step, i) => lines.push(`${i + 1}. ${step.text}${step.provision ? ` (${step.provision})` : ''}`));
    lines.push('', TEXT.noteOn(polishDate(c.on)), c.notice);
    return `${lines.join('\n')}\n`;
  }

  $('calculator').addEventListener('okienko-calculation', (event) => {
    calculation = event.detail;
    $('copy-note').hidden = false;
    status('note-status', '');
  });

  $('copy-note').addEventListener('click', async () => {
    if (!calculation) return;
    try {
      await copy(noteText(calculation));
      status('note-status', TEXT.noteCopied);
    } catch {
      status('note-status', TEXT.copyFailed, true);
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Start: restore the mode and the login of this tab

  const saved = read(STORE.audience);
  for (const radio of document.querySelectorAll('input[name="audience"]')) {
    if (radio.value === saved) radio.checked = true;
  }
  applyAudience();
  if (read(STORE.key)) logIn(read(STORE.key));
  else $('api-key').focus();
})();

// Scenarios of the resident's widget, on the demo page of the (fictional) city's site.
import assert from 'node:assert/strict';
import path from 'node:path';

import {
  assertNoSeriousViolations,
  assertVisibleFocus,
  axeScan,
  focused,
  openBrowser,
  tabTo,
} from './browser.mjs';

// The scripted chat model behind the test server answers this question with three cited sentences.
export const QUESTION = 'Na jak długo przyznaje się dodatek mieszkaniowy?';

const SENT = 'Wysłano pytanie. Okienko przygotowuje odpowiedź.';
const squash = (text) => text.replace(/\s+/g, ' ').trim();
const withoutMarkers = (text) => squash(text.replace(/\s*\[\d+\]/g, ''));

/** The widget's parts, located through its (open) shadow root. */
function widget(page) {
  return {
    launcher: page.locator('okienko-chat .launcher'),
    panel: page.locator('okienko-chat .panel'),
    question: page.getByRole('textbox', { name: 'Twoje pytanie' }),
    answers: page.locator('okienko-chat article.msg.bot'),
    live: page.locator('okienko-chat [aria-live="polite"]'),
    button: (name) => page.locator('okienko-chat').getByRole('button', { name, exact: true }),
  };
}

async function openDemo(ctx, options = {}) {
  const browser = await openBrowser({ base: ctx.base, ...options });
  await browser.page.goto('/demo');
  await widget(browser.page).launcher.waitFor();
  return browser;
}

/** Reads a value the widget keeps in sessionStorage (JSON), or null. */
function stored(page, key) {
  return page.evaluate((k) => JSON.parse(sessionStorage.getItem(k) ?? 'null'), key);
}

/**
 * Sends a question (typed, then Enter) and waits until the finished answer is announced.
 * Returns the request body and the stream's authoritative `done` payload. The payload is read
 * from the transcript the widget keeps in sessionStorage: Chromium does not keep the body of a
 * response the page consumed as a stream, so the test cannot read it off the network.
 * In another interface language, `box` is the question box and `announced` how the answer is
 * announced in it.
 */
async function ask(page, text, { typed = false, box = widget(page).question, announced = 'Odpowiedź Okienka:' } = {}) {
  const streamed = page.waitForResponse((r) => r.url().endsWith('/v1/chat/stream'));
  if (typed) {
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
  } else {
    await box.fill(text);
    await box.press('Enter');
  }
  const response = await streamed;
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /^text\/event-stream/);
  await page.waitForFunction((start) => {
    const root = document.querySelector('okienko-chat').shadowRoot;
    return !root.querySelector('article[aria-busy]')
      && root.querySelector('[aria-live="polite"]').textContent.startsWith(start);
  }, announced);
  const transcript = await stored(page, 'okienko:transcript');
  const { question, result: done } = transcript[transcript.length - 1];
  assert.equal(question, text);
  return { request: response.request().postDataJSON(), done };
}

/** Records what the live region says and what the answer bubble shows while it streams. */
function traceWidget(page) {
  return page.evaluate(() => {
    const root = document.querySelector('okienko-chat').shadowRoot;
    const live = root.querySelector('[aria-live="polite"]');
    window.okienkoTrace = { live: [], partial: [] };
    new MutationObserver(() => {
      if (live.textContent) window.okienkoTrace.live.push(live.textContent);
    }).observe(live, { childList: true, characterData: true, subtree: true });
    new MutationObserver(() => {
      const growing = root.querySelector('article[aria-busy="true"] .typing');
      if (growing) window.okienkoTrace.partial.push(growing.textContent);
    }).observe(root.querySelector('.messages'), { childList: true, characterData: true, subtree: true });
  });
}

function polishDate(iso) {
  return new Intl.DateTimeFormat('pl-PL', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}

/** The citation list of the last answer matches `done`; the first footnote opens and closes. */
/** The answer as the widget shows it: without the "Na jakiej podstawie" block it lists apart. */
function withoutBasis(text) {
  return text.replace(/(^|\n)Na jakiej podstawie:\n(?:\[\d+\] „[^\n]*(?:\n|$))+/g, '$1').trim();
}

async function checkCitations(page, done) {
  const answer = widget(page).answers.last();
  // The direct answer leads; the "Na jakiej podstawie" lines become the list of sources.
  assert.equal(squash(await answer.locator('.answer').innerText()), squash(withoutBasis(done.answer)));
  assert.ok(done.direct_answer, 'the answer has a direct answer');
  assert.ok(squash(await answer.locator('.answer').innerText()).startsWith(squash(done.direct_answer)));
  assert.ok(done.citations.length > 0, 'the answer cites something');
  const toggles = answer.locator('.source-toggle');
  assert.equal(await toggles.count(), done.citations.length);
  // Footnotes are numbered 1..n in order, and a resident never sees a file path.
  assert.deepEqual(done.citations.map((c) => c.n), done.citations.map((_, i) => i + 1));
  for (const c of done.citations) assert.equal(c.source, null);
  assert.ok(!(await answer.innerText()).includes('knowledge_base/'), 'no file path is shown');

  const [first] = done.citations;
  const toggle = toggles.first();
  assert.match(await toggle.innerText(), new RegExp(`\\[${first.n}\\]`));
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  const body = answer.locator(`#${await toggle.getAttribute('aria-controls')}`);
  assert.equal(await body.isVisible(), false);

  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await body.waitFor({ state: 'visible' });
  assert.equal(await body.locator('blockquote').innerText(), `„${first.quote}”`);
  const details = squash(await body.locator('dl').innerText());
  for (const expected of [first.section || first.label, first.title, first.provision]) {
    assert.ok(expected, 'the citation names its section, document and provision');
    assert.ok(details.includes(squash(expected)), expected);
  }
  if (first.valid_from) assert.ok(details.includes(polishDate(first.valid_from)));
  // The inline [n] markers control the same footnote and show its state.
  const inline = answer.locator(`.ref[aria-controls="${await toggle.getAttribute('aria-controls')}"]`);
  assert.ok((await inline.count()) > 0, 'the answer text carries the footnote marker');
  assert.equal(await inline.first().getAttribute('aria-expanded'), 'true');
  await inline.first().click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await body.isVisible(), false);
}

// ------------------------------------------------------------------------------------------------

/** Ask, watch it stream, see the citations, expand one; the conversation survives a reload. */
export async function askAndCite(ctx) {
  const browser = await openDemo(ctx);
  const { page } = browser;
  const ui = widget(page);
  await ui.launcher.click();
  assert.equal(await ui.launcher.getAttribute('aria-expanded'), 'true');
  await ui.panel.waitFor({ state: 'visible' });
  assert.equal((await focused(page)).tag, 'textarea', 'opening puts the cursor in the question box');

  const config = await (await page.request.get('/v1/config')).json();
  await page.locator('okienko-chat .privacy', { hasText: config.privacy_note }).waitFor();

  await traceWidget(page);
  const { request, done } = await ask(page, QUESTION);
  assert.deepEqual(request, { message: QUESTION, session_id: null, audience: 'mieszkaniec' });
  assert.equal(done.refused, false, done.answer);
  assert.equal(done.mode, 'llm');

  // The answer grew on screen (the model's checked sentences, one by one) before it finished.
  const trace = await page.evaluate(() => window.okienkoTrace);
  const final = squash(done.answer);
  const partial = [...new Set(trace.partial.map(squash))].filter((t) => t && t !== final && final.startsWith(t));
  assert.ok(partial.length >= 2, `several partial answers were on screen: ${JSON.stringify(trace.partial)}`);
  // The live region announced the question being sent and then the finished answer, once.
  const announced = trace.live.filter((t) => t !== SENT);
  assert.equal(announced.length, 1, `one announcement of the answer: ${JSON.stringify(trace.live)}`);
  assert.ok(announced[0].startsWith(`Odpowiedź Okienka: ${withoutMarkers(done.answer)}`), announced[0]);

  await checkCitations(page, done);
  assert.equal(await stored(page, 'okienko:session'), done.session_id);

  const followUp = await ask(page, 'A od kiedy się go liczy?');
  assert.equal(followUp.request.session_id, done.session_id, 'the second question continues the conversation');

  // Another page of the site (here: the same one reloaded) shows the same conversation.
  await page.reload();
  await ui.launcher.click();
  assert.equal(await ui.answers.count(), 2);
  assert.equal(squash(await ui.answers.first().locator('.answer').innerText()), squash(done.answer));
  await browser.close();
  return { session_id: done.session_id };
}

/** 👍 on an answer is sent (202), then a comment with it. */
export async function feedback(ctx) {
  const browser = await openDemo(ctx);
  const { page } = browser;
  const ui = widget(page);
  await ui.launcher.click();
  const { done } = await ask(page, QUESTION);
  const answer = ui.answers.last();

  const rated = page.waitForResponse((r) => r.url().endsWith('/v1/feedback'));
  await answer.getByRole('button', { name: 'Tak, pomocna' }).click();
  const response = await rated;
  assert.equal(response.status(), 202);
  assert.deepEqual(response.request().postDataJSON(), { answer_id: done.answer_id, rating: 'up', comment: null });
  assert.equal(await answer.getByRole('button', { name: 'Tak, pomocna' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await answer.getByRole('button', { name: 'Nie, niepomocna' }).getAttribute('aria-pressed'), 'false');
  await answer.getByText('Dziękujemy za ocenę.').waitFor();

  const comment = 'Odpowiedź była jasna, dziękuję.';
  await answer.getByRole('textbox', { name: 'Komentarz do odpowiedzi (nieobowiązkowy)' }).fill(comment);
  const commented = page.waitForResponse((r) => r.url().endsWith('/v1/feedback'));
  await answer.getByRole('button', { name: 'Wyślij komentarz' }).click();
  const second = await commented;
  assert.equal(second.status(), 202);
  assert.deepEqual(second.request().postDataJSON(), { answer_id: done.answer_id, rating: 'up', comment });
  await answer.getByText('Dziękujemy za komentarz.').waitFor();
  assert.equal(await answer.locator('form.comment').isVisible(), false);
  await browser.close();
  return { answer_id: done.answer_id, comment };
}

/** "Porozmawiaj z pracownikiem": the CUS contact from /v1/config, and a callback request. */
export async function handoff(ctx) {
  const browser = await openDemo(ctx);
  const { page } = browser;
  const ui = widget(page);
  await ui.launcher.click();
  const { done } = await ask(page, QUESTION);
  const config = await (await page.request.get('/v1/config')).json();

  await ui.button('Porozmawiaj z pracownikiem').first().click();
  const heading = page.locator('okienko-chat').getByRole('heading', { name: 'Porozmawiaj z pracownikiem' });
  await heading.waitFor();
  assert.equal((await focused(page)).tag, 'h3', 'focus moves to the hand-off view');
  const card = page.locator('okienko-chat .contact');
  await card.locator('dl').waitFor();
  const shown = squash(await card.innerText());
  // Exactly what the API configured: present fields shown, absent ones not made up.
  for (const [field, label] of [['phone', 'Telefon'], ['email', 'E-mail'], ['address', 'Adres'], ['hours', 'Godziny pracy'], ['url', 'Strona internetowa']]) {
    if (config.cus[field]) assert.ok(shown.includes(config.cus[field]), `${field} shown`);
    else assert.ok(!shown.includes(label), `${field} is not configured, so not shown`);
  }
  if (config.cus.phone) {
    assert.equal(await card.getByRole('link', { name: config.cus.phone }).getAttribute('href'), `tel:${config.cus.phone.replace(/[^\d+]/g, '')}`);
  }

  const sent = [];
  page.on('request', (r) => { if (r.url().endsWith('/v1/handoff')) sent.push(r); });
  const form = page.locator('okienko-chat form:has(input[name="email"])');
  // Who receives the data, what for and for how long, before anything is typed.
  const dataNotice = form.locator('.data-notice');
  await dataNotice.waitFor();
  assert.ok(squash(await dataNotice.innerText()).includes(squash(config.callback_notice)), 'the data notice is the configured one');
  assert.match(config.callback_notice, /przechowywane \d+ dni/);
  await form.getByRole('textbox', { name: 'Imię' }).fill('Jan');
  await form.getByRole('textbox', { name: 'E-mail' }).fill('jan@');
  await form.getByRole('button', { name: 'Poproś o kontakt' }).click();
  await form.getByText('Wpisz adres e-mail w postaci').waitFor();
  assert.equal(await form.getByRole('textbox', { name: 'E-mail' }).getAttribute('aria-invalid'), 'true');
  assert.equal((await focused(page)).tag, 'input', 'focus goes to the field to correct');
  assert.equal(sent.length, 0, 'nothing is sent while the e-mail is malformed');

  const phone = '+48 600 000 000';
  await form.getByRole('textbox', { name: 'E-mail' }).fill('jan@example.org');
  await form.getByRole('textbox', { name: 'Telefon' }).fill(phone);
  await form.getByRole('textbox', { name: 'W jakiej sprawie? (nieobowiązkowe)' }).fill('Proszę o telefon w sprawie dodatku.');
  const replied = page.waitForResponse((r) => r.url().endsWith('/v1/handoff'));
  await form.getByRole('button', { name: 'Poproś o kontakt' }).click();
  const response = await replied;
  assert.equal(response.status(), 200);
  assert.deepEqual(response.request().postDataJSON(), {
    session_id: done.session_id, name: 'Jan', phone, email: 'jan@example.org',
    message: 'Proszę o telefon w sprawie dodatku.',
  });
  const reply = await response.json();
  assert.equal(reply.callback_recorded, true, reply.message);
  const notice = page.locator('okienko-chat .notice:not(#okienko-notice)'); // not the AI notice
  await notice.waitFor();
  assert.equal(squash(await notice.innerText()), squash(reply.message));
  assert.equal(await form.isVisible(), false, 'the form goes once the request is kept');

  await ui.button('Wróć do rozmowy').click();
  await ui.question.waitFor();
  assert.match((await focused(page)).name, /Porozmawiaj z pracownikiem/);
  await browser.close();
  return { phone, session_id: done.session_id };
}

/**
 * "Nowa rozmowa" starts afresh in the browser and keeps the old conversation on the server (a
 * callback request made in it must not be cancelled); "Usuń rozmowę" erases it there too.
 */
export async function newConversation(ctx) {
  const browser = await openDemo(ctx);
  const { page } = browser;
  const ui = widget(page);
  await ui.launcher.click();
  const first = await ask(page, QUESTION);

  const deletes = [];
  page.on('request', (r) => { if (r.method() === 'DELETE') deletes.push(r.url()); });
  await ui.button('Nowa rozmowa').click();
  await page.locator('okienko-chat [aria-live="polite"]', { hasText: 'Rozpoczęto nową rozmowę.' }).waitFor();
  assert.deepEqual(deletes, [], 'a new conversation does not erase the old one');
  assert.equal(await ui.answers.count(), 0);
  assert.equal(await stored(page, 'okienko:session'), null);
  assert.equal(await stored(page, 'okienko:transcript'), null);
  assert.equal((await focused(page)).tag, 'textarea');
  const kept = await page.request.get(`/v1/sessions/${first.done.session_id}`);
  assert.equal(kept.status(), 200, 'the server keeps the old conversation until it expires');

  const second = await ask(page, QUESTION);
  assert.equal(second.request.session_id, null, 'the new conversation starts without the old id');
  assert.notEqual(second.done.session_id, first.done.session_id);

  // Erasing asks first; the safe choice has the focus, and cancelling erases nothing.
  await ui.button('Usuń rozmowę').click();
  const confirm = page.locator('okienko-chat [role="group"]', { hasText: 'Tego nie da się cofnąć.' });
  await confirm.waitFor();
  assert.equal((await focused(page)).name, 'Anuluj');
  await ui.button('Anuluj').click();
  await confirm.waitFor({ state: 'hidden' });
  assert.deepEqual(deletes, [], 'cancelling erases nothing');
  assert.equal((await focused(page)).name, 'Usuń rozmowę');
  assert.equal(await ui.answers.count(), 1, 'cancelling keeps the conversation on screen');

  const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE');
  await ui.button('Usuń rozmowę').click();
  await ui.button('Tak, usuń').click();
  const erased = await deleted;
  assert.equal(erased.status(), 204);
  assert.ok(erased.url().endsWith(`/v1/sessions/${second.done.session_id}`), erased.url());
  await page.locator('okienko-chat [aria-live="polite"]', { hasText: 'Rozmowa została usunięta.' }).waitFor();
  assert.equal(await ui.answers.count(), 0);
  const gone = await page.request.get(`/v1/sessions/${second.done.session_id}`);
  assert.equal(gone.status(), 404, 'the server no longer has the erased conversation');
  await browser.close();
  return {};
}

/** Everything with the keyboard alone: Tab, Shift+Tab, Enter, Space, Escape. */
export async function keyboard(ctx) {
  const browser = await openDemo(ctx);
  const { page } = browser;
  const ui = widget(page);

  const launcher = await tabTo(page, (f) => f.inWidget && f.name.includes('Zapytaj Okienko'));
  assertVisibleFocus(launcher);
  await page.keyboard.press('Enter');
  await ui.panel.waitFor({ state: 'visible' });
  assert.equal((await focused(page)).tag, 'textarea');

  const { done } = await ask(page, QUESTION, { typed: true });
  assert.ok(done.citations.length > 0);
  assert.equal((await focused(page)).tag, 'textarea', 'focus stays in the question box');

  // Back from the question box into the answer: the last source's toggle comes before the thumbs.
  const toggle = await tabTo(page, (f) => f.classes.includes('source-toggle'), { back: true });
  assertVisibleFocus(toggle);
  assert.equal(toggle.expanded, 'false');
  await page.keyboard.press('Enter');
  assert.equal((await focused(page)).expanded, 'true', 'Enter opens the footnote');
  await page.locator('okienko-chat .source-body:visible blockquote').waitFor();
  await page.keyboard.press('Space');
  assert.equal((await focused(page)).expanded, 'false', 'Space closes it again');

  const thumb = await tabTo(page, (f) => f.name === 'Tak, pomocna');
  assertVisibleFocus(thumb);
  const rated = page.waitForResponse((r) => r.url().endsWith('/v1/feedback'));
  await page.keyboard.press('Enter');
  assert.equal((await rated).status(), 202);

  const handoffButton = await tabTo(page, (f) => f.name === 'Porozmawiaj z pracownikiem' && f.classes.includes('link-button'));
  assertVisibleFocus(handoffButton);
  await page.keyboard.press('Enter');
  assert.equal((await focused(page)).tag, 'h3');
  const nameField = await tabTo(page, (f) => f.tag === 'input');
  assertVisibleFocus(nameField);

  await page.keyboard.press('Escape');
  await ui.panel.waitFor({ state: 'hidden' });
  const back = await focused(page);
  assert.ok(back?.inWidget && back.name.includes('Zapytaj Okienko'), `Escape returns focus to the launcher, not ${JSON.stringify(back)}`);
  assert.equal(await ui.launcher.getAttribute('aria-expanded'), 'false');

  await page.keyboard.press('Enter');
  await ui.panel.waitFor({ state: 'visible' });
  assert.equal((await focused(page)).tag, 'textarea', 'reopening shows the conversation, cursor in the box');
  const close = await tabTo(page, (f) => f.name === 'Zamknij asystenta', { back: true });
  assertVisibleFocus(close);
  await page.keyboard.press('Enter');
  await ui.panel.waitFor({ state: 'hidden' });
  assert.ok((await focused(page))?.name.includes('Zapytaj Okienko'), 'closing returns focus to the launcher');
  await browser.close();
  return {};
}

/** Desktop, phone and 200 % zoom: the panel fits; screenshots for a person to look at. */
export async function screenshots(ctx) {
  const shots = [];
  const cases = [
    { name: 'widget-desktop', viewport: { width: 1280, height: 800 }, full: false },
    { name: 'widget-phone', viewport: { width: 390, height: 844 }, full: true, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
    // 1280×800 at 200 % zoom leaves 640×400 CSS pixels.
    { name: 'widget-zoom200', viewport: { width: 640, height: 400 }, full: true },
  ];
  for (const { name, full, ...options } of cases) {
    const browser = await openDemo(ctx, options);
    const { page } = browser;
    const ui = widget(page);
    await ui.launcher.click();
    await ui.panel.waitFor({ state: 'visible' });
    const box = await ui.panel.boundingBox();
    const { width, height } = options.viewport;
    if (full) {
      assert.deepEqual(box, { x: 0, y: 0, width, height }, `${name}: the panel fills the screen`);
      assert.equal(await ui.panel.getAttribute('aria-modal'), 'true');
      assert.equal(await ui.launcher.isVisible(), false);
    } else {
      assert.ok(box.width <= 420 && box.x + box.width <= width && box.y >= 0, `${name}: ${JSON.stringify(box)}`);
      assert.equal(await ui.panel.getAttribute('aria-modal'), 'false');
    }
    await ask(page, QUESTION);
    await ui.answers.last().locator('.source-toggle').first().click();
    // Nothing sticks out sideways, and the question box and send button stay on screen.
    const overflow = await page.evaluate(() => {
      const root = document.querySelector('okienko-chat').shadowRoot;
      const panel = root.querySelector('.panel');
      return [panel, ...panel.querySelectorAll('.messages, .answer, .sources, .composer')]
        .filter((node) => node.scrollWidth > node.clientWidth + 1)
        .map((node) => node.className);
    });
    assert.deepEqual(overflow, [], `${name}: horizontal overflow`);
    for (const part of [ui.question, ui.button('Wyślij')]) {
      const b = await part.boundingBox();
      assert.ok(b && b.y >= 0 && b.y + b.height <= height + 1 && b.x + b.width <= width + 1, `${name}: ${JSON.stringify(b)}`);
    }
    if (full) {
      // Full-screen, the panel is modal: Tab from its last control comes back to its first.
      await ui.button('Usuń rozmowę').focus();
      await page.keyboard.press('Tab');
      assert.ok((await focused(page)).inWidget, `${name}: Tab left the full-screen panel`);
    }
    const file = path.join(ctx.artifacts, `${name}.png`);
    await page.screenshot({ path: file });
    shots.push(file);
    await browser.close();
  }
  return { screenshots: shots };
}

/** axe-core on the demo page: closed, open with an answer and a footnote, the hand-off view. */
export async function axeDemo(ctx) {
  const browser = await openDemo(ctx);
  const { page } = browser;
  const ui = widget(page);
  const report = {};
  report.closed = await axeScan(page, 'demo-closed', ctx.artifacts);
  assertNoSeriousViolations(report.closed, 'the demo page');

  await ui.launcher.click();
  await ask(page, QUESTION);
  const answer = ui.answers.last();
  await answer.locator('.source-toggle').first().click();
  await answer.getByRole('button', { name: 'Nie, niepomocna' }).click();
  await answer.locator('form.comment').waitFor();
  report.answer = await axeScan(page, 'demo-widget-answer', ctx.artifacts);
  assertNoSeriousViolations(report.answer, 'the open widget with an answer');

  await ui.button('Porozmawiaj z pracownikiem').first().click();
  await page.locator('okienko-chat .contact dl').waitFor();
  report.handoff = await axeScan(page, 'demo-widget-handoff', ctx.artifacts);
  assertNoSeriousViolations(report.handoff, 'the hand-off view');
  await browser.close();
  return { axe: report };
}

/** Failures reach the resident in Polish: an error event, 429, no network, a cut stream. */
export async function errors(ctx) {
  const browser = await openDemo(ctx);
  const { page } = browser;
  const ui = widget(page);
  await ui.launcher.click();

  // An empty question is not sent.
  let sent = 0;
  page.on('request', (r) => { if (r.url().endsWith('/v1/chat/stream')) sent += 1; });
  await ui.question.press('Enter');
  await page.locator('okienko-chat').getByText('Wpisz pytanie.').waitFor();
  assert.equal(await ui.question.getAttribute('aria-invalid'), 'true');
  assert.equal(sent, 0);

  const sse = (...events) => events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
  const cases = [
    {
      reply: { status: 200, contentType: 'text/event-stream', body: sse(['token', { text: 'Zaczynam ' }], ['error', { code: 'internal_error', message: 'Przepraszamy, wystąpił błąd (test).' }]) },
      shown: 'Przepraszamy, wystąpił błąd (test).',
    },
    {
      reply: { status: 429, contentType: 'application/json', headers: { 'Retry-After': '30' }, body: JSON.stringify({ error: { code: 'rate_limited', message: 'Zadano zbyt wiele pytań w krótkim czasie.' } }) },
      shown: 'Zadano zbyt wiele pytań w krótkim czasie. Możesz spróbować ponownie za 30 s.',
    },
    {
      // The API's own wording names the wait: the widget does not say it a second time.
      reply: { status: 429, contentType: 'application/json', headers: { 'Retry-After': '45' }, body: JSON.stringify({ error: { code: 'rate_limited', message: 'Zadano zbyt wiele pytań w krótkim czasie. Odczekaj chwilę (około 45 s) i spróbuj ponownie.' } }) },
      shown: 'Zadano zbyt wiele pytań w krótkim czasie. Odczekaj chwilę (około 45 s) i spróbuj ponownie.',
      once: '45 s',
    },
    {
      // A person in danger: the service puts the numbers first in any error (rag/crisis).
      reply: { status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'index_not_ready', message: 'Zadzwoń teraz pod numer alarmowy 112.\nMożesz też zadzwonić:\n- 116 123 – kryzysowy telefon zaufania dla dorosłych.\n\nAsystent jest właśnie przygotowywany.' }, crisis: { level: 'acute', kinds: ['suicide'], help: 'Zadzwoń teraz pod numer alarmowy 112.' } }) },
      shown: '116 123 – kryzysowy telefon zaufania dla dorosłych.',
    },
    { abort: true, shown: 'Nie udało się połączyć z Okienkiem. Sprawdź połączenie z internetem i spróbuj ponownie.' },
    {
      reply: { status: 200, contentType: 'text/event-stream', body: sse(['token', { text: 'Urwana odpo' }]) },
      shown: 'Odpowiedź została przerwana. Spróbuj zadać pytanie jeszcze raz.',
    },
  ];
  for (const { reply, abort, shown, once } of cases) {
    await page.unroute('**/v1/chat/stream');
    await page.route('**/v1/chat/stream', (route) => (abort ? route.abort('connectionrefused') : route.fulfill(reply)));
    await ui.question.fill(QUESTION);
    await ui.question.press('Enter');
    const bubble = page.locator('okienko-chat article.msg.error').last();
    await bubble.getByText(shown).waitFor();
    await page.locator('okienko-chat [aria-live="polite"]', { hasText: shown }).waitFor();
    if (once) assert.equal((await bubble.innerText()).split(once).length - 1, 1, `${once} said more than once`);
    // Nothing typed is lost: the question is back in the box, ready to send again.
    assert.equal(await ui.question.inputValue(), QUESTION, `${shown}: the question was lost`);
    await ui.question.fill('');
  }

  // The model broke off midway: one `error` (generation_interrupted), then `done` with the
  // answer from the materials, which replaces what was streamed; no error bubble stays.
  const extractive = {
    answer: 'Dodatek mieszkaniowy przyznaje się na 6 miesięcy [1].', refused: false, reason: null, mode: 'extractive',
    session_id: 'abcdefgh12', answer_id: 'x2',
    citations: [{ n: 1, title: 'Dodatek mieszkaniowy', label: 'Art. 7', source: null, quote: 'na okres 6 miesięcy', valid_from: null }],
  };
  await page.unroute('**/v1/chat/stream');
  await page.route('**/v1/chat/stream', (route) => route.fulfill({
    status: 200,
    contentType: 'text/event-stream',
    body: sse(['token', { text: 'Model zaczął pisać ' }], ['error', { code: 'generation_interrupted', message: 'Odpowiedź została przerwana.' }], ['done', extractive]),
  }));
  await ui.question.fill(QUESTION);
  await ui.question.press('Enter');
  const replaced = ui.answers.last();
  await replaced.getByText('przyznaje się na 6 miesięcy', { exact: false }).waitFor();
  assert.equal(await replaced.getByText('Model zaczął pisać', { exact: false }).count(), 0);
  assert.equal(await replaced.evaluate((node) => node.classList.contains('error')), false);

  // Server text is text: markup in an answer or a citation is shown, never run.
  const hostile = '<img src=x onerror="window.pwned=1"> Odpowiedź [1]';
  const done = {
    answer: hostile, refused: false, reason: null, mode: 'llm', session_id: 'abcdefgh12', answer_id: 'x1',
    citations: [{ n: 1, title: '<b>Tytuł</b>', label: '<script>window.pwned=2</script>', source: 'javascript:alert(1)', quote: '<i>cytat</i>', valid_from: null }],
  };
  await page.unroute('**/v1/chat/stream');
  await page.route('**/v1/chat/stream', (route) => route.fulfill({ status: 200, contentType: 'text/event-stream', body: sse(['done', done]) }));
  await ui.question.fill(QUESTION);
  await ui.question.press('Enter');
  const last = ui.answers.last();
  await last.getByText('<img src=x', { exact: false }).waitFor();
  await last.locator('.source-toggle').click();
  assert.equal(await last.locator('img, b, i, script').count(), 0, 'no element came from server text');
  assert.equal(await last.locator('a[href^="javascript"]').count(), 0, 'a non-web source is not a link');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await browser.close();
  return {};
}

/**
 * A refusal with questions the base answers: they are buttons, not text, and one press asks it;
 * axe finds nothing serious in them.
 */
export async function suggestions(ctx) {
  const browser = await openDemo(ctx);
  const { page } = browser;
  const ui = widget(page);
  await ui.launcher.click();
  const lead = 'Na takie pytania materiały CUS odpowiadają – może któreś jest bliskie Twojemu:';
  const offered = [
    { question: 'Czy gmina zwróci mi za remont mieszkania?', title: 'Naprawy w mieszkaniu' },
    { question: 'Kto płaci za naprawę w mieszkaniu komunalnym?', title: 'Naprawy w mieszkaniu' },
  ];
  const refused = {
    answer: `Nie znalazłem w materiałach Centrum Usług Społecznych informacji, która pozwalałaby rzetelnie odpowiedzieć na to pytanie, więc nie będę zgadywać. Skontaktuj się z CUS.\n\n${lead}\n${offered.map((o) => `- ${o.question}`).join('\n')}`,
    refused: true, reason: 'no_support', mode: 'extractive', session_id: 'abcdefgh12', answer_id: 's1',
    citations: [], crisis: { level: 'none', kinds: [] }, suggestions: offered,
  };
  const body = `event: done\ndata: ${JSON.stringify(refused)}\n\n`;
  await page.route('**/v1/chat/stream', (route) => route.fulfill({ status: 200, contentType: 'text/event-stream', body }));
  await ui.question.fill('Pękła rura w ścianie, administracja każe mi płacić. Czy to moja działka?');
  await ui.question.press('Enter');
  const answer = ui.answers.last();
  const group = answer.getByRole('group', { name: 'Możesz zapytać:' });
  await group.waitFor();
  const buttons = group.getByRole('button');
  assert.deepEqual(await buttons.allInnerTexts(), offered.map((o) => o.question));
  assert.equal(await buttons.first().getAttribute('lang'), 'pl');
  // Shown once, as buttons: the lines of the text are gone from the answer.
  assert.equal(await answer.locator('.answer').getByText(lead).count(), 0);
  assert.ok((await answer.locator('.answer').innerText()).startsWith('Nie znalazłem'));
  const report = await axeScan(page, 'widget-suggestions', ctx.artifacts);
  assertNoSeriousViolations(report, 'the offered questions');

  await page.unroute('**/v1/chat/stream');
  const asked = page.waitForRequest((r) => r.url().endsWith('/v1/chat/stream'));
  await buttons.first().click();
  assert.equal((await asked).postDataJSON().message, offered[0].question);
  await page.locator('okienko-chat .msg.user').last().getByText(offered[0].question).waitFor();
  await browser.close();
  return { axe: { suggestions: report } };
}

/**
 * The interface in the resident's language: Ukrainian from the browser, a switch to English that
 * keeps the conversation and survives a reload, Polish sources marked as Polish, and axe clean.
 */
export async function languages(ctx) {
  const browser = await openDemo(ctx, { locale: 'uk-UA', viewport: { width: 390, height: 844 } });
  const { page } = browser;
  const chat = page.locator('okienko-chat');
  const launcher = chat.locator('.launcher');
  assert.equal(squash(await launcher.innerText()), 'Запитати Okienko');
  assert.equal(await chat.locator('.root').getAttribute('lang'), 'uk');
  await launcher.click();
  // Before the first question: the AI notice in the resident's language describes the panel.
  const described = await chat.locator('.panel').getAttribute('aria-describedby');
  assert.ok((await chat.locator(`#${described}`).innerText()).startsWith('Я помічник на основі штучного інтелекту'));
  await ask(page, QUESTION, {
    box: page.getByRole('textbox', { name: 'Ваше запитання' }),
    announced: 'Відповідь Okienko:',
  });
  const answer = chat.locator('article.msg.bot').last();
  assert.equal(await answer.locator('.sources h3').innerText(), 'Джерела');
  await answer.locator('.source-toggle').first().click();
  // The knowledge base is Polish: its quotes are marked so, inside a Ukrainian interface.
  assert.equal(await answer.locator('blockquote').first().getAttribute('lang'), 'pl');
  assert.equal(await answer.locator('.source-toggle .text').first().getAttribute('lang'), 'pl');
  const rated = page.waitForResponse((r) => r.url().endsWith('/v1/feedback'));
  await answer.getByRole('button', { name: 'Так, корисна' }).click();
  assert.equal((await rated).status(), 202);
  const report = { uk: await axeScan(page, 'widget-uk', ctx.artifacts) };
  assertNoSeriousViolations(report.uk, 'the widget in Ukrainian');

  // The switch names each language in itself; choosing one rebuilds the panel with the answer
  // and the question being typed.
  const switcher = chat.getByRole('group', { name: 'Мова' });
  const names = await switcher.getByRole('button').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label')));
  assert.deepEqual(names, ['PL: Polski', 'UA: Українська', 'EN: English']);
  assert.equal(await switcher.getByRole('button', { name: 'Українська' }).getAttribute('aria-pressed'), 'true');
  await page.getByRole('textbox', { name: 'Ваше запитання' }).fill('Ile wynosi');
  await switcher.getByRole('button', { name: 'English' }).click();
  await chat.getByRole('button', { name: 'New conversation', exact: true }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Your question' }).inputValue(), 'Ile wynosi');
  // The AI notice, in English now, still describes the panel (read out when it opens).
  const panel = chat.locator('.panel');
  const notice = chat.locator(`#${await panel.getAttribute('aria-describedby')}`);
  assert.ok((await notice.innerText()).startsWith('I am an assistant based on artificial intelligence (AI), not a person.'));
  assert.equal(await chat.getByRole('button', { name: 'English' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await chat.locator('article.msg.bot .answer').getAttribute('lang'), 'pl');
  assert.equal(await chat.locator('.root').getAttribute('lang'), 'en');
  assert.equal(await chat.locator('article.msg.bot').count(), 1, 'the conversation stays');
  assert.equal(await chat.locator('article.msg.bot .sources h3').innerText(), 'Sources');
  // The rating given before the switch shows as given, in the new language; not asked again.
  const rebuilt = chat.locator('article.msg.bot').last();
  assert.equal(await rebuilt.getByRole('button', { name: 'Yes, helpful' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await rebuilt.getByRole('button', { name: 'No, not helpful' }).getAttribute('aria-pressed'), 'false');
  await rebuilt.getByText('Thank you for your rating.').waitFor();
  assert.equal((await focused(page)).name, 'EN: English', 'the focus stays on the switch');
  report.en = await axeScan(page, 'widget-en', ctx.artifacts);
  assertNoSeriousViolations(report.en, 'the widget in English');
  // The calculators' form speaks English too, naming each benefit's Polish term.
  await chat.getByRole('button', { name: 'Check what you are entitled to' }).click();
  const benefit = chat.getByRole('combobox', { name: 'Benefit' });
  await benefit.locator('option', { hasText: '(zasiłek stały)' }).waitFor({ state: 'attached' });
  await benefit.selectOption('zasilek_staly');
  const age = chat.locator('.calc-form label').filter({ hasText: /^Age/ });
  assert.equal(await age.count(), 1, 'the fields are labelled in English');
  await chat.getByLabel('Number of people in the household').fill('1');
  await chat.getByLabel('Monthly net income of the whole household (zł)').fill('600');
  await chat.getByLabel('Age in full years').fill('70');
  await chat.getByRole('button', { name: 'Check', exact: true }).click();
  // The working quotes the law: it stays Polish, and is marked so for a screen reader.
  const summary = chat.locator('.calc-summary');
  await summary.waitFor();
  assert.equal(await summary.getAttribute('lang'), 'pl');
  assert.equal(await chat.locator('.calc-steps').getAttribute('lang'), 'pl');
  report.calculator = await axeScan(page, 'calculator-en', ctx.artifacts);
  assertNoSeriousViolations(report.calculator, 'the calculator in English');
  await chat.getByRole('button', { name: 'Back to the conversation' }).click();

  // The choice is kept in this tab: after a reload the launcher speaks English.
  await page.reload();
  await launcher.waitFor();
  assert.equal(squash(await launcher.innerText()), 'Ask Okienko');
  await launcher.click();
  await chat.getByRole('button', { name: 'Polski' }).click();
  await chat.getByRole('button', { name: 'Nowa rozmowa', exact: true }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('okienko:lang')), '"pl"');
  await page.screenshot({ path: path.join(ctx.artifacts, 'widget-languages.png') });
  await browser.close();
  return { axe: report };
}

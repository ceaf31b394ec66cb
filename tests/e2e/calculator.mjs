// The benefit calculators: the widget's "Sprawdź, czy Ci przysługuje" form on a phone, by
// keyboard alone, and the same form in the staff console with "Kopiuj do notatki".
import assert from 'node:assert/strict';
import path from 'node:path';

import {
  assertNoSeriousViolations,
  assertVisibleFocus,
  axeScan,
  focused,
  openBrowser,
  openConsole,
  tabTo,
} from './browser.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const squash = (text) => text.replace(/\s+/g, ' ').trim();

function polishDate(iso) {
  return new Intl.DateTimeFormat('pl-PL', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}

/** The focused element inside the widget: its id, aria-invalid and description's element ids. */
function active(page) {
  return page.evaluate(() => {
    let node = document.activeElement;
    while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
    const root = node.getRootNode();
    const describedBy = (node.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    return {
      tag: node.tagName.toLowerCase(),
      invalid: node.getAttribute('aria-invalid'),
      label: root.querySelector(`label[for="${node.id}"]`)?.textContent || null,
      described: describedBy.map((id) => root.getElementById(id)?.textContent || ''),
    };
  });
}

/** Presses ArrowDown on a focused, closed <select> until it holds `value` (as a keyboard user). */
async function arrowTo(page, locator, value) {
  for (let i = 0; i < 12 && (await locator.inputValue()) !== value; i += 1) await page.keyboard.press('ArrowDown');
  assert.equal(await locator.inputValue(), value);
}

/** Submits with Enter and returns the API's response. */
async function submitWithEnter(page) {
  const answered = page.waitForResponse((r) => r.url().includes('/v1/calculators/') && r.request().method() === 'POST');
  await page.keyboard.press('Enter');
  return answered;
}

/** Nothing sticks out sideways: every element ends inside the viewport, no box scrolls sideways. */
function overflow(page, width) {
  return page.evaluate((limit) => {
    const root = document.querySelector('okienko-chat').shadowRoot;
    const panel = root.querySelector('.panel');
    return [panel, ...panel.querySelectorAll('*')]
      .filter((node) => !node.closest('.sr-only') && node.getClientRects().length)
      .filter((node) => node.getBoundingClientRect().right > limit + 1
        || (getComputedStyle(node).overflowX !== 'visible' && node.scrollWidth > node.clientWidth + 1))
      .map((node) => `${node.tagName.toLowerCase()}.${node.className}`);
  }, width);
}

/** The resident's widget at 390 px: choose, get errors by the fields, add children, a result. */
export async function calculator(ctx) {
  const browser = await openBrowser({ base: ctx.base, ...PHONE });
  const { page } = browser;
  await page.goto('/demo');
  const host = page.locator('okienko-chat');
  await host.locator('.launcher').waitFor();
  await tabTo(page, (f) => f.inWidget && f.name.includes('Zapytaj Okienko'));
  await page.keyboard.press('Enter');
  await host.locator('.panel').waitFor({ state: 'visible' });

  const entry = await tabTo(page, (f) => f.name === 'Sprawdź, czy Ci przysługuje');
  assertVisibleFocus(entry);
  await page.keyboard.press('Enter');
  const heading = await focused(page);
  assert.equal(heading.tag, 'h3', 'focus moves to the calculators view');
  assert.equal(heading.name, 'Sprawdź, czy Ci przysługuje');

  const choose = host.getByRole('combobox', { name: 'Świadczenie' });
  await choose.locator('option[value="zasilek_rodzinny"]').waitFor({ state: 'attached' });
  const select = await tabTo(page, (f) => f.tag === 'select');
  assertVisibleFocus(select);
  await arrowTo(page, choose, 'zasilek_rodzinny');
  const form = host.locator('form.calc-form');
  await form.waitFor();
  const listing = await (await page.request.get('/v1/calculators')).json();
  const schema = listing.calculators.find((c) => c.name === 'zasilek_rodzinny').input_schema;
  // Every field of the schema is there, labelled by its title, numbers typed with the right keypad.
  for (const [field, spec] of Object.entries(schema.properties)) {
    if (field === 'children') continue;
    const control = form.getByLabel(spec.title, { exact: true });
    assert.equal(await control.count(), 1, `${field} is labelled "${spec.title}"`);
    if (field.endsWith('_size')) assert.equal(await control.getAttribute('inputmode'), 'numeric');
    if (field.includes('income')) assert.equal(await control.getAttribute('inputmode'), 'decimal');
  }
  assert.equal(squash(await form.locator('fieldset.calc-list > legend').innerText()), schema.properties.children.title);

  // Bad values: each field gets the API's Polish message beside it, focus goes to the first.
  await tabTo(page, (f) => f.tag === 'input');
  await page.keyboard.type('0');
  await tabTo(page, (f) => f.tag === 'input');
  await page.keyboard.type('dużo');
  const refused = await submitWithEnter(page);
  assert.equal(refused.status(), 422);
  const { fields } = (await refused.json()).error;
  await host.getByText(fields.family_size).waitFor();
  const first = await active(page);
  assert.equal(first.label, schema.properties.family_size.title, 'focus is on the first field to correct');
  assert.equal(first.invalid, 'true');
  assert.ok(first.described.includes(fields.family_size), `the error describes the field: ${JSON.stringify(first.described)}`);
  const income = form.getByLabel(schema.properties.family_income_monthly.title, { exact: true });
  assert.equal(await income.getAttribute('aria-invalid'), 'true');
  await host.locator('[aria-live="polite"]', { hasText: 'Popraw zaznaczone pola.' }).waitFor();
  const errors = await axeScan(page, 'calculator-errors', ctx.artifacts);
  assertNoSeriousViolations(errors, 'the calculator form with errors');

  // Corrected, with two children added from the keyboard; the second needs its schooling.
  await page.keyboard.press('Control+A');
  await page.keyboard.type('3');
  await tabTo(page, (f) => f.tag === 'input');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2000');
  for (const age of ['5', '19']) {
    const add = await tabTo(page, (f) => f.name === 'Dodaj: dziecko');
    assertVisibleFocus(add);
    await page.keyboard.press('Enter');
    assert.match((await active(page)).label, /^Wiek dziecka w pełnych latach/, 'focus goes into the new child');
    await page.keyboard.type(age);
  }
  assert.deepEqual(await form.locator('fieldset.calc-item > legend').allInnerTexts(), ['Dziecko 1', 'Dziecko 2']);
  await tabTo(page, (f) => f.name === 'Sprawdź');
  const unknown = await submitWithEnter(page);
  assert.equal(unknown.status(), 200);
  const asked = await unknown.json();
  assert.equal(asked.result, 'unknown');
  assert.deepEqual(asked.missing, [{ name: 'children.1.education', title: 'Dziecko 2: nauka dziecka' }]);
  await host.locator('.calc-summary', { hasText: asked.summary }).waitFor();

  const schooling = host.locator('fieldset.calc-item').nth(1).getByRole('combobox', { name: 'Nauka dziecka' });
  await tabTo(page, (f) => f.tag === 'select' && f.name.includes('Uczy się w szkole'), { back: true });
  assert.equal(await schooling.evaluate((node) => node === node.getRootNode().activeElement), true);
  await arrowTo(page, schooling, 'szkola');
  await tabTo(page, (f) => f.name === 'Sprawdź');
  const answered = await submitWithEnter(page);
  assert.equal(answered.status(), 200);
  const request = answered.request().postDataJSON();
  const result = await answered.json();

  // The result first, then the working with its provisions, the date, the notice.
  const shown = host.locator('section.calc-result');
  await shown.locator('.calc-summary', { hasText: result.summary }).waitFor();
  const focus = await focused(page);
  assert.deepEqual([focus.tag, focus.name], ['h4', 'Wynik'], 'focus moves to the result');
  const order = await shown.evaluate((node) => [...node.children].map((child) => child.className || child.tagName.toLowerCase()));
  assert.deepEqual(order, ['h4', 'calc-summary', 'h4', 'calc-steps', 'calc-on', 'notice warn']);
  const steps = await shown.locator('.calc-steps > li').allInnerTexts();
  assert.equal(steps.length, result.steps.length);
  result.steps.forEach((step, i) => {
    assert.ok(squash(steps[i]).startsWith(squash(step.text)), steps[i]);
    if (step.provision) assert.ok(squash(steps[i]).endsWith(squash(`Przepis: ${step.provision}`)), steps[i]);
  });
  assert.equal(await shown.locator('.calc-on').innerText(), `Kwoty i kryteria na dzień ${polishDate(result.on)}.`);
  assert.equal(await shown.locator('.notice').innerText(), result.notice);
  await host.locator('[aria-live="polite"]', { hasText: `Wynik: ${result.summary}` }).waitFor();
  assert.deepEqual(await overflow(page, PHONE.viewport.width), [], 'nothing overflows at 390 px');
  // The result is scrolled into its own view; the panel (and its header) stays where it is.
  assert.deepEqual(await host.locator('.panel').evaluate((node) => [node.scrollTop, node.scrollLeft]), [0, 0]);
  const headingBox = await shown.locator('h4').first().boundingBox();
  assert.ok(headingBox.y > 0 && headingBox.y < PHONE.viewport.height / 2, `the result starts on screen: ${JSON.stringify(headingBox)}`);
  const withResult = await axeScan(page, 'calculator-result', ctx.artifacts);
  assertNoSeriousViolations(withResult, 'the calculator with a result');
  const file = path.join(ctx.artifacts, 'calculator-phone.png');
  await page.screenshot({ path: file });

  // Removing a child renumbers the rest; focus stays in the list.
  await tabTo(page, (f) => f.name === 'Usuń: dziecko 1', { back: true });
  await page.keyboard.press('Enter');
  assert.deepEqual(await form.locator('fieldset.calc-item > legend').allInnerTexts(), ['Dziecko 1']);
  assert.equal((await focused(page)).name, 'Dodaj: dziecko');
  await host.locator('[aria-live="polite"]', { hasText: 'Usunięto: dziecko 1.' }).waitFor();

  // Back to the chat, to the button that opened the form; Escape closes the panel.
  await tabTo(page, (f) => f.name === 'Wróć do rozmowy');
  await page.keyboard.press('Enter');
  assert.equal((await focused(page)).name, 'Sprawdź, czy Ci przysługuje');
  await page.keyboard.press('Escape');
  await host.locator('.panel').waitFor({ state: 'hidden' });
  await browser.close();
  return { request, result, screenshots: [file], axe: { errors, result: withResult } };
}

/** The staff console: the same form with the application date, and "Kopiuj do notatki". */
export async function consoleCalculator(ctx) {
  const browser = await openConsole(ctx);
  const { page } = browser;
  await page.getByLabel('Klucz API').fill(ctx.apiKey);
  await page.keyboard.press('Enter');
  const calculator = page.locator('okienko-calculator');
  await calculator.waitFor();
  assert.equal(await page.locator('okienko-chat').count(), 0, 'the console has no chat launcher');

  const choose = calculator.getByRole('combobox', { name: 'Świadczenie' });
  await choose.locator('option[value="zasilek_staly"]').waitFor({ state: 'attached' });
  await choose.selectOption('zasilek_staly');
  await calculator.getByLabel('Dzień złożenia wniosku', { exact: true }).fill('2025-03-01');
  await calculator.getByLabel('Liczba osób w gospodarstwie domowym', { exact: true }).fill('1');
  await calculator.getByLabel('Dochód netto całego gospodarstwa miesięcznie (zł)', { exact: true }).fill('600');
  await calculator.getByLabel('Wiek w pełnych latach', { exact: true }).fill('70');
  await calculator.getByLabel('Prawo do świadczenia, które wyklucza zasiłek stały', { exact: true }).selectOption('false');
  const answered = page.waitForResponse((r) => r.url().endsWith('/v1/calculators/zasilek_staly'));
  await calculator.getByRole('button', { name: 'Sprawdź' }).click();
  const response = await answered;
  assert.equal(response.status(), 200);
  assert.equal(response.request().headers()['x-api-key'], ctx.apiKey, 'staff are not rate-limited as residents');
  const request = response.request().postDataJSON();
  const result = await response.json();
  await calculator.getByRole('heading', { name: 'Wynik' }).waitFor();
  assert.equal((await focused(page)).tag, 'h3', 'the result heading sits under the card\'s h2');

  const copyNote = page.getByRole('button', { name: 'Kopiuj do notatki' });
  await copyNote.click();
  await page.getByText('Skopiowano wyliczenie do schowka.').waitFor();
  const note = await page.evaluate(() => navigator.clipboard.readText());
  const shown = await axeScan(page, 'console-calculator', ctx.artifacts);
  assertNoSeriousViolations(shown, 'the console with a calculation');
  await browser.close();
  return { request, result, note, axe: shown };
}

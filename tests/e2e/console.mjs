// The staff console: API-key login, both audiences, the draft letter, its sources, copying.
import assert from 'node:assert/strict';
import path from 'node:path';

import { assertNoSeriousViolations, axeScan, focused, openConsole } from './browser.mjs';
import { fillFrame } from './letters.mjs';

// The scripted chat model answers the caseworker's first question with a draft letter.
export const CASE_QUESTION = 'Mieszkaniec pyta, na jak długo przyznaje się dodatek mieszkaniowy i kiedy zapadnie decyzja.';
const DESK_QUESTION = 'Na jak długo przyznaje się dodatek mieszkaniowy?';

const squash = (text) => text.replace(/\s+/g, ' ').trim();

async function submitQuestion(page, text) {
  await page.getByRole('textbox', { name: /^(Pytanie|Treść pisma lub opis sprawy)$/ }).fill(text);
  const answered = page.waitForResponse((r) => r.url().endsWith('/v1/chat'));
  await page.keyboard.press('Control+Enter');
  return answered;
}

export async function staffConsole(ctx) {
  const browser = await openConsole(ctx);
  const { page } = browser;
  const keyField = page.getByLabel('Klucz API');
  await keyField.waitFor();
  assert.equal((await focused(page)).tag, 'input', 'the key field has focus');
  const login = await axeScan(page, 'console-login', ctx.artifacts);
  assertNoSeriousViolations(login, 'the console login');

  // A wrong key is refused at login: the login stays, with the reason in Polish.
  await keyField.fill('to-nie-jest-klucz');
  const checked = page.waitForResponse((r) => r.url().endsWith('/v1/letters'));
  await page.keyboard.press('Enter');
  const refused = await checked;
  assert.equal(refused.status(), 401);
  assert.equal(refused.request().headers()['x-api-key'], 'to-nie-jest-klucz');
  await page.getByRole('alert').getByText('Nieprawidłowy klucz API').waitFor();
  assert.equal(await page.locator('#workspace').isHidden(), true, 'the workspace stays hidden');
  assert.equal(await page.locator('#login').isVisible(), true);
  assert.equal((await focused(page)).tag, 'input', 'the key field has focus again');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('okienko:staff-key')), null);
  const wrongKey = path.join(ctx.artifacts, 'console-wrong-key.png');
  await page.screenshot({ path: wrongKey });
  const wrong = await axeScan(page, 'console-wrong-key', ctx.artifacts);
  assertNoSeriousViolations(wrong, 'the console login with a wrong key');

  // The right key, kept in sessionStorage only.
  await keyField.fill(ctx.apiKey);
  await page.keyboard.press('Enter');
  await page.getByRole('textbox', { name: 'Pytanie' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('okienko:staff-key')), ctx.apiKey);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing outlives the tab');

  // Caseworker mode, chosen with the arrow key as a keyboard user would.
  await page.getByRole('radio', { name: /Punkt obsługi/ }).focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByRole('radio', { name: /Pracownik merytoryczny/ }).isChecked(), true);
  await page.getByRole('button', { name: 'Przygotuj projekt pisma' }).waitFor();

  const response = await submitQuestion(page, CASE_QUESTION);
  assert.equal(response.status(), 200);
  const request = response.request();
  assert.equal(request.headers()['x-api-key'], ctx.apiKey);
  assert.deepEqual(request.postDataJSON(), { message: CASE_QUESTION, session_id: null, audience: 'urzednik' });
  const letter = await response.json();
  assert.equal(letter.refused, false, letter.answer);
  assert.ok(letter.citations.length > 0);

  const title = page.getByRole('heading', { name: 'Projekt odpowiedzi' });
  await title.waitFor();
  assert.equal((await focused(page)).name, 'Projekt odpowiedzi', 'focus moves to the result');
  assert.equal(squash(await page.locator('#draft-text').innerText()), squash(letter.answer));
  const labels = [...new Set(letter.citations.map((c) => c.label))];
  assert.deepEqual(await page.locator('#basis-list li').allInnerTexts(), labels);
  const sources = page.locator('#sources-list > li');
  assert.equal(await sources.count(), letter.citations.length);
  for (const [i, c] of letter.citations.entries()) {
    const item = sources.nth(i);
    assert.equal(squash(await item.locator('h3').innerText()), squash(`[${c.n}] ${c.label}`));
    assert.equal(await item.locator('blockquote').innerText(), `„${c.quote}”`);
  }

  // A marker in the letter takes the reader to its source beside it.
  const first = letter.citations[0];
  await page.locator('#draft-text').getByRole('button', { name: `Źródło ${first.n}` }).first().click();
  assert.equal(await page.evaluate(() => document.activeElement.id), `source-${first.n}`);
  assert.match(await page.locator(`#source-${first.n}`).getAttribute('class'), /highlight/);

  await page.getByRole('button', { name: 'Kopiuj do schowka' }).click();
  await page.getByText('Skopiowano do schowka.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(copied.startsWith('Szanowna Pani'), copied);
  assert.doesNotMatch(copied, /\[\d+\]/, 'the letter is copied without footnote markers');
  assert.ok(copied.includes(`Podstawa prawna:\n– ${labels[0]}`), copied);
  assert.ok(copied.includes('[podpis pracownika]'), 'placeholders to fill in stay');

  // A letter from a template, based on this answer: its direct answer explains the refusal.
  const refusal = 'informacja-o-odmowie-i-odwolaniu';
  await page.getByLabel('Wzór pisma').selectOption(refusal);
  const useAnswer = page.getByRole('checkbox', { name: /Oprzyj pismo na ostatniej odpowiedzi/ });
  assert.equal(await useAnswer.isChecked(), true);
  await fillFrame(page);
  await page.getByLabel('Świadczenie, którego dotyczy decyzja').fill('dodatku mieszkaniowego');
  await page.getByLabel('Numer decyzji').fill('DM.5120.3.2025');
  await page.getByLabel('Data decyzji').fill('2025-11-03');
  await page.getByLabel('Organ odwoławczy').fill('Samorządowe Kolegium Odwoławcze w Gdańsku');
  const based = page.waitForResponse((r) => r.url().endsWith(`/v1/letters/${refusal}`));
  await page.getByRole('button', { name: 'Przygotuj pismo' }).click();
  const filled = await based;
  assert.equal(filled.status(), 200, await filled.text());
  const { answer } = filled.request().postDataJSON();
  assert.equal(answer.direct_answer, letter.direct_answer);
  assert.deepEqual(answer.citations, letter.citations.map((c) => ({ provision: c.provision })));
  await page.getByRole('heading', { name: 'Pismo do sprawdzenia' }).waitFor();

  const shown = await axeScan(page, 'console-letter', ctx.artifacts);
  assertNoSeriousViolations(shown, 'the console with a draft letter');
  const file = path.join(ctx.artifacts, 'console.png');
  await page.screenshot({ path: file, fullPage: true });

  // Front desk mode: an answer rather than a letter, in the same case.
  await page.getByRole('radio', { name: /Pracownik merytoryczny/ }).focus();
  await page.keyboard.press('ArrowUp');
  const desk = await submitQuestion(page, DESK_QUESTION);
  assert.equal(desk.status(), 200);
  assert.deepEqual(desk.request().postDataJSON(), { message: DESK_QUESTION, session_id: letter.session_id, audience: 'pracownik' });
  await page.getByRole('heading', { name: 'Odpowiedź', exact: true }).waitFor();

  await page.getByRole('button', { name: 'Wyloguj' }).click();
  await keyField.waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('okienko:staff-key')), null);
  await browser.close();
  return { screenshots: [file, wrongKey], axe: { login, wrongKey: wrong, letter: shown } };
}

// The staff console's letters: a template's slots filled, a refused value marked beside its field
// with nothing typed lost, the letter edited, copied as it stands and downloaded as DOCX.
import assert from 'node:assert/strict';
import path from 'node:path';

import { assertNoSeriousViolations, axeScan, openConsole } from './browser.mjs';

const CALL = 'wezwanie-do-usuniecia-brakow';
export const LETTER_EDIT = 'Dokumenty można też złożyć w punkcie obsługi przy ul. Leczkowej.';

/** The letter's frame: place, case reference, addressee, greeting, signature. */
export async function fillFrame(page) {
  const field = (name) => page.getByLabel(name, { exact: true });
  await field('Miejscowość').fill('Gdańsk');
  await field('Znak sprawy').fill('CUS.5120.14.2025');
  await field('Adresat (imię i nazwisko)').fill('Anna Nowak');
  await field('Adres adresata').fill('ul. Przykładowa 1\n80-001 Gdańsk');
  await page.getByLabel('Zwrot grzecznościowy').selectOption('Szanowna Pani,');
  await field('Podpis (imię i nazwisko, stanowisko)').fill('Maria Wiśniewska\nstarszy specjalista');
}

export async function consoleLetter(ctx) {
  const browser = await openConsole(ctx);
  const { page } = browser;
  await page.getByLabel('Klucz API').fill(ctx.apiKey);
  const listed = page.waitForResponse((r) => r.url().endsWith('/v1/letters'));
  await page.keyboard.press('Enter');
  const { templates } = await (await listed).json();
  await page.getByRole('heading', { name: 'Pisma' }).waitFor();

  // The templates of the API, by their titles; the sender comes filled from the settings.
  const select = page.getByLabel('Wzór pisma');
  assert.deepEqual(await select.locator('option').allInnerTexts(), templates.map((t) => t.title));
  await select.selectOption(CALL);
  const call = templates.find((t) => t.id === CALL);
  const sender = call.slots.find((s) => s.name === 'nadawca').default;
  assert.ok(sender, 'the API gives the sender as the default');
  assert.equal(await page.getByLabel('Nadawca (organ i adres)').inputValue(), sender);
  assert.equal(await page.getByLabel('Termin na usunięcie braków (dni)').inputValue(), '7');

  const field = (name) => page.getByLabel(name, { exact: true });
  await fillFrame(page);
  await field('Data wniosku').fill('2025-11-20');
  await field('Przedmiot sprawy').fill('przyznania zasiłku celowego');
  await field('Termin na usunięcie braków (dni)').fill('5');

  // Switching the template and back keeps what was typed.
  await select.selectOption({ index: templates.findIndex((t) => t.id !== CALL) });
  assert.equal(await field('Adresat (imię i nazwisko)').inputValue(), 'Anna Nowak', 'frame slots carry over');
  await select.selectOption(CALL);
  assert.equal(await field('Przedmiot sprawy').inputValue(), 'przyznania zasiłku celowego');

  // Refused values: each message beside its field, focus on the first, nothing typed lost.
  const refusedAt = page.waitForResponse((r) => r.url().endsWith(`/v1/letters/${CALL}`));
  await page.getByRole('button', { name: 'Przygotuj pismo' }).click();
  const refused = await refusedAt;
  assert.equal(refused.status(), 422);
  const { error } = await refused.json();
  assert.deepEqual(Object.keys(error.fields).sort(), ['braki', 'termin_dni']);
  await page.getByRole('status').getByText(error.message).waitFor();
  const days = field('Termin na usunięcie braków (dni)');
  assert.equal(await days.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#slot-termin_dni-error').innerText(), error.fields.termin_dni);
  assert.equal(await page.locator('#slot-braki-error').innerText(), error.fields.braki);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'slot-braki');
  assert.equal(await field('Adresat (imię i nazwisko)').inputValue(), 'Anna Nowak');
  assert.equal(await days.inputValue(), '5');
  const errors = await axeScan(page, 'console-letter-errors', ctx.artifacts);
  assertNoSeriousViolations(errors, 'the letters form with refused values');

  await field('Braki do usunięcia').fill('podpisanie wniosku\nzaświadczenie o dochodach');
  await days.fill('14');
  assert.equal(await days.getAttribute('aria-invalid'), null, 'correcting a field clears its mark');
  const filledAt = page.waitForResponse((r) => r.url().endsWith(`/v1/letters/${CALL}`));
  await page.getByRole('button', { name: 'Przygotuj pismo' }).click();
  const filled = await filledAt;
  assert.equal(filled.status(), 200);
  const request = filled.request();
  assert.equal(request.headers()['x-api-key'], ctx.apiKey);
  const sent = request.postDataJSON();
  assert.deepEqual(sent.values.braki, ['podpisanie wniosku', 'zaświadczenie o dochodach']);
  assert.equal(sent.values.termin_dni, 14);
  const letter = await filled.json();
  await page.getByRole('heading', { name: 'Pismo do sprawdzenia' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'letter-result-title');
  const text = page.getByLabel('Treść pisma (możesz ją poprawić)');
  assert.equal(await text.inputValue(), letter.text);

  // The caseworker edits the letter; copy and DOCX take the edited text.
  await text.fill(letter.text.replace('Z poważaniem', `${LETTER_EDIT}\n\nZ poważaniem`));
  const edited = (await text.inputValue()).trim();
  await page.getByRole('button', { name: 'Kopiuj pismo' }).click();
  await page.getByText('Skopiowano pismo do schowka.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, `${edited}\n`);
  assert.ok(copied.startsWith(sender.split('\n')[0]), 'the letter starts with its sender, no preamble');
  assert.doesNotMatch(copied[0], /["'„”“«»]/, 'no quotation mark around the letter');

  const docxAt = page.waitForResponse((r) => r.url().endsWith(`/v1/letters/${CALL}/docx`));
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Pobierz DOCX' }).click();
  const [docxResponse, download] = await Promise.all([docxAt, downloading]);
  assert.equal(docxResponse.status(), 200);
  assert.equal(docxResponse.request().postDataJSON().text, edited);
  assert.equal(download.suggestedFilename(), `${CALL}.docx`);
  const docx = path.join(ctx.artifacts, `${CALL}.docx`);
  await download.saveAs(docx);
  await page.getByText(`Pobrano plik ${CALL}.docx.`).waitFor();

  const shown = await axeScan(page, 'console-letter-form', ctx.artifacts);
  assertNoSeriousViolations(shown, 'the console with a letter');
  const file = path.join(ctx.artifacts, 'console-letter.png');
  await page.screenshot({ path: file, fullPage: true });
  await browser.close();
  return { docx, edited, screenshots: [file], axe: { errors, letter: shown } };
}

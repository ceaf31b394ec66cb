// The staff console's insight page (admin key): the API's figures, topics, grouped questions and
// documents due for review, both periods, and the CSV download.
import assert from 'node:assert/strict';
import path from 'node:path';

import { assertNoSeriousViolations, axeScan, openConsole } from './browser.mjs';

const squash = (text) => text.replace(/\s+/g, ' ').trim();

async function showFor(page, days) {
  const answered = page.waitForResponse((r) => r.url().endsWith(`/v1/insight?days=${days}`));
  await page.getByRole('button', { name: 'Pokaż wgląd' }).click();
  const response = await answered;
  assert.equal(response.status(), 200);
  await page.getByText(`Wgląd z ostatnich ${days} dni.`).waitFor();
  return response.json();
}

export async function consoleInsight(ctx) {
  assert.ok(ctx.adminKey, 'the insight scenario needs --admin-key');
  const browser = await openConsole(ctx);
  const { page } = browser;
  await page.getByLabel('Klucz API').fill(ctx.adminKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Wgląd dla centrum' }).waitFor();

  const week = await showFor(page, 7);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'insight-summary-title');
  const summary = await page.locator('#insight-summary dd').allInnerTexts();
  assert.deepEqual(summary.slice(0, 2), [String(week.questions), String(week.refused)]);
  assert.equal(summary[3], String(week.rated_down));
  const topics = await page.locator('#insight-topics tbody tr').count();
  assert.equal(topics, Math.max(week.topics.length, 1));
  const groups = page.locator('#insight-groups > li');
  assert.equal(await groups.count(), week.groups.length);
  assert.ok(week.groups.length > 0, 'the seeded refusals are grouped');
  for (const [i, g] of week.groups.entries()) {
    assert.equal(squash(await groups.nth(i).locator('strong').innerText()), squash(g.question));
  }
  const due = await page.locator('#insight-due tbody tr').count();
  assert.equal(due, Math.max(week.due_for_review.length, 1));

  // The other period, chosen with the keyboard.
  await page.getByRole('radio', { name: 'Ostatnie 7 dni' }).focus();
  await page.keyboard.press('ArrowDown');
  const month = await showFor(page, 30);
  assert.ok(month.questions >= week.questions);

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Pobierz CSV' }).click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), 'okienko-wglad-30-dni.csv');
  const csv = path.join(ctx.artifacts, 'okienko-wglad-30-dni.csv');
  await download.saveAs(csv);

  const violations = await axeScan(page, 'console-insight', ctx.artifacts);
  assertNoSeriousViolations(violations, 'the insight page');
  const file = path.join(ctx.artifacts, 'console-insight.png');
  await page.locator('section.insight').screenshot({ path: file });
  await browser.close();
  return { week, month, csv, screenshots: [file], axe: violations };
}

/** A staff key may not see the insight: the API's Polish reason is shown, the console stays. */
export async function consoleInsightStaff(ctx) {
  const browser = await openConsole(ctx);
  const { page } = browser;
  await page.getByLabel('Klucz API').fill(ctx.apiKey);
  await page.keyboard.press('Enter');
  const answered = page.waitForResponse((r) => r.url().includes('/v1/insight?'));
  await page.getByRole('button', { name: 'Pokaż wgląd' }).click();
  const response = await answered;
  assert.equal(response.status(), 403);
  const { message } = (await response.json()).error;
  await page.locator('#insight-status').getByText(message).waitFor();
  assert.equal(await page.locator('#workspace').isVisible(), true, 'still logged in');
  assert.equal(await page.locator('#insight-result').isHidden(), true);
  await browser.close();
  return { message };
}

// Runs browser scenarios against a running Okienko server; tests/test_e2e_browser.py drives it.
//
//   node tests/e2e/run.mjs <scenario>… --base http://127.0.0.1:8000 \
//        [--artifacts tests/e2e/artifacts] [--api-key KEY] [--admin-key KEY]
//   node tests/e2e/run.mjs --list
//
// The scenarios run one after another in this one process (starting node and loading
// playwright-core takes seconds), each in a fresh Chromium profile. Each prints one line
// `RESULT {"scenario", "ok", "ms", …}`: what it returned, or the failure with its stack.
// The exit status is 1 when any scenario failed.
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { closeLeftovers } from './browser.mjs';
import { calculator, consoleCalculator } from './calculator.mjs';
import { staffConsole } from './console.mjs';
import { consoleInsight, consoleInsightStaff } from './insight.mjs';
import { consoleLetter } from './letters.mjs';
import {
  askAndCite, axeDemo, errors, feedback, handoff, keyboard, languages, newConversation, screenshots,
  suggestions,
} from './widget.mjs';

const SCENARIOS = {
  console: staffConsole,
  'console-letter': consoleLetter,
  'console-insight': consoleInsight,
  'console-insight-staff': consoleInsightStaff,
  'ask-and-cite': askAndCite,
  feedback,
  handoff,
  'new-conversation': newConversation,
  keyboard,
  screenshots,
  'axe-demo': axeDemo,
  languages,
  suggestions,
  errors,
  calculator,
  'console-calculator': consoleCalculator,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    base: { type: 'string' },
    artifacts: { type: 'string', default: 'tests/e2e/artifacts' },
    'api-key': { type: 'string', default: '' },
    'admin-key': { type: 'string', default: '' },
    list: { type: 'boolean', default: false },
  },
});

if (values.list) {
  console.log(Object.keys(SCENARIOS).join('\n'));
  process.exit(0);
}
const unknown = positionals.filter((name) => !SCENARIOS[name]);
if (!positionals.length || unknown.length || !values.base) {
  console.error(`usage: run.mjs <${Object.keys(SCENARIOS).join('|')}>… --base URL [--artifacts DIR] [--api-key KEY] [--admin-key KEY]`);
  process.exit(2);
}

await mkdir(values.artifacts, { recursive: true });
const context = { base: values.base, artifacts: values.artifacts, apiKey: values['api-key'], adminKey: values['admin-key'] };
let failed = 0;
for (const name of positionals) {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const result = await SCENARIOS[name](context);
    console.log(`RESULT ${JSON.stringify({ scenario: name, ok: true, ms: ms(), ...result })}`);
  } catch (error) {
    failed += 1;
    console.log(`RESULT ${JSON.stringify({ scenario: name, ok: false, ms: ms(), error: error.stack || String(error) })}`);
    await closeLeftovers();
  }
}
process.exitCode = failed ? 1 : 0;

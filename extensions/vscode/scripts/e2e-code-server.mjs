// The extension in a real VS Code: code-server 4.100.3 (VS Code 1.100) with the built .vsix, driven by
// headless Chromium through playwright-core. Run by .ci/vscode-real.sh (which installs both); exits 1
// when a check fails, printing what it saw. code-server is a remote window (its extension host runs on
// the server), so the settings checks are the remote-window case of extensions/vscode/README.md.
//
//   node e2e-code-server.mjs --code-server DIR --vsix FILE --python PY [--screenshot PNG] [--work DIR] [--port N]
//
// One code-server session, in this order: the status bar goes loading -> ready; typing shows ghost text
// (the server's suggestion, read from the protocol trace that `aix.trace.server: verbose` alone turns on);
// Tab inserts exactly it (checked on disk after a save), VS Code runs the item's aix.accepted command, and the
// store in aix.statsDir (a Remote setting, a fresh folder) holds it accepted and `confirmed` by the command;
// Escape dismisses the next one; Ctrl+Right (acceptNextWord) then typing something else is recorded as
// `partial`, and `aix-lsp stats --json --stats-dir` counts both; "Why this suggestion?"
// twice shows one read-only tab with the prompt; the toggle stops suggestions and brings them back; a
// disabled language shows "off" and logs nothing per keystroke; a save of User settings with bad values
// names them (`aix.maxContextTokens`, `aix.retrievalTopK`) and does not reload the model; the server's
// log lines have their own levels; next edits (aix.nextEdit): the decoration of an edit away from the cursor,
// Tab jumps to it, Tab applies it, Escape dismisses the next one; a machine setting only in User settings is not applied (warning
// naming Remote settings), and the failed load of the default model shows as an error once.
// Every wait is on a DOM state or a log line, with a bounded timeout.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
for (const required of ['code-server', 'vsix', 'python']) {
  if (!args[required]) {
    console.error(`usage: e2e-code-server.mjs --code-server DIR --vsix FILE --python PY [--screenshot PNG] [--work DIR] [--port N]`);
    process.exit(2);
  }
}
const CS_DIR = args['code-server'];
const CODE_SERVER = join(CS_DIR, 'node_modules', '.bin', 'code-server');
const require = createRequire(join(CS_DIR, 'package.json'));
const { chromium } = require('playwright-core');
const keepWork = Boolean(args.work);
const WORK = args.work ?? mkdtempSync(join(tmpdir(), 'aix-vscode-real-'));
const t0 = Date.now();
const say = (msg, extra) => console.log(`[vscode-real ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}${extra === undefined ? '' : ' ' + JSON.stringify(extra)}`);

class CheckFailed extends Error {}
const check = (ok, what, seen) => {
  if (!ok) throw new CheckFailed(`${what}${seen === undefined ? '' : `; saw ${JSON.stringify(seen)}`}`);
  say(`ok: ${what}`);
};

/** Polls `probe` until it returns a truthy value; throws naming `what` after `ms`. */
async function waitFor(what, ms, probe, every = 200) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new CheckFailed(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// --- the workspace, the settings, the model -----------------------------------------------------
const RUN = join(WORK, 'run');
rmSync(RUN, { recursive: true, force: true });
const EXTENSIONS = join(RUN, 'extensions');
const USER_DATA = join(RUN, 'user-data');
const WORKSPACE = join(RUN, 'workspace');
for (const d of [EXTENSIONS, join(USER_DATA, 'User'), join(USER_DATA, 'Machine'), WORKSPACE]) mkdirSync(d, { recursive: true });
const FIB = 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n    if n < 2:\n        return n\n';
writeFileSync(join(WORKSPACE, 'fib.py'), FIB);
writeFileSync(join(WORKSPACE, 'util.js'), 'function add(a, b) {\n  return a + b;\n}\n');
// Next edits: the user types `v` between the parentheses; the next-edit model (a chain model that always
// writes NEXT_ANSWER, built by next-edit-model.py) then predicts `n` -> `v` on the line below.
const NEXT = 'def scale():\n    return n * 2';
const NEXT_TYPED = 'def scale(v):\n    return n * 2';
const NEXT_ANSWER = 'def scale(v):\n    return v * 2';
writeFileSync(join(WORKSPACE, 'next.py'), NEXT);

let tiny = process.env.AIX_TINY_MODEL;
if (!tiny || !existsSync(join(tiny, 'config.json'))) {
  tiny = join(WORK, 'tiny-model');
  if (!existsSync(join(tiny, 'config.json'))) {
    say('building the tiny model');
    const r = spawnSync(args.python, ['-m', 'aix_lsp', 'tiny-model', tiny], { encoding: 'utf8', timeout: 180000 });
    if (r.status !== 0) throw new Error(`aix-lsp tiny-model failed: ${r.stderr || r.error}`);
  }
}

// Kept across runs with --work: the model only depends on NEXT_ANSWER.
const nextEditModel = join(WORK, 'sweep-next-edit-chain');
{
  const r = spawnSync(args.python, [join(dirname(fileURLToPath(import.meta.url)), 'next-edit-model.py'), nextEditModel, NEXT_ANSWER],
    { encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) throw new Error(`next-edit-model.py failed: ${r.stderr || r.error}`);
}

const userSettings = (extra = {}) => ({
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'editor.inlineSuggest.enabled': true,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoIndent': 'none',
  'editor.formatOnType': false,
  'files.hotExit': 'off',
  // Window-scoped settings: User settings apply in a remote window.
  'aix.maxNewTokens': 24,
  'aix.retrieval': false,
  'aix.disabledLanguages': ['javascript'],
  'aix.logLevel': 'debug',
  'aix.trace.server': 'verbose',
  // A machine setting in User settings: VS Code does not apply it in a remote window; neither may we
  // (the Remote settings' aix.model wins, and once that is gone, the default is used, with a warning).
  'aix.model': '/nonexistent/local-model',
  ...extra,
});
// aix.statsDir is a machine setting: the acceptance store goes to a fresh folder through Remote settings.
const STATS = join(RUN, 'stats');
const remoteSettings = (extra = {}) => ({ 'aix.pythonPath': args.python, 'aix.device': 'cpu', 'aix.statsDir': STATS, ...extra });
const writeJson = (path, value) => writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
writeJson(join(USER_DATA, 'User', 'settings.json'), userSettings());
writeJson(join(USER_DATA, 'Machine', 'settings.json'), remoteSettings({ 'aix.model': tiny }));

// --- code-server, in its own process group ---------------------------------------------------------
// HF_HUB_OFFLINE: the default model's load fails at once (step 9); XDG_*: code-server's config.yaml and
// data go into the run folder, not the home folder.
const env = { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', XDG_CONFIG_HOME: join(RUN, 'config'), XDG_DATA_HOME: join(RUN, 'data') };
const install = spawnSync(CODE_SERVER, ['--extensions-dir', EXTENSIONS, '--install-extension', args.vsix], { encoding: 'utf8', timeout: 120000, env });
if (install.status !== 0) throw new Error(`installing ${args.vsix} failed: ${install.stdout}${install.stderr}`);
const port = Number(args.port ?? (await freePort()));
const server = spawn(
  CODE_SERVER,
  ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--user-data-dir', USER_DATA, '--extensions-dir', EXTENSIONS, WORKSPACE],
  { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] },
);
let serverOutput = '';
server.stdout.on('data', (d) => (serverOutput += d));
server.stderr.on('data', (d) => (serverOutput += d));
const killServer = () => {
  try {
    process.kill(-server.pid, 'SIGKILL'); // the group: code-server, its extension hosts, the aix-lsp servers
  } catch {
    /* already gone */
  }
};
process.on('exit', killServer);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** The text of the extension's Output channel log ("aiX LSP") or its trace channel, from the log folder. */
function channelLog(name) {
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === `${name}.log` || e.name.endsWith(`-${name}.log`)) found.push(p);
    }
  };
  const logs = join(USER_DATA, 'logs');
  if (existsSync(logs)) walk(logs);
  found.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  return found.length ? readFileSync(found.at(-1), 'utf8') : '';
}
const outputLog = () => channelLog('aiX LSP');
const traceLog = () => channelLog('aiX LSP Trace');
const count = (text, pattern) => (text.match(new RegExp(pattern.source, 'g')) ?? []).length;
/** The last non-empty inline completion item the server answered (from the protocol trace). */
function lastItem() {
  let item = null;
  for (const entry of traceLog().split(/\n(?=\d{4}-\d\d-\d\dT[\d:.]+Z \[)/)) {
    const m = /Received response 'textDocument\/inlineCompletion[^\n]*\nResult: ([\s\S]*)$/.exec(entry);
    if (!m) continue;
    try {
      const items = JSON.parse(m[1]).items ?? [];
      if (items.length && items[0].insertText) item = items[0];
    } catch {
      /* an entry cut by a write in progress */
    }
  }
  return item;
}
/** The insertText of the last non-empty inline completion the server answered. */
const lastSuggestion = () => lastItem()?.insertText ?? null;
/** The suggestion id its aix.accepted command carries (null: no such command). */
const lastSuggestionId = () => {
  const command = lastItem()?.command;
  return command?.command === 'aix.accepted' ? command.arguments?.[0] ?? null : null;
};
const squash = (t) => (t ?? '').replace(/\s+/g, '');
/** The acceptance store's records (events.jsonl in aix.statsDir) of suggestion `id`. */
function statsRecords(id) {
  const file = join(STATS, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return []; // a line being written
    }
  }).filter((r) => r.id === id);
}
/** `aix-lsp stats --json --stats-dir STATS`: the "all" row of the figures the user reads. */
function statsReport() {
  const r = spawnSync(args.python, ['-m', 'aix_lsp', 'stats', '--json', '--stats-dir', STATS], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new CheckFailed(`aix-lsp stats --json failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout).rows.find((row) => row.group === 'all') ?? null;
}

let browser;
let page;
let failed;
try {
  await waitFor('code-server to answer /healthz', 60000, async () => {
    if (server.exitCode !== null) throw new Error(`code-server exited: ${serverOutput}`);
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      return false;
    }
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
  page = await context.newPage();
  page.setDefaultTimeout(30000);
  // Every notification text ever shown (toasts hide themselves), recorded in the page.
  await page.addInitScript(() => {
    window.__aixNotes = [];
    new MutationObserver(() => {
      for (const e of document.querySelectorAll('.notification-list-item-message')) {
        const t = e.textContent ?? '';
        if (t && !window.__aixNotes.includes(t)) window.__aixNotes.push(t);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  const notes = () => page.evaluate(() => window.__aixNotes);
  const waitForNote = (pattern, ms = 60000) => waitFor(`a notification matching ${pattern}`, ms, async () => (await notes()).find((t) => pattern.test(t)));

  /** The aiX status bar item: its text, the codicon it shows, and its hover text. */
  const status = () =>
    page.evaluate(() => {
      const e = [...document.querySelectorAll('.statusbar-item')].find((i) => /aiX/.test(i.textContent ?? ''));
      if (!e) return null;
      const icon = [...e.querySelectorAll('.codicon')].flatMap((c) => [...c.classList]).find((k) => k.startsWith('codicon-') && k !== 'codicon-modifier-spin') ?? '';
      return { text: (e.textContent ?? '').trim(), icon, label: e.querySelector('a')?.getAttribute('aria-label') ?? e.getAttribute('aria-label') ?? '' };
    });
  const seenIcons = new Set();
  const waitForIcon = async (icon, ms) =>
    waitFor(`the aiX status item to show ${icon}`, ms, async () => {
      const s = await status();
      if (s) seenIcons.add(s.icon);
      return s && s.icon === icon ? s : null;
    }, 100);
  const ghost = () =>
    page.evaluate(() => {
      // the first line's ghost spans (one per token colour) and the view zone of the further lines
      const parts = [...document.querySelectorAll('.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text')];
      return parts.length ? parts.map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')).join('') : null;
    });
  const runCommand = async (title) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  };
  const openFile = async (name) => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
    await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  };
  /** Saves settings the way a user does: the JSON editor of `command`, all text replaced, Ctrl+S. */
  const editSettings = async (command, file, value) => {
    await runCommand(command);
    await page.locator('.tabs-container .tab.active', { hasText: 'settings.json' }).waitFor();
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    // pasted, not typed: typing would auto-close brackets and auto-indent
    await page.evaluate((text) => navigator.clipboard.writeText(text), JSON.stringify(value, null, 2));
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+v');
    await page.keyboard.press('Control+s');
    await waitFor(`${file} saved`, 15000, async () => {
      try {
        return JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))) === JSON.stringify(value);
      } catch {
        return false;
      }
    });
    await runCommand('View: Close All Editors'); // the next settings.json tab is then the one asked for
    await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached' });
  };
  const inlineResponses = () => count(traceLog(), /Received response 'textDocument\/inlineCompletion/);

  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(WORKSPACE)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  say('workbench loaded');
  await openFile('fib.py');

  // 1. status bar: starting/loading, then ready
  const ready = await waitForIcon('codicon-sparkle', 180000);
  check(seenIcons.has('codicon-loading'), 'the status bar showed loading before ready', [...seenIcons]);
  check(/ready/.test(ready.label) && ready.label.includes(tiny), 'ready, with the Remote settings\' model (not the User settings\' one)', ready);

  // 2. ghost text after typing: the server's suggestion (from the protocol trace), shown
  await page.keyboard.press('Control+End');
  await page.keyboard.type('    return fib', { delay: 40 });
  const [shown, suggestion] = await waitFor('ghost text showing the server\'s suggestion', 60000, async () => {
    const g = await ghost();
    const s = lastSuggestion();
    return g && s && squash(g) === squash(s) ? [g, s] : null;
  });
  check(true, 'ghost text appears after typing, the server\'s suggestion', { shown });
  const acceptedId = lastSuggestionId();
  check(typeof acceptedId === 'string', 'the item carries the aix.accepted command with its suggestion id', lastItem());
  check(/Sending request 'initialize/.test(traceLog()), 'aix.trace.server: verbose alone traces the protocol (channel aiX LSP Trace)');
  await page.screenshot({ path: join(RUN, 'suggestion.png') });

  // 3. Tab inserts exactly the suggestion (saved, read from disk)
  await page.keyboard.press('Tab');
  // accepted: that ghost text is gone (VS Code may at once ask again at the new cursor and show another
  // suggestion, so a different ghost text counts too; the file on disk below proves what was inserted)
  await waitFor('the ghost text to be accepted', 10000, async () => {
    const g = await ghost();
    return g === null || squash(g) !== squash(suggestion);
  });
  const expected = `${FIB}    return fib${suggestion}`;
  let onDisk = '';
  await waitFor('the saved file to hold the accepted suggestion', 15000, async () => {
    await page.keyboard.press('Control+s');
    onDisk = readFileSync(join(WORKSPACE, 'fib.py'), 'utf8');
    return onDisk === expected || (onDisk !== FIB && !onDisk.startsWith(`${FIB}    return fib`));
  }, 1000).catch(() => undefined);
  check(onDisk === expected, 'Tab inserts exactly the suggestion', { onDisk, expected });

  // 3a. acceptance statistics: VS Code ran the item's command (workspace/executeCommand aix.accepted with the
  //     id, answered recorded: true), and the store in aix.statsDir (a Remote setting) holds it accepted
  const ran = await waitFor('VS Code to run the item\'s aix.accepted command', 15000, async () => {
    const entries = traceLog().split(/\n(?=\d{4}-\d\d-\d\dT[\d:.]+Z \[)/);
    return entries.find((e) => /Received response 'workspace\/executeCommand/.test(e) && /"recorded": true/.test(e)
      && entries.some((q) => /Sending request 'workspace\/executeCommand/.test(q) && q.includes('"aix.accepted"') && q.includes(acceptedId)));
  });
  check(true, 'Tab runs the item\'s aix.accepted command; the server recorded it', ran.split('\n').slice(-4).join(' '));
  // VS Code sends the insertion's didChange first: the edit decides the outcome (accepted, once), and the
  // command adds a `confirmed` record (via command): proof in the store that the item's command ran
  const accepted = await waitFor(`the store to record ${acceptedId} accepted and confirmed by the command`, 15000, async () => {
    const records = statsRecords(acceptedId);
    return records.some((r) => r.event === 'outcome') && records.some((r) => r.event === 'confirmed') ? records : null;
  });
  say('store records of the accepted suggestion', accepted.map(({ event, outcome, via, accepted_chars }) => ({ event, outcome, via, accepted_chars })));
  const outcomes = accepted.filter((r) => r.event === 'outcome');
  check(accepted.some((r) => r.event === 'shown') && outcomes.length === 1 && outcomes[0].outcome === 'accepted'
    && outcomes[0].accepted_chars === suggestion.length && accepted.find((r) => r.event === 'confirmed').via === 'command',
  'the store (aix.statsDir) holds the suggestion shown, accepted once with all its characters, confirmed by the command', accepted);

  // Escape dismisses a suggestion
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('y = fib', { delay: 40 });
  await waitFor('ghost text again', 60000, ghost);
  await page.keyboard.press('Escape');
  await waitFor('the ghost text to go after Escape', 10000, async () => (await ghost()) === null);
  check(true, 'Escape dismisses the suggestion');

  // 3b. accept by word (Ctrl+Right: editor.action.inlineSuggest.acceptNextWord), then type something else:
  //     the store records a partial acceptance of the word's characters
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('z = fib', { delay: 40 });
  const [, full] = await waitFor('ghost text for the accept by word', 60000, async () => {
    const g = await ghost();
    const s = lastSuggestion();
    return g && s && squash(g) === squash(s) ? [g, s] : null;
  });
  const partialId = lastSuggestionId();
  // a word may be only the leading blank: accept words until one with a character in it went in
  let rest = await ghost();
  for (let presses = 0; squash(rest) === squash(full) && presses < 4; presses++) {
    const before = rest;
    await page.keyboard.press('Control+ArrowRight');
    rest = await waitFor('the ghost text to lose the accepted word', 10000, async () => {
      const g = await ghost();
      return g !== null && g !== before ? g : null;
    });
  }
  check(squash(rest) !== squash(full) && squash(full).endsWith(squash(rest)), 'Ctrl+Right accepts the suggestion\'s first word, the rest stays shown', { full, rest });
  const other = /^\s*Q/.test(rest) ? 'Z' : 'Q';
  await page.keyboard.type(other, { delay: 40 });
  const partial = await waitFor(`the store to record ${partialId} partially accepted`, 15000, async () => {
    const records = statsRecords(partialId);
    return records.find((r) => r.event === 'outcome') ? records : null;
  });
  say('store records of the suggestion accepted by word', partial.map(({ event, outcome, reason, accepted_chars }) => ({ event, outcome, reason, accepted_chars })));
  const word = partial.find((r) => r.event === 'outcome');
  check(word.outcome === 'partial' && word.accepted_chars > 0 && word.accepted_chars < full.length,
    'Ctrl+Right accepts a word: the store holds the suggestion partially accepted (the word\'s characters)', { word, full, rest });
  const report = statsReport();
  say('aix-lsp stats --json, the "all" row', report);
  check(report && report.accepted >= 1 && report.partial >= 1, 'aix-lsp stats --json --stats-dir reads them: accepted and partial counted', report);

  // 4. "Why this suggestion?": one read-only tab, the explanation in it, reused on the second call
  for (let i = 0; i < 2; i++) {
    await runCommand('aiX: Why this suggestion?');
    await page.locator('.tab', { hasText: 'Why this suggestion' }).first().waitFor();
  }
  await waitFor('the explanation text', 30000, async () =>
    page.evaluate(() => [...document.querySelectorAll('.view-line')].some((l) => /=== prompt ===/.test((l.textContent ?? '').replace(/\u00a0/g, ' ')))));
  const tabs = await page.locator('.tabs-container .tab').allTextContents();
  check(tabs.filter((t) => /Why this suggestion/.test(t)).length === 1 && !tabs.some((t) => /Untitled/.test(t)),
    '"Why this suggestion?" opens the explanation in one reused tab, not Untitled ones', tabs);

  // 5. the toggle stops suggestions, and brings them back
  await openFile('fib.py');
  await runCommand('aiX: Toggle Completions');
  await waitForIcon('codicon-circle-slash', 15000);
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  let before = inlineResponses();
  await page.keyboard.type('    x = fib', { delay: 40 });
  await waitFor('the server to answer the requests typed while off', 30000, async () => inlineResponses() > before);
  check((await ghost()) === null, 'with completions toggled off, typing shows no suggestion');
  await runCommand('aiX: Toggle Completions');
  await waitForIcon('codicon-sparkle', 15000);
  check(true, 'toggled back on: ready');

  // 6. a disabled language: "off" in the status bar, no suggestion, no INFO line per keystroke
  await openFile('util.js');
  const off = await waitForIcon('codicon-circle-slash', 15000);
  check(/javascript/.test(off.label), 'a disabled language shows off (naming it), not ready', off);
  await page.keyboard.press('Control+End');
  before = inlineResponses();
  await page.keyboard.type('add(', { delay: 40 });
  await waitFor('the server to answer in util.js', 30000, async () => inlineResponses() > before);
  check((await ghost()) === null, 'no suggestion in a disabled language');
  await openFile('fib.py');
  await waitForIcon('codicon-sparkle', 15000);

  // 7. log levels: server INFO lines as [info], never as [error] (stderr); debug lines not as [info]
  let log = outputLog();
  check(/\[info\] .*aix_lsp/.test(log), 'the server\'s INFO lines show as [info]', log.slice(-2000));
  check(!/\[error\].*\bINFO\b/.test(log), 'no INFO line shows as [error]', log.slice(-2000));
  check(!/\[info\].*no completion/.test(log), 'no [info] line per keystroke for completions off or a disabled language', log.slice(-3000));

  // 7b. next edits (aix.nextEdit, a Sweep-format chain model): an edit away from the cursor shows as a
  //     decoration of the diff (the old text struck through, the new as ghost text); Tab jumps to it, Tab
  //     applies it; Escape dismisses the next one. Ghost text is off here (editor.inlineSuggest.enabled), so
  //     the only suggestion is the next edit; the unit tests hold the one-at-a-time rules.
  /** Resolves once the server reloaded after a settings save: aix/status loading, then ready, past `from`. */
  const reloaded = (from) => waitFor('the server to reload the models', 180000, async () => {
    const tail = traceLog().slice(from);
    const loading = tail.search(/Received notification 'aix\/status'[^\n]*\n(?:Params: )?[\s\S]{0,300}?"state": "loading"/);
    return loading >= 0 && /Received notification 'aix\/status'[^\n]*\n(?:Params: )?[\s\S]{0,300}?"state": "ready"/.test(tail.slice(loading + 10));
  }, 300);
  /** The next-edit decoration in the editor: struck-through text and the `after` ghost text. */
  const nextEditShown = () =>
    page.evaluate(() => {
      const struck = [];
      const ghosts = [];
      for (const e of document.querySelectorAll('.editor-group-container.active .view-lines .view-line span span')) {
        const style = getComputedStyle(e);
        if (style.textDecorationLine.includes('line-through')) struck.push((e.textContent ?? '').replace(/\u00a0/g, ' '));
        const after = getComputedStyle(e, '::after').content;
        if (after && after !== 'none' && after !== 'normal') ghosts.push(after.replace(/^"|"$/g, ''));
        else if (/\bced-/.test(e.className) && !style.textDecorationLine.includes('line-through') && e.textContent) ghosts.push(e.textContent);
      }
      return struck.length || ghosts.length ? { struck: struck.join(''), ghost: ghosts.join('') } : null;
    });
  /** The cursor as the status bar shows it ("Ln 2, Col 12"). */
  const cursorAt = () =>
    page.evaluate(() => [...document.querySelectorAll('.statusbar-item')].map((e) => (e.textContent ?? '').trim()).find((t) => /^Ln \d+, Col \d+/.test(t)) ?? '');
  const saved = async (expected) => {
    let onDisk = '';
    await waitFor(`next.py saved as ${JSON.stringify(expected)}`, 15000, async () => {
      await page.keyboard.press('Control+s');
      onDisk = readFileSync(join(WORKSPACE, 'next.py'), 'utf8');
      return onDisk === expected;
    }, 1000).catch(() => undefined);
    return onDisk;
  };
  const userFile = join(USER_DATA, 'User', 'settings.json');
  let from = traceLog().length;
  await editSettings('Preferences: Open User Settings (JSON)', userFile,
    userSettings({ 'aix.nextEdit': true, 'aix.nextEditModel': nextEditModel, 'editor.inlineSuggest.enabled': false }));
  await reloaded(from);
  check(true, 'aix.nextEdit and aix.nextEditModel saved in User settings: the server loaded the next-edit model');
  await openFile('next.py');
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.type('v', { delay: 40 });
  const decoration = await waitFor('the next-edit decoration', 60000, nextEditShown);
  await page.screenshot({ path: join(RUN, 'next-edit.png') });
  check(decoration.struck === 'n' && decoration.ghost === 'v', 'a next edit away from the cursor: `n` struck through, `v` as ghost text after it', decoration);
  check(/"method": "textDocument\/copilotInlineEdit"|Sending request 'textDocument\/copilotInlineEdit/.test(traceLog()), 'the extension asked textDocument/copilotInlineEdit');
  check((await cursorAt()).startsWith('Ln 1, Col 12'), 'the cursor stayed where the user typed', await cursorAt());
  await page.keyboard.press('Tab');
  await waitFor('Tab to move the cursor to the edit', 10000, async () => (await cursorAt()).startsWith('Ln 2, Col 12'));
  check(JSON.stringify(await nextEditShown()) === JSON.stringify(decoration), 'Tab jumps to the edit (Ln 2, Col 12), the text unchanged, the decoration still shown');
  check(readFileSync(join(WORKSPACE, 'next.py'), 'utf8') === NEXT, 'nothing saved yet');
  await page.keyboard.press('Tab');
  await waitFor('the decoration to go once applied', 10000, async () => (await nextEditShown()) === null);
  const applied = await saved(NEXT_ANSWER);
  check(applied === NEXT_ANSWER, 'Tab again applies the edit: the file holds `return v * 2`', { applied });
  // Escape: undo the applied edit; a change on line 0 (x typed and erased) brings the same prediction back
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.type('x', { delay: 40 });
  await page.keyboard.press('Backspace');
  const again = await waitFor('the next-edit decoration again', 60000, nextEditShown);
  check(again.struck === 'n' && again.ghost === 'v', 'after undoing it and a change on the first line, the same next edit shows again', again);
  await page.keyboard.press('Escape');
  await waitFor('the decoration to go after Escape', 10000, async () => (await nextEditShown()) === null);
  const kept = await saved(NEXT_TYPED);
  check(kept === NEXT_TYPED, 'Escape dismisses the next edit: the file keeps `return n * 2`', { kept });
  check((await cursorAt()).startsWith('Ln 1, Col 12'), 'Escape leaves the cursor where it was', await cursorAt());
  // back to the settings the rest of the run expects (next edits off): the server reloads once more
  from = traceLog().length;
  await editSettings('Preferences: Open User Settings (JSON)', userFile, userSettings());
  await reloaded(from);
  await openFile('fib.py');
  await waitForIcon('codicon-sparkle', 30000);

  // 8. a save of User settings with bad values: messages name the VS Code settings; the model stays
  await editSettings('Preferences: Open User Settings (JSON)', join(USER_DATA, 'User', 'settings.json'),
    userSettings({ 'aix.maxContextTokens': 200, 'aix.maxNewTokens': 100, 'aix.retrievalTopK': 'many' }));
  const topK = await waitForNote(/aix\.retrievalTopK: expected an integer/);
  check(true, 'a bad setting shows its message', topK);
  const relation = await waitForNote(/aix\.maxContextTokens \(200\) must exceed aix\.maxNewTokens \(100\)/);
  check(!/initializationOptions|max_context_tokens/.test(relation), 'the server\'s setting message names aix.maxContextTokens', relation);
  const afterSave = await status();
  check(afterSave.icon === 'codicon-sparkle' && afterSave.label.includes(tiny), 'after a User-settings save the model is unchanged (no default hub model sent)', afterSave);
  // each didChangeConfiguration entry on its own (a reload's aix/status, which names the model, may follow it)
  const sentSettings = traceLog().split(/\n(?=\d{4}-\d\d-\d\dT[\d:.]+Z \[)/).filter((e) => /Sending notification 'workspace\/didChangeConfiguration/.test(e));
  check(sentSettings.length > 0 && !sentSettings.some((e) => /"model"/.test(e)), 'no model setting was sent after the User-settings save', sentSettings.slice(-1));
  await page.screenshot({ path: join(RUN, 'bad-setting.png') });

  // 9. the remote-window case: aix.model only in User settings is not applied; said once; the default
  //    model then fails offline: error in the status bar, its message once in the Output channel
  await editSettings('Preferences: Open Remote Settings (JSON)', join(USER_DATA, 'Machine', 'settings.json'), remoteSettings());
  const remoteNote = await waitForNote(/aix\.model is not set for this remote window/);
  check(/Remote settings/.test(remoteNote), 'a machine setting only in User settings: a warning pointing to Remote settings', remoteNote);
  const error = await waitForIcon('codicon-error', 120000);
  check(/aixcoder-7b-base/.test(error.label) && !/nonexistent/.test(error.label), 'the status bar shows the error (the default model, offline)', error);
  log = await waitFor('the failed load in the Output channel', 30000, async () => (/\[error\].*aixcoder-7b-base/.test(outputLog()) ? outputLog() : null));
  const failures = log.split('\n').filter((l) => /\[error\]/.test(l) && /aixcoder-7b-base/.test(l));
  check(failures.length === 1, 'the failed model load shows once in the Output channel', failures);
  check(count((await notes()).join('\n'), /not set for this remote window/) === 1, 'the remote-window warning is shown once');

  if (args.screenshot) {
    mkdirSync(dirname(args.screenshot), { recursive: true });
    copyFileSync(join(RUN, 'suggestion.png'), args.screenshot);
    say(`screenshot: ${args.screenshot}`);
  }
  say('all checks passed');
} catch (error) {
  failed = error;
  console.error(`[vscode-real] FAILED: ${error instanceof CheckFailed ? error.message : error?.stack ?? error}`);
  if (page) await page.screenshot({ path: join(RUN, 'failure.png') }).catch(() => undefined);
  console.error(`--- aiX LSP output (last 3000 chars) ---\n${outputLog().slice(-3000)}`);
  console.error(`--- code-server (last 2000 chars) ---\n${serverOutput.slice(-2000)}`);
  console.error(`--- seen notifications ---\n${page ? JSON.stringify(await page.evaluate(() => window.__aixNotes).catch(() => [])) : ''}`);
  console.error(`work folder: ${RUN} (failure.png)`);
} finally {
  await browser?.close().catch(() => undefined);
  killServer();
  if (!failed && !keepWork) rmSync(WORK, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

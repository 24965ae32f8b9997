// Drives code-server in headless Chromium: see e2e-code-server.sh. Prints what it saw as JSON and
// exits non-zero when a check fails. Arguments: URL RUN_DIR CODE_SERVER_DIR.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const [url, runDir, csDir, scenario = 'completion'] = process.argv.slice(2);
const require = createRequire(`${csDir}/package.json`);
const { chromium } = require('playwright-core');

const report = { url, scenario, steps: [] };
const step = (name, extra = {}) => {
  report.steps.push({ name, t: Math.round(performance.now()), ...extra });
  console.error(`[e2e] ${name}`, Object.keys(extra).length ? JSON.stringify(extra) : '');
};

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await context.newPage();
let failed = false;

/** Text and icon of the extension's status bar item. */
async function aixStatus() {
  return page.evaluate(() => {
    const items = [...document.querySelectorAll('.statusbar-item')].filter((e) => /aiX/.test(e.textContent ?? ''));
    if (items.length === 0) return null;
    const e = items[0];
    const icon = [...e.querySelectorAll('.codicon')].map((c) => [...c.classList].find((k) => k.startsWith('codicon-') && k !== 'codicon-modifier-spin')).join(' ');
    return { text: (e.textContent ?? '').trim(), icon, label: e.getAttribute('aria-label') ?? '' };
  });
}

async function waitForStatus(icon, timeout) {
  const deadline = Date.now() + timeout;
  let last = null;
  while (Date.now() < deadline) {
    last = await aixStatus();
    if (last && last.icon.includes(icon)) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(`status bar never showed ${icon}; last: ${JSON.stringify(last)}`);
}

/** Texts of the notification toasts on screen. */
async function notifications() {
  return page.evaluate(() => [...document.querySelectorAll('.notification-toast .notification-list-item-message')].map((e) => e.textContent ?? ''));
}

async function waitForNotification(pattern, timeout) {
  const deadline = Date.now() + timeout;
  let last = [];
  while (Date.now() < deadline) {
    last = await notifications();
    const hit = last.find((t) => pattern.test(t));
    if (hit) return hit;
    await page.waitForTimeout(250);
  }
  throw new Error(`no notification matching ${pattern}; saw ${JSON.stringify(last)}`);
}

async function runCommand(title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(title);
  await page.waitForTimeout(500);
  await page.keyboard.press('Enter');
}

try {
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  step('workbench loaded');
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'fib.py' });
  await row.waitFor({ timeout: 60000 });
  await row.click();
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30000 });
  step('file opened');

  // The extension activates on the python language; its status item goes starting -> loading -> ready.
  const first = await (async () => {
    for (let i = 0; i < 240; i++) {
      const s = await aixStatus();
      if (s) return s;
      await page.waitForTimeout(250);
    }
    throw new Error('no aiX status bar item');
  })();
  step('status item appeared', first);
  if (scenario === 'not-installed') {
    const text = await waitForNotification(/aix_lsp package is not installed/, 60000);
    step('install notification', { text });
    report.notification = text;
    const status = await waitForStatus('codicon-error', 30000);
    step('status shows it', status);
    // No crash loop: the status stays put and no second notification comes.
    await page.waitForTimeout(8000);
    const later = await aixStatus();
    const all = (await notifications()).filter((t) => /aiX/.test(t));
    step('8 s later', { status: later, notifications: all });
    await page.screenshot({ path: `${runDir}/not-installed.png` });
    if (!/pip install aix-lsp/.test(text)) throw new Error('the notification does not say how to install');
    if (!/not installed/.test(later?.text ?? '') || all.length !== 1) throw new Error('restarted or notified again');
    throw Object.assign(new Error('done'), { done: true });
  }
  if (scenario === 'bad-setting') {
    const text = await waitForNotification(/aix\.maxNewTokens/, 60000);
    step('setting warning', { text });
    report.notification = text;
    await page.screenshot({ path: `${runDir}/bad-setting.png` });
  }
  const ready = await waitForStatus('codicon-sparkle', 180000);
  step('model ready', ready);
  report.statusReady = ready;

  // Type at the end of the file and wait for ghost text.
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('    return fib', { delay: 60 });
  step('typed');
  const ghost = page.locator('.ghost-text-decoration, .ghost-text').first();
  await ghost.waitFor({ state: 'attached', timeout: 60000 });
  await page.waitForTimeout(300);
  const ghostText = await page.evaluate(() =>
    [...document.querySelectorAll('.ghost-text-decoration, .ghost-text')].map((e) => e.textContent ?? '').join('\n'));
  report.ghostText = ghostText;
  step('ghost text shown', { ghostText });
  await page.screenshot({ path: `${runDir}/ghost-text.png` });
  if (!ghostText.trim()) throw new Error('empty ghost text');
  if (scenario === 'bad-setting') throw Object.assign(new Error('done'), { done: true });

  // Tab accepts it: the line now holds what was typed plus the suggestion's first line.
  await page.keyboard.press('Tab');
  await page.waitForTimeout(500);
  const lines = await page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-line')].map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ')));
  report.linesAfterAccept = lines;
  const firstGhostLine = ghostText.split('\n')[0].replace(/\u00a0/g, ' ').trim();
  const accepted = lines.some((l) => l.includes('return fib') && (!firstGhostLine || l.includes(firstGhostLine)));
  step('accepted with Tab', { accepted });
  if (!accepted) throw new Error('the suggestion was not inserted by Tab');

  // Toggle completions off and on from the command palette.
  await runCommand('aiX: Toggle Completions');
  const off = await waitForStatus('codicon-circle-slash', 30000);
  step('toggled off', off);
  await page.screenshot({ path: `${runDir}/toggled-off.png` });
  await runCommand('aiX: Toggle Completions');
  const on = await waitForStatus('codicon-sparkle', 30000);
  step('toggled on', on);
} catch (error) {
  if (error?.done) {
    step('scenario done');
  } else {
  failed = true;
  report.error = String(error?.stack ?? error);
  await page.screenshot({ path: `${runDir}/failure.png` }).catch(() => undefined);
  }
} finally {
  await browser.close();
  writeFileSync(`${runDir}/e2e-report.json`, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report, null, 2));
  process.exit(failed ? 1 : 0);
}

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ClientFactoryOptions, ClientLike, COMMANDS, Controller } from '../src/controller';
import { ProbeResult } from '../src/python';
import { RestartPolicy } from '../src/restartPolicy';
import { SettingsSchema } from '../src/settings';
import * as manifest from '../package.json';
import { createFakeVscode, FakeVscode } from './fakeVscode';

const schema = manifest.contributes.configuration.properties as unknown as SettingsSchema;

function defaultConfig(): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema)) config[key.slice('aix.'.length)] = (s as { default?: unknown }).default;
  return config;
}

class FakeClient implements ClientLike {
  started = false;
  stopped = false;
  requests: { method: string; params: unknown }[] = [];
  notifications: { method: string; params: unknown }[] = [];
  handlers = new Map<string, (params: unknown) => void>();
  constructor(
    readonly options: ClientFactoryOptions,
    private readonly behaviour: { failStart?: boolean; responses?: Record<string, unknown> },
  ) {}
  async start() {
    if (this.behaviour.failStart) throw new Error('server exited during initialize');
    this.started = true;
  }
  async stop() {
    this.stopped = true;
  }
  async sendRequest(method: string, params: unknown) {
    this.requests.push({ method, params });
    const command = (params as { command?: string }).command ?? method;
    return this.behaviour.responses?.[command];
  }
  async sendNotification(method: string, params: unknown) {
    this.notifications.push({ method, params });
  }
  onNotification(method: string, handler: (params: unknown) => void) {
    this.handlers.set(method, handler);
    return { dispose: () => this.handlers.delete(method) };
  }
  notify(method: string, params: unknown) {
    this.handlers.get(method)?.(params);
  }
}

interface Harness {
  fake: FakeVscode;
  controller: Controller;
  clients: FakeClient[];
  timers: { fn: () => void; ms: number }[];
  probes: string[][];
  runTimer(): Promise<void>;
}

function harness(opts: {
  config?: Record<string, unknown>;
  probe?: (command: string) => ProbeResult;
  failStart?: boolean | ((n: number) => boolean);
  responses?: Record<string, unknown>;
  pythonExt?: string[];
} = {}): Harness {
  const fake = createFakeVscode({ ...opts.config }, defaultConfig());
  const clients: FakeClient[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const probes: string[][] = [];
  let now = 0;
  const controller = new Controller({
    vscode: fake.api,
    schema,
    createClient: (o) => {
      const n = clients.length;
      const failStart = typeof opts.failStart === 'function' ? opts.failStart(n) : opts.failStart;
      const c = new FakeClient(o, { failStart, responses: opts.responses });
      clients.push(c);
      return c;
    },
    probe: async (py) => {
      probes.push([py.command, ...py.args]);
      return opts.probe ? opts.probe(py.command) : { ok: true, version: '0.1.0' };
    },
    pythonFromExtension: async () => opts.pythonExt,
    policy: new RestartPolicy({ maxRestarts: 3, windowMs: 180000, baseDelayMs: 1000, maxDelayMs: 16000 }, () => now),
    setTimer: (fn, ms) => {
      const t = { fn, ms };
      timers.push(t);
      return t;
    },
    clearTimer: (h) => {
      const i = timers.indexOf(h as { fn: () => void; ms: number });
      if (i >= 0) timers.splice(i, 1);
    },
  });
  return {
    fake,
    controller,
    clients,
    timers,
    probes,
    async runTimer() {
      const t = timers.shift();
      assert.ok(t, 'a restart timer is pending');
      now += t.ms;
      t.fn();
      // let the async start() run to completion
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    },
  };
}

test('starts `python -m aix_lsp serve` with snake_case initializationOptions', async () => {
  const h = harness({ config: { maxNewTokens: 16, serverArgs: ['--log-level', 'debug'] }, pythonExt: ['/venv/bin/python'] });
  await h.controller.start();
  assert.equal(h.clients.length, 1);
  const o = h.clients[0].options;
  assert.equal(o.command, '/venv/bin/python');
  assert.deepEqual(o.args, ['-m', 'aix_lsp', 'serve', '--log-level', 'debug']);
  // Only what the user set: defaults would override flags given in aix.serverArgs.
  assert.deepEqual(o.initializationOptions, { max_new_tokens: 16 });
  assert.equal(h.clients[0].started, true);
  assert.deepEqual(h.fake.messages, []);
  // It asked the server for its status once.
  assert.deepEqual(h.clients[0].requests.map((r) => (r.params as { command: string }).command), ['aix.status']);
  await h.controller.dispose();
  assert.equal(h.clients[0].stopped, true);
});

test('aix.pythonPath overrides the Python extension', async () => {
  const h = harness({ config: { pythonPath: '/opt/python' }, pythonExt: ['/venv/bin/python'] });
  await h.controller.start();
  assert.equal(h.clients[0].options.command, '/opt/python');
  await h.controller.dispose();
});

test('defaults to python3 without the Python extension', async () => {
  const h = harness();
  await h.controller.start();
  assert.equal(h.clients[0].options.command, process.platform === 'win32' ? 'python' : 'python3');
  await h.controller.dispose();
});

test('status bar follows aix/status: loading with progress, ready, error', async () => {
  const h = harness();
  await h.controller.start();
  const item = h.fake.statusItems[0];
  assert.equal(item.text, '$(loading~spin) aiX');
  const c = h.clients[0];
  c.notify('aix/status', { state: 'loading', message: 'loading', model: 'm', device: 'cpu', progress: 30, index: { state: 'idle', done: 0, total: 0 } });
  assert.equal(item.text, '$(loading~spin) aiX 30%');
  c.notify('aix/status', { state: 'ready', message: '', model: 'm', device: 'cpu', progress: null, index: { state: 'ready', done: 5, total: 5 } });
  assert.equal(item.text, '$(sparkle) aiX');
  assert.match(String(item.tooltip), /model: m, device: cpu/);
  c.notify('aix/status', { state: 'error', message: 'model not found: /nope', model: '/nope', device: 'cpu', progress: null });
  assert.equal(item.text, '$(error) aiX');
  assert.match(String(item.tooltip), /model not found: \/nope/);
  assert.ok(item.backgroundColor);
  assert.ok(h.fake.channels[0].lines.some((l) => l.includes('model not found')));
  c.notify('aix/status', { nonsense: true });
  assert.equal(item.text, '$(error) aiX');
  await h.controller.dispose();
});

test('interpreter without aix_lsp: one notification saying how to install, no client, no restart', async () => {
  const h = harness({ probe: () => ({ ok: false, kind: 'missing-package', detail: '' }) });
  await h.controller.start();
  assert.equal(h.clients.length, 0);
  assert.equal(h.timers.length, 0);
  assert.equal(h.fake.messages.length, 1);
  assert.equal(h.fake.messages[0].level, 'error');
  assert.match(h.fake.messages[0].text, /pip install aix-lsp/);
  assert.match(h.fake.messages[0].text, /pip install -e \./);
  assert.deepEqual(h.fake.messages[0].items, ['Open Settings', 'Show Log']);
  assert.equal(h.fake.statusItems[0].text, '$(error) aiX: not installed');
  await h.controller.dispose();
});

test('missing interpreter: says so, and fixing aix.pythonPath starts the server', async () => {
  const h = harness({
    config: { pythonPath: '/nonexistent/python' },
    probe: (cmd) => (cmd === '/nonexistent/python' ? { ok: false, kind: 'missing-interpreter', detail: 'ENOENT' } : { ok: true, version: '0.1.0' }),
  });
  await h.controller.start();
  assert.equal(h.clients.length, 0);
  assert.match(h.fake.messages[0].text, /"\/nonexistent\/python" \(from aix\.pythonPath\) was not found/);
  await h.fake.changeConfig({ pythonPath: '/usr/bin/python3' });
  assert.equal(h.clients.length, 1);
  assert.equal(h.clients[0].options.command, '/usr/bin/python3');
  await h.controller.dispose();
});

test('a server that keeps crashing is restarted 3 times with back-off, then left stopped', async () => {
  const h = harness({ failStart: true });
  await h.controller.start();
  const item = h.fake.statusItems[0];
  const delays: number[] = [];
  for (let i = 1; i <= 3; i++) {
    assert.equal(h.timers.length, 1);
    assert.equal(item.text, `$(warning) aiX restarting (${i}/3)`);
    delays.push(h.timers[0].ms);
    await h.runTimer();
  }
  assert.deepEqual(delays, [1000, 2000, 4000]);
  assert.equal(h.clients.length, 4);
  assert.equal(h.timers.length, 0, 'no further restart scheduled');
  assert.equal(item.text, '$(error) aiX stopped');
  const errors = h.fake.messages.filter((m) => m.level === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0].text, /stopped 4 times in a row; not restarting/);
  assert.deepEqual(errors[0].items, ['Show Log', 'Restart']);
  // The user's restart starts over.
  await h.fake.api.commands.executeCommand(COMMANDS.restart);
  assert.equal(h.clients.length, 5);
  assert.equal(h.timers.length, 1);
  await h.controller.dispose();
  assert.equal(h.timers.length, 0, 'dispose cancels a pending restart');
});

test('a crash after a good start restarts the server; a late event from the old client is ignored', async () => {
  const h = harness();
  await h.controller.start();
  const first = h.clients[0];
  first.options.onUnexpectedExit('exit code 1');
  assert.equal(h.timers.length, 1);
  first.options.onUnexpectedExit('closed again'); // duplicate for the same process
  assert.equal(h.timers.length, 1);
  await h.runTimer();
  assert.equal(h.clients.length, 2);
  assert.equal(h.clients[1].started, true);
  first.notify('aix/status', { state: 'error', message: 'stale' });
  assert.notEqual(h.fake.statusItems[0].text, '$(error) aiX');
  await h.controller.dispose();
});

test('intentional stops are not crashes', async () => {
  const h = harness();
  await h.controller.start();
  const first = h.clients[0];
  await h.controller.restart();
  first.options.onUnexpectedExit('closed by stop'); // the client reports the close of the stopped process
  assert.equal(h.timers.length, 0);
  assert.equal(first.stopped, true);
  assert.equal(h.clients.length, 2);
  await h.controller.dispose();
});

test('setting changes are sent as didChangeConfiguration with section aix and snake_case keys', async () => {
  const h = harness();
  await h.controller.start();
  await h.fake.changeConfig({ maxNewTokens: 16, enabledLanguages: ['python'] });
  const n = h.clients[0].notifications;
  assert.equal(n.length, 1);
  assert.equal(n[0].method, 'workspace/didChangeConfiguration');
  const aix = (n[0].params as { settings: { aix: Record<string, unknown> } }).settings.aix;
  // Only the changed settings: the server merges them into what it has.
  assert.deepEqual(aix, { max_new_tokens: 16, enabled_languages: ['python'] });
  // The server's workspace/configuration pull gets every setting, snake_case.
  const pulled = h.clients[0].options.serverSettings();
  assert.equal(pulled.max_new_tokens, 16);
  assert.equal(pulled.model, 'aiXcoder/aixcoder-7b-base');
  assert.equal(h.clients.length, 1, 'no restart for a server setting');
  await h.controller.dispose();
});

test('a removed setting is sent with its default, so the server goes back to it', async () => {
  const h = harness({ config: { maxNewTokens: 16 } });
  await h.controller.start();
  await h.fake.changeConfig({ maxNewTokens: undefined });
  const aix = (h.clients[0].notifications[0].params as { settings: { aix: Record<string, unknown> } }).settings.aix;
  assert.deepEqual(aix, { max_new_tokens: 256 });
  await h.controller.dispose();
});

test('a change of an extension-only setting sends nothing to the server', async () => {
  const h = harness();
  await h.controller.start();
  await h.fake.changeConfig({ completionItems: true });
  assert.equal(h.clients[0].notifications.length, 0);
  await h.controller.dispose();
});

test('a setting with a wrong type is rejected with a message naming it; the rest is sent', async () => {
  const h = harness();
  await h.controller.start();
  await h.fake.changeConfig({ maxNewTokens: 'lots', device: 'cpu' });
  const warnings = h.fake.messages.filter((m) => m.level === 'warning');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0].text, /aix\.maxNewTokens: expected an integer >= 1, got the string "lots"/);
  const aix = (h.clients[0].notifications[0].params as { settings: { aix: Record<string, unknown> } }).settings.aix;
  assert.ok(!('max_new_tokens' in aix));
  assert.equal(aix.device, 'cpu');
  await h.controller.dispose();
});

test('wrong types at start-up are reported and left out of initializationOptions', async () => {
  const h = harness({ config: { retrieval: 'off', serverArgs: '--x' } });
  await h.controller.start();
  const texts = h.fake.messages.map((m) => m.text).join('\n');
  assert.match(texts, /aix\.serverArgs: expected an array of strings/);
  assert.match(texts, /aix\.retrieval: expected true or false/);
  assert.ok(!('retrieval' in h.clients[0].options.initializationOptions));
  assert.deepEqual(h.clients[0].options.args, ['-m', 'aix_lsp', 'serve']);
  await h.controller.dispose();
});

test('changing serverArgs restarts the server with the new arguments', async () => {
  const h = harness();
  await h.controller.start();
  await h.fake.changeConfig({ serverArgs: ['--log-level', 'debug'] });
  assert.equal(h.clients.length, 2);
  assert.equal(h.clients[0].stopped, true);
  assert.deepEqual(h.clients[1].options.args.slice(-2), ['--log-level', 'debug']);
  await h.controller.dispose();
});

test('completionItems is read live by the client middleware', async () => {
  const h = harness();
  await h.controller.start();
  assert.equal(h.clients[0].options.completionItems(), false);
  await h.fake.changeConfig({ completionItems: true });
  assert.equal(h.clients[0].options.completionItems(), true);
  await h.controller.dispose();
});

test('toggle runs the server command aix.toggle and reports the result', async () => {
  const h = harness({ responses: { 'aix.toggle': { enabled: false } } });
  await h.controller.start();
  h.clients[0].notify('aix/status', { state: 'ready', model: 'm', device: 'cpu' });
  const enabled = await h.fake.api.commands.executeCommand(COMMANDS.toggle);
  assert.equal(enabled, false);
  const req = h.clients[0].requests.at(-1)!;
  assert.equal(req.method, 'workspace/executeCommand');
  assert.deepEqual(req.params, { command: 'aix.toggle', arguments: [] });
  assert.match(h.fake.messages.at(-1)!.text, /completions off/);
  assert.equal(h.fake.statusItems[0].text, '$(circle-slash) aiX');
  await h.controller.dispose();
});

test('reload model runs aix.reloadModel; show log shows the channel; commands without a server warn', async () => {
  const h = harness();
  await h.controller.start();
  await h.fake.api.commands.executeCommand(COMMANDS.reloadModel);
  assert.deepEqual(h.clients[0].requests.at(-1)!.params, { command: 'aix.reloadModel', arguments: [] });
  await h.fake.api.commands.executeCommand(COMMANDS.showLog);
  assert.equal(h.fake.channels[0].shown, 1);
  await h.controller.dispose();
  const g = harness({ probe: () => ({ ok: false, kind: 'missing-package', detail: '' }) });
  await g.controller.start();
  await g.controller.toggle();
  assert.match(g.fake.messages.at(-1)!.text, /server is not running/);
  await g.controller.dispose();
});

test('"Why this suggestion?" asks the server for aix.explain at the cursor and shows its text beside the editor', async () => {
  const explanation = { text: 'position: /w/a.py:3:5\nscenario: line\n---\n=== prompt ===\n<s>...', scenario: 'line' };
  const h = harness({ responses: { 'aix.explain': explanation } });
  await h.controller.start();
  h.fake.api.window.activeTextEditor = {
    document: { uri: { toString: () => 'file:///w/a.py' } },
    selection: { active: { line: 2, character: 4 } },
  };
  const text = await h.fake.api.commands.executeCommand(COMMANDS.explain);
  assert.equal(text, explanation.text);
  assert.deepEqual(h.clients[0].requests.at(-1)!.params, {
    command: 'aix.explain',
    arguments: [{ uri: 'file:///w/a.py', position: { line: 2, character: 4 } }],
  });
  assert.equal(h.fake.shownDocuments.length, 1);
  assert.equal(h.fake.shownDocuments[0].content, explanation.text);
  // no editor: a message, no request
  h.fake.api.window.activeTextEditor = undefined;
  const requests = h.clients[0].requests.length;
  assert.equal(await h.fake.api.commands.executeCommand(COMMANDS.explain), undefined);
  assert.equal(h.clients[0].requests.length, requests);
  assert.match(h.fake.messages.at(-1)!.text, /cursor/);
  await h.controller.dispose();
});

test('the menu runs the picked command', async () => {
  const h = harness();
  await h.controller.start();
  h.fake.answer = 3; // "Show server log"
  await h.fake.api.commands.executeCommand(COMMANDS.menu);
  assert.equal(h.fake.channels[0].shown, 1);
  await h.controller.dispose();
});

test('dispose removes the commands and the status item', async () => {
  const h = harness();
  await h.controller.start();
  assert.deepEqual([...h.fake.commands.keys()].sort(), Object.values(COMMANDS).sort());
  await h.controller.dispose();
  assert.equal(h.fake.commands.size, 0);
  assert.equal(h.fake.statusItems[0].disposed, true);
});

test('package.json contributes exactly the commands the controller registers', () => {
  assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.values(COMMANDS).sort());
});

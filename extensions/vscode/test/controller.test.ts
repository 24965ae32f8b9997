import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ClientFactoryOptions, ClientLike, COMMANDS, Controller } from '../src/controller';
import { COMMANDS as NEXT_EDIT_COMMANDS } from '../src/nextEdit';
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
    const response = this.behaviour.responses?.[command];
    return typeof response === 'function' ? response(params) : response;
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
  // The server logs the failed load itself (window/logMessage): the extension adds no second copy.
  assert.ok(!h.fake.channels[0].lines.some((l) => l.includes('model not found')));
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
  assert.equal(String(h.fake.shownDocuments[0].uri), 'aix-explain:/Why this suggestion');
  assert.equal(h.fake.untitled, 0, 'no Untitled document');
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

test('package.json contributes exactly the commands the controller and the next-edit display register', () => {
  assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), [...Object.values(COMMANDS), ...Object.values(NEXT_EDIT_COMMANDS)].sort());
});


test('"Why this suggestion?" reuses one read-only virtual document, refreshed in place', async () => {
  let n = 0;
  const h = harness({ responses: { 'aix.explain': () => ({ text: `explanation ${++n}` }) } });
  await h.controller.start();
  h.fake.setActiveEditor('file:///w/a.py', { line: 1, character: 2 });
  const fired: string[] = [];
  (h.fake.providers.get('aix-explain')!.onDidChange as (l: (u: unknown) => void) => void)((u) => fired.push(String(u)));
  await h.fake.api.commands.executeCommand(COMMANDS.explain);
  await h.fake.api.commands.executeCommand(COMMANDS.explain);
  assert.deepEqual(h.fake.shownDocuments.map((d) => [String(d.uri), d.content]), [
    ['aix-explain:/Why this suggestion', 'explanation 1'],
    ['aix-explain:/Why this suggestion', 'explanation 2'],
  ]);
  assert.equal(h.fake.untitled, 0);
  // an open view of it is told to re-read its content
  assert.deepEqual(fired, ['aix-explain:/Why this suggestion', 'aix-explain:/Why this suggestion']);
  await h.controller.dispose();
  assert.equal(h.fake.providers.size, 0, 'the provider is disposed');
});

test('a disabled language shows "off" in the status bar, not "ready"; another language shows ready', async () => {
  const enabled: Record<string, [string, boolean]> = { 'file:///w/a.py': ['python', false], 'file:///w/b.js': ['javascript', true] };
  const status = { state: 'ready', message: '', model: 'm', device: 'cpu', progress: null };
  const h = harness({
    responses: {
      'aix.status': (params: { arguments: { uri?: string }[] }) => {
        const uri = params.arguments[0]?.uri;
        return uri ? { ...status, uri, language: enabled[uri][0], language_enabled: enabled[uri][1] } : status;
      },
    },
  });
  h.fake.setActiveEditor('file:///w/a.py');
  await h.controller.start();
  h.clients[0].notify('aix/status', status);
  await h.controller.settled();
  const item = h.fake.statusItems[0];
  assert.equal(item.text, '$(circle-slash) aiX');
  assert.match(String(item.tooltip), /no completions for python/);
  h.fake.setActiveEditor('file:///w/b.js');
  await h.controller.settled();
  assert.equal(item.text, '$(sparkle) aiX');
  h.fake.setActiveEditor('file:///w/a.py');
  await h.controller.settled();
  assert.equal(item.text, '$(circle-slash) aiX');
  // a view that is not a synced document (the explanation, the output) keeps what the last file showed
  h.fake.setActiveEditor('aix-explain:/Why this suggestion');
  await h.controller.settled();
  const asked = h.clients[0].requests.filter((r) => (r.params as { arguments: { uri?: string }[] }).arguments[0]?.uri?.startsWith('aix-explain'));
  assert.equal(asked.length, 0);
  await h.controller.dispose();
});

test('aix.trace.server turns tracing on through the trace channel\'s log level (vscode-languageclient needs Trace)', async () => {
  const h = harness();
  await h.controller.start();
  const trace = h.clients[0].options.traceOutputChannel;
  const LogLevel = h.fake.api.LogLevel;
  assert.equal(trace.logLevel, LogLevel.Off);
  const levels: number[] = [];
  trace.onDidChangeLogLevel((l) => levels.push(l));
  await h.fake.changeConfig({ 'trace.server': 'verbose' });
  assert.equal(trace.logLevel, LogLevel.Trace);
  assert.deepEqual(levels, [LogLevel.Trace]);
  trace.trace('Sending request textDocument/inlineCompletion');
  const channel = h.fake.channels.find((c) => c.name === 'aiX LSP Trace')!;
  assert.match(channel.lines.at(-1)!, /\[trace\] Sending request textDocument\/inlineCompletion/);
  await h.fake.changeConfig({ 'trace.server': 'off' });
  assert.equal(trace.logLevel, LogLevel.Off);
  assert.deepEqual(levels, [LogLevel.Trace, LogLevel.Off]);
  assert.equal(h.clients.length, 1, 'no restart');
  await h.controller.dispose();
});

test('remote window: machine settings come from Remote settings, not the local User settings, at start and after a save', async () => {
  const r = harness();
  r.fake.remoteName = 'ssh-remote';
  // aix.model set only in the local User settings (VS Code does not apply it in a remote window),
  // aix.device in Remote settings, aix.maxNewTokens (window scope) in the User settings.
  r.fake.layers = { globalLocalValue: { model: '/local/model', maxNewTokens: 16 }, globalRemoteValue: { device: 'cpu' } };
  await r.controller.start();
  const init = r.clients[0].options.initializationOptions;
  assert.deepEqual(init, { device: 'cpu', max_new_tokens: 16 }, 'the User model is not sent, neither at start ...');
  const warnings = r.fake.messages.filter((m) => m.level === 'warning');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0].text, /aix\.model in your User settings is not applied in this remote window \(ssh-remote\)/);
  assert.match(warnings[0].text, /Remote settings/);
  assert.deepEqual(warnings[0].items, ['Open Remote Settings']);
  // ... nor after the next save of User settings (VS Code then drops the User value: the value is unchanged for us)
  r.fake.layers.globalLocalValue!.maxNewTokens = 32;
  await r.fake.changeConfig({ maxNewTokens: 32 });
  const sent = (r.clients[0].notifications[0].params as { settings: { aix: Record<string, unknown> } }).settings.aix;
  assert.deepEqual(sent, { max_new_tokens: 32 });
  assert.equal(r.fake.messages.filter((m) => m.level === 'warning').length, 1, 'reported once');
  // the server's pull sees the same model as the start did
  assert.equal(r.clients[0].options.serverSettings().model, 'aiXcoder/aixcoder-7b-base');
  // set in Remote settings (or the workspace, for machine-overridable ones), it applies
  r.fake.layers = { globalLocalValue: { model: '/local/model' }, globalRemoteValue: { model: '/remote/model' }, workspaceValue: { device: 'cuda' } };
  await r.fake.changeConfig({ model: '/remote/model', device: 'cuda' });
  const second = (r.clients[0].notifications[1].params as { settings: { aix: Record<string, unknown> } }).settings.aix;
  assert.deepEqual(second, { model: '/remote/model', device: 'cuda' });
  await r.controller.dispose();
});

test('remote window: the API key (scope machine) never comes from the workspace; a local window reads settings as before', async () => {
  const r = harness();
  r.fake.remoteName = 'dev-container';
  r.fake.layers = { workspaceValue: { apiBase: 'http://evil:8000/v1' }, globalRemoteValue: { apiKey: 'sk-remote' } };
  await r.controller.start();
  const init = r.clients[0].options.initializationOptions;
  assert.equal(init.api_key, 'sk-remote');
  assert.ok(!('api_base' in init));
  await r.controller.dispose();
  const l = harness();
  l.fake.layers = { globalLocalValue: { model: '/local/model' } };
  await l.controller.start();
  assert.equal(l.clients[0].options.initializationOptions.model, '/local/model');
  assert.equal(l.fake.messages.length, 0);
  await l.controller.dispose();
});


test('remote window: a failed load with aix.model unset there says where machine settings go, once', async () => {
  const r = harness();
  r.fake.remoteName = 'code-server';
  r.fake.layers = { globalRemoteValue: { device: 'cpu' } }; // VS Code filtered the User aix.model out
  await r.controller.start();
  const error = { state: 'error', message: 'no such directory or model id: aiXcoder/aixcoder-7b-base', model: 'aiXcoder/aixcoder-7b-base', device: '', progress: null };
  r.clients[0].notify('aix/status', error);
  r.clients[0].notify('aix/status', error);
  const hints = r.fake.messages.filter((m) => /aix\.model is not set for this remote window \(code-server\)/.test(m.text));
  assert.equal(hints.length, 1);
  assert.match(hints[0].text, /Remote settings/);
  assert.deepEqual(hints[0].items, ['Open Remote Settings']);
  await r.controller.dispose();
  // set in Remote settings, or a local window: no hint
  for (const setup of [{ remote: 'code-server', layers: { globalRemoteValue: { model: '/m' } } }, { remote: undefined, layers: undefined }]) {
    const h = harness();
    h.fake.remoteName = setup.remote;
    h.fake.layers = setup.layers;
    await h.controller.start();
    h.clients[0].notify('aix/status', error);
    assert.equal(h.fake.messages.length, 0);
    await h.controller.dispose();
  }
});

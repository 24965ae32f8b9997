// Loads the real entry point (src/extension.ts) with `vscode` replaced by the fake, so the wiring
// between activate(), the Controller, vscode-languageclient and the Python probe is exercised.
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import Module = require('node:module');
import { createFakeVscode, FakeVscode } from './fakeVscode';
import * as manifest from '../package.json';

let fake: FakeVscode;
let extension: typeof import('../src/extension');

before(() => {
  const defaults: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(manifest.contributes.configuration.properties)) defaults[key.slice(4)] = (s as { default?: unknown }).default;
  fake = createFakeVscode({}, defaults);
  // vscode-languageclient subclasses a few vscode classes at load time; any unknown export is a class.
  const api = new Proxy(fake.api, {
    get(target, name) {
      if (name === '__esModule') return true; // so TypeScript's __importStar hands the proxy through
      if (name in target) return target[name as string];
      if (typeof name === 'string' && /^[A-Z]/.test(name)) {
        const stub = class {};
        target[name] = stub;
        return stub;
      }
      return undefined;
    },
  });
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = mod._load;
  mod._load = function (request: string, ...rest: unknown[]) {
    if (request === 'vscode') return api;
    return load.call(this, request, ...rest);
  };
  extension = require('../src/extension');
});

test('activate with an interpreter that does not exist: a notification, no crash, no restart', async () => {
  fake.config.pythonPath = '/nonexistent/bin/python3';
  const subscriptions: { dispose(): unknown }[] = [];
  const controller = await extension.activate({ subscriptions } as never);
  assert.deepEqual([...fake.commands.keys()].sort(), manifest.contributes.commands.map((c) => c.command).sort());
  // start() runs in the background: wait for the probe.
  for (let i = 0; i < 100 && controller.status.kind === 'starting'; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(controller.status.kind, 'not-installed');
  assert.equal(fake.messages.length, 1);
  assert.match(fake.messages[0].text, /"\/nonexistent\/bin\/python3" \(from aix\.pythonPath\) was not found/);
  assert.match(fake.messages[0].text, /pip install aix-lsp/);
  assert.equal(controller.running, false);
  await extension.deactivate();
  assert.equal(fake.commands.size, 0);
});

test('the language client is built with the document selector and our middleware', async () => {
  const settings = { max_new_tokens: 16 };
  let items = false;
  const o = extension.clientOptionsFor({
    command: 'python3',
    args: ['-m', 'aix_lsp', 'serve'],
    initializationOptions: settings,
    outputChannel: fake.api.window.createOutputChannel('x'),
    traceOutputChannel: fake.api.window.createOutputChannel('t'),
    onUnexpectedExit: () => undefined,
    serverSettings: () => settings,
    completionItems: () => items,
  }) as Record<string, any>;
  assert.deepEqual(o.initializationOptions, settings);
  assert.equal(o.traceOutputChannel.name, 't');
  const languages = new Set(o.documentSelector.map((s: { language: string }) => s.language));
  for (const l of ['python', 'java', 'javascript', 'typescript', 'c', 'cpp', 'go', 'rust']) assert.ok(languages.has(l), l);
  // completion items are dropped unless aix.completionItems is on
  const next = async () => ['item'];
  assert.equal(await o.middleware.provideCompletionItem({}, {}, {}, {}, next), undefined);
  items = true;
  assert.deepEqual(await o.middleware.provideCompletionItem({}, {}, {}, {}, next), ['item']);
  // workspace/configuration for section aix answers with the snake_case settings
  const answer = await o.middleware.workspace.configuration(
    { items: [{ section: 'aix' }, { section: 'aix.maxNewTokens' }, { section: 'editor' }] },
    {},
    async () => [{ maxNewTokens: 16, pythonPath: '' }, 16, { tabSize: 4 }],
  );
  assert.deepEqual(answer, [{ max_new_tokens: 16 }, 16, { tabSize: 4 }]);
  // the client must not restart on its own: our policy does
  const closed = o.errorHandler.closed();
  assert.equal(closed.handled, true);
  assert.equal(closed.action, 1 /* CloseAction.DoNotRestart */);
});

test('the server runs as `<python> -m aix_lsp serve` over stdio, with no --stdio flag appended', () => {
  const options = extension.serverOptionsFor({ command: '/venv/bin/python', args: ['-m', 'aix_lsp', 'serve'] }, { PATH: '/bin' }) as unknown as Record<string, unknown>;
  assert.equal(options.transport, undefined);
  assert.deepEqual(options, { command: '/venv/bin/python', args: ['-m', 'aix_lsp', 'serve'], options: { env: { PATH: '/bin', AIX_LSP_CLIENT: 'vscode' } } });
});

test('the server is told it serves VS Code (AIX_LSP_CLIENT), so its setting messages name aix.maxContextTokens', () => {
  const options = extension.serverOptionsFor({ command: 'python3', args: [] }) as unknown as { options: { env: Record<string, string> } };
  assert.equal(options.options.env.AIX_LSP_CLIENT, 'vscode');
  assert.equal(options.options.env.PATH, process.env.PATH, 'the rest of the environment is kept');
});

test('inline completions pass the next-edit gate: withheld while a next edit is shown, and reported when they have items', async () => {
  let suppress = false;
  const answered: boolean[] = [];
  const o = extension.clientOptionsFor({
    command: 'python3',
    args: [],
    initializationOptions: {},
    outputChannel: fake.api.window.createOutputChannel('x'),
    traceOutputChannel: fake.api.window.createOutputChannel('t'),
    onUnexpectedExit: () => undefined,
    serverSettings: () => ({}),
    completionItems: () => false,
    inlineGate: { suppressInline: () => suppress, inlineAnswered: (_d, has) => void answered.push(has) },
  }) as Record<string, any>;
  let asked = 0;
  const next = async () => (++asked, { items: [{ insertText: 'x' }] });
  assert.deepEqual(await o.middleware.provideInlineCompletionItems({}, {}, {}, {}, next), { items: [{ insertText: 'x' }] });
  assert.deepEqual(await o.middleware.provideInlineCompletionItems({}, {}, {}, {}, async () => []), []);
  assert.deepEqual(answered, [true, false]);
  suppress = true;
  assert.equal(await o.middleware.provideInlineCompletionItems({}, {}, {}, {}, next), undefined);
  assert.equal(asked, 1, 'the server is not asked while a next edit is shown');
});

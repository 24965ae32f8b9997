// The next-edit display (src/nextEdit.ts) against the fake `vscode`: shown -> jumped -> applied, dismissed,
// stale answers dropped, one suggestion at a time with ghost text, and the keybindings of package.json.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { COMMANDS, CONTEXT_KEY, ghostText, InlineEdit, METHOD, NextEdits, readResult } from '../src/nextEdit';
import * as manifest from '../package.json';
import { createFakeVscode, FakeDocument, FakeEditor, FakeUri, Position, Range } from './fakeVscode';

const TEXT = 'def scale(v):\n    return n * 2';
const URI = 'file:///w/next.py';

/** The server's answer: `n` on line 1 becomes `v` (away from the cursor on line 0). */
function answer(version: number, edit: Partial<InlineEdit> = {}): unknown {
  return {
    edits: [{ text: 'v', textDocument: { uri: URI, version }, range: { start: { line: 1, character: 11 }, end: { line: 1, character: 12 } }, ...edit }],
  };
}

interface Call {
  params: { textDocument: { uri: string; version: number }; position: { line: number; character: number } };
  token: { isCancellationRequested: boolean };
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

function setup(opts: { enabled?: boolean; text?: string } = {}) {
  const fake = createFakeVscode();
  const document = new FakeDocument(FakeUri.parse(URI), opts.text ?? 'def scale():\n    return n * 2');
  const editor = new FakeEditor(document);
  fake.showEditor(editor);
  const calls: Call[] = [];
  const timers: (() => void)[] = [];
  const logs: string[] = [];
  let enabled = opts.enabled ?? true;
  const nextEdits = new NextEdits({
    vscode: fake.api,
    request: (params, token) => new Promise((resolve, reject) => calls.push({ params: params as Call['params'], token: token as Call['token'], resolve, reject })),
    enabled: () => enabled,
    synced: (d) => d.languageId === 'python',
    log: (m) => logs.push(m),
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => timers.splice(0),
  });
  /** The user types `v` between the parentheses of line 0; the pause passes; the request goes out. */
  const typeV = () => {
    fake.edit(document, new Range(new Position(0, 10), new Position(0, 10)), 'v');
    fake.moveCursor(editor, 0, 11);
    for (const fn of timers.splice(0)) fn();
  };
  /** Answers the last request and waits until it is handled. */
  const respond = async (result: unknown) => {
    calls.at(-1)!.resolve(result);
    await nextEdits.settled;
  };
  return { fake, document, editor, nextEdits, calls, timers, logs, typeV, respond, setEnabled: (v: boolean) => (enabled = v) };
}

const removed = (editor: FakeEditor) => editor.shown().filter((d) => !d.renderOptions);
const inserted = (editor: FakeEditor) => editor.shown().filter((d) => d.renderOptions?.after?.contentText !== undefined);
const at = (r: Range) => [r.start.line, r.start.character, r.end.line, r.end.character];

test('after a change and a pause: textDocument/copilotInlineEdit at the cursor, with the document version', () => {
  const { calls, typeV, document } = setup();
  typeV();
  assert.equal(METHOD, 'textDocument/copilotInlineEdit');
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].params, { textDocument: { uri: URI, version: document.version }, position: { line: 0, character: 11 } });
});

test('shown: the replaced text struck through, the new text as ghost text after it, the context key set', async () => {
  const { fake, editor, nextEdits, typeV, respond, document } = setup();
  typeV();
  await respond(answer(document.version));
  assert.equal(nextEdits.phase, 'shown');
  assert.deepEqual(removed(editor).map((d) => at(d.range)), [[1, 11, 1, 12]]);
  assert.deepEqual(inserted(editor).map((d) => [at(d.range), d.renderOptions!.after!.contentText]), [[[1, 12, 1, 12], 'v']]);
  assert.equal(fake.context.get(CONTEXT_KEY), true);
  const [removedType, insertedType] = fake.decorationTypes.map((t) => t.options as Record<string, any>);
  assert.equal(removedType.textDecoration, 'line-through');
  assert.equal(removedType.color.id, 'aixNextEdit.removedForeground');
  assert.ok(removedType.overviewRulerColor, 'a mark in the overview ruler');
  assert.equal(insertedType.after.color.id, 'aixNextEdit.insertedForeground');
  assert.equal(document.text, TEXT, 'showing changes nothing');
});

test('Tab jumps to the edit, Tab again applies it and runs its command; the decoration goes', async () => {
  const { fake, editor, nextEdits, typeV, respond, document } = setup();
  typeV();
  await respond(answer(document.version, { command: { title: 'accepted', command: 'aix.accepted', arguments: ['id-1'] } }));
  assert.equal(await fake.api.commands.executeCommand(COMMANDS.accept), 'jumped');
  assert.equal(nextEdits.phase, 'jumped');
  assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [1, 11]);
  assert.equal(editor.revealed.length, 1);
  assert.equal(document.text, TEXT, 'the jump changes nothing');
  assert.equal(await fake.api.commands.executeCommand(COMMANDS.accept), 'applied');
  assert.equal(document.text, 'def scale(v):\n    return v * 2');
  assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [1, 12], 'the cursor after the new text');
  assert.deepEqual(fake.executed.find((e) => e.command === 'aix.accepted')?.args, ['id-1']);
  assert.equal(nextEdits.phase, 'requested', 'the applied change asks for the edit after it');
  assert.deepEqual(editor.shown(), []);
  assert.equal(fake.context.get(CONTEXT_KEY), false);
});

test('a multi-line insertion: ghost text on one line, applied as is, the cursor at its end', async () => {
  const { fake, editor, typeV, respond, document } = setup();
  typeV();
  await respond(answer(document.version, { text: 'v\n    x = 1', range: { start: { line: 1, character: 11 }, end: { line: 1, character: 12 } } }));
  assert.equal(inserted(editor)[0].renderOptions!.after!.contentText, ghostText('v\n    x = 1'));
  assert.ok(!ghostText('a\nb').includes('\n'));
  await fake.api.commands.executeCommand(COMMANDS.accept);
  await fake.api.commands.executeCommand(COMMANDS.accept);
  assert.equal(document.text, 'def scale(v):\n    return v\n    x = 1 * 2');
  assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [2, 9]);
});

test('jumped, then the cursor moved off the edit: Tab jumps again instead of applying from afar', async () => {
  const { fake, editor, nextEdits, typeV, respond, document } = setup();
  typeV();
  await respond(answer(document.version));
  await fake.api.commands.executeCommand(COMMANDS.accept);
  fake.moveCursor(editor, 0, 0);
  assert.equal(nextEdits.phase, 'shown');
  assert.equal(await fake.api.commands.executeCommand(COMMANDS.accept), 'jumped');
  assert.equal(document.text, TEXT);
});

test('Escape dismisses: no decoration, context key off, the text unchanged, Tab does nothing more', async () => {
  const { fake, editor, nextEdits, typeV, respond, document } = setup();
  typeV();
  await respond(answer(document.version));
  await fake.api.commands.executeCommand(COMMANDS.dismiss);
  assert.equal(nextEdits.phase, 'idle');
  assert.deepEqual(editor.shown(), []);
  assert.equal(fake.context.get(CONTEXT_KEY), false);
  assert.equal(await fake.api.commands.executeCommand(COMMANDS.accept), 'none');
  assert.equal(document.text, TEXT);
});

test('stale: typing while the request runs cancels it, and its answer is not shown', async () => {
  const { editor, nextEdits, calls, typeV, respond, document, fake } = setup();
  typeV();
  const first = calls[0];
  const version = document.version;
  fake.edit(document, new Range(new Position(0, 11), new Position(0, 11)), 'w'); // more typing, before the pause
  assert.equal(first.token.isCancellationRequested, true, 'the running request is cancelled');
  first.resolve(answer(version));
  await nextEdits.settled;
  assert.equal(nextEdits.lastDropped, 'stale');
  assert.deepEqual(editor.shown(), []);
  assert.equal(calls.length, 1, 'the next request waits for the pause');
  void respond;
});

test('stale: an answer for another version, or a change after it was shown, hides it', async () => {
  const { editor, nextEdits, typeV, respond, document, fake } = setup();
  typeV();
  await respond(answer(document.version - 1));
  assert.equal(nextEdits.lastDropped, 'stale');
  assert.deepEqual(editor.shown(), []);
  typeV();
  await respond(answer(document.version));
  assert.equal(nextEdits.phase, 'shown');
  fake.edit(document, new Range(new Position(0, 0), new Position(0, 0)), '#');
  assert.notEqual(nextEdits.phase, 'shown', 'a change makes the shown edit stale');
  assert.deepEqual(editor.shown(), []);
  assert.equal(fake.context.get(CONTEXT_KEY), false);
});

test('another editor: the shown edit goes, and a late answer for the old one is dropped', async () => {
  const { editor, nextEdits, typeV, respond, document, fake } = setup();
  typeV();
  fake.showEditor(new FakeEditor(new FakeDocument(FakeUri.parse('file:///w/other.py'), 'x')));
  await respond(answer(document.version));
  assert.equal(nextEdits.lastDropped, 'stale');
  assert.deepEqual(editor.shown(), []);
});

test('one suggestion at a time: ghost text up at this version, no next edit; a next edit up, no ghost text', async () => {
  const { editor, nextEdits, typeV, respond, document, calls } = setup();
  typeV();
  nextEdits.inlineAnswered(document as never, true); // VS Code shows ghost text from the inline completion
  assert.equal(calls[0].token.isCancellationRequested, true);
  await respond(answer(document.version));
  assert.deepEqual(editor.shown(), []);
  typeV(); // the next change: ghost text is gone with it
  nextEdits.inlineAnswered(document as never, false);
  await respond(answer(document.version));
  assert.equal(nextEdits.phase, 'shown');
  assert.equal(nextEdits.suppressInline(document as never), true, 'inline completions are withheld while it is shown');
  assert.equal(nextEdits.suppressInline(new FakeDocument(FakeUri.parse('file:///w/other.py'), '') as never), false);
});

test('an edit on the cursor\'s line is left to the inline completion (the server sends it there with a range)', async () => {
  const { editor, nextEdits, typeV, respond, document } = setup();
  typeV();
  await respond(answer(document.version, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } }, text: 'async def' }));
  assert.equal(nextEdits.lastDropped, 'cursor-line');
  assert.deepEqual(editor.shown(), []);
});

test('off (aix.nextEdit false) or a document the server does not have: no request', () => {
  const off = setup({ enabled: false });
  off.typeV();
  assert.equal(off.calls.length, 0);
  const fake = createFakeVscode();
  const other = new FakeEditor(new FakeDocument(FakeUri.parse('file:///w/notes.txt'), 'x', 'plaintext'));
  fake.showEditor(other);
  const calls: unknown[] = [];
  const timers: (() => void)[] = [];
  new NextEdits({ vscode: fake.api, request: async (p) => calls.push(p), enabled: () => true, synced: (d) => d.languageId === 'python', setTimer: (fn) => timers.push(fn) });
  fake.edit(other.document, new Range(new Position(0, 0), new Position(0, 0)), 'y');
  for (const fn of timers.splice(0)) fn();
  assert.equal(calls.length, 0);
});

test('empty, malformed and failed answers show nothing and throw nothing; malformed and failed are logged', async () => {
  const { editor, nextEdits, typeV, respond, calls, logs } = setup();
  for (const bad of [{ edits: [] }, null, 'x', { edits: [{ text: 1 }] }, { edits: [{ text: 'v', range: { start: { line: 2, character: 0 }, end: { line: 1, character: 0 } } }] }]) {
    typeV();
    await respond(bad);
    assert.deepEqual(editor.shown(), []);
  }
  assert.equal(logs.length, 4);
  typeV();
  calls.at(-1)!.reject(new Error('the server is not running'));
  await nextEdits.settled;
  assert.equal(nextEdits.lastDropped, 'failed');
  assert.match(logs.at(-1)!, /not running/);
  assert.equal(readResult({ edits: [] }), 'empty');
  assert.equal(readResult({ edits: [{ text: 'a', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, command: {} }] }), 'malformed');
});

test('package.json: Tab and Escape bound while a next edit is visible and no inline suggestion nor suggest widget is', () => {
  const bindings = (manifest.contributes as { keybindings: { command: string; key: string; when: string }[] }).keybindings;
  const tab = bindings.find((b) => b.command === COMMANDS.accept);
  const escape = bindings.find((b) => b.command === COMMANDS.dismiss);
  for (const [binding, key] of [[tab, 'tab'], [escape, 'escape']] as const) {
    assert.equal(binding?.key, key);
    for (const clause of [CONTEXT_KEY, '!inlineSuggestionVisible', '!suggestWidgetVisible', 'editorTextFocus']) assert.ok(binding!.when.includes(clause), `${key}: ${clause}`);
  }
  const colors = (manifest.contributes as { colors: { id: string }[] }).colors.map((c) => c.id);
  assert.deepEqual(colors.sort(), ['aixNextEdit.insertedForeground', 'aixNextEdit.overviewRuler', 'aixNextEdit.removedForeground']);
});

test('dispose removes the commands and the decoration types', () => {
  const { fake, nextEdits } = setup();
  nextEdits.dispose();
  assert.equal(fake.commands.has(COMMANDS.accept), false);
  assert.ok(fake.decorationTypes.every((t) => t.disposed));
});

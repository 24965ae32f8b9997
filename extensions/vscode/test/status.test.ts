import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseServerStatus, presentStatus } from '../src/status';

const base = { message: '', model: 'aiXcoder/aixcoder-7b-base', device: 'cuda:0', progress: null, index: { state: 'idle', done: 0, total: 0 } };

test('loading shows the progress', () => {
  const s = parseServerStatus({ ...base, state: 'loading', progress: 42.4, message: 'loading weights' });
  assert.ok(s);
  const p = presentStatus({ kind: 'server', status: s });
  assert.equal(p.text, '$(loading~spin) aiX 42%');
  assert.match(p.tooltip, /loading weights/);
  assert.match(p.tooltip, /device: cuda:0/);
  assert.equal(p.severity, 'normal');
});

test('loading without a known progress shows no percentage', () => {
  const p = presentStatus({ kind: 'server', status: parseServerStatus({ ...base, state: 'loading' })! });
  assert.equal(p.text, '$(loading~spin) aiX');
});

test('ready shows model, device and index progress', () => {
  const s = parseServerStatus({ ...base, state: 'ready', index: { state: 'indexing', done: 3, total: 10 } })!;
  const p = presentStatus({ kind: 'server', status: s });
  assert.equal(p.text, '$(sparkle) aiX $(sync~spin) 3/10');
  assert.match(p.tooltip, /model: aiXcoder\/aixcoder-7b-base, device: cuda:0/);
  assert.match(p.tooltip, /indexing 3\/10 files/);
});

test("ready shows today's accept rate from the server's statistics", () => {
  const s = parseServerStatus({ ...base, state: 'ready', stats: { recording: 'on', today: { shown: 8, accepted: 3, accept_rate: 0.375 } } })!;
  assert.match(presentStatus({ kind: 'server', status: s }).tooltip, /today: 38% of 8 suggestions accepted/);
  const none = parseServerStatus({ ...base, state: 'ready', stats: { recording: 'on', today: { shown: 0, accepted: 0, accept_rate: null } } })!;
  assert.doesNotMatch(presentStatus({ kind: 'server', status: none }).tooltip, /today/);
});

test('error shows the message with error severity', () => {
  const p = presentStatus({ kind: 'server', status: parseServerStatus({ ...base, state: 'error', message: 'CUDA out of memory' })! });
  assert.equal(p.text, '$(error) aiX');
  assert.match(p.tooltip, /CUDA out of memory/);
  assert.equal(p.severity, 'error');
});

test('disabled, restarting, stopped and not installed', () => {
  assert.equal(presentStatus({ kind: 'server', status: parseServerStatus({ ...base, state: 'disabled' })! }).text, '$(circle-slash) aiX');
  const r = presentStatus({ kind: 'restarting', attempt: 2, maxRestarts: 3, delayMs: 2000 });
  assert.equal(r.text, '$(warning) aiX restarting (2/3)');
  assert.match(r.tooltip, /restarting in 2 s/);
  assert.equal(presentStatus({ kind: 'stopped', message: 'x' }).severity, 'error');
  assert.equal(presentStatus({ kind: 'not-installed', message: 'pip install aix-lsp' }).tooltip, 'pip install aix-lsp');
});

test('malformed notifications are rejected, missing fields tolerated', () => {
  assert.equal(parseServerStatus(undefined), undefined);
  assert.equal(parseServerStatus({ state: 'exploded' }), undefined);
  assert.equal(parseServerStatus('ready'), undefined);
  const s = parseServerStatus({ state: 'ready' })!;
  assert.deepEqual(s, { state: 'ready', message: '', model: '', device: '', progress: null, index: undefined });
});

test('a degraded or failed index is shown with its message', () => {
  const s = parseServerStatus({ ...base, state: 'ready', index: { state: 'degraded', done: 0, total: 0, message: 'the file budget is hit: 50000 files are indexed (setting index_max_files)' } })!;
  assert.equal(s.index?.state, 'degraded');
  const p = presentStatus({ kind: 'server', status: s });
  assert.match(p.tooltip, /workspace index: degraded \(the file budget is hit/);
  const e = parseServerStatus({ ...base, state: 'ready', index: { state: 'error', done: 0, total: 0 } })!;
  assert.match(presentStatus({ kind: 'server', status: e }).tooltip, /workspace index: error/);
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { choosePython, installMessage, probeServer, pythonExtensionInterpreter, Runner, serverCommand } from '../src/python';

test('aix.pythonPath wins, then the Python extension, then python3', () => {
  assert.deepEqual(choosePython('/opt/py/bin/python', ['/venv/bin/python'], 'linux'), { command: '/opt/py/bin/python', args: [], source: 'aix.pythonPath' });
  assert.deepEqual(choosePython('', ['conda', 'run', '-n', 'x', 'python'], 'linux'), { command: 'conda', args: ['run', '-n', 'x', 'python'], source: 'Python extension' });
  assert.deepEqual(choosePython('  ', undefined, 'linux'), { command: 'python3', args: [], source: 'default' });
  assert.equal(choosePython('', undefined, 'win32').command, 'python');
});

test('the server command line is <python> -m aix_lsp serve <extra args>', () => {
  const py = choosePython('', ['conda', 'run', 'python'], 'linux');
  assert.deepEqual(serverCommand(py, ['--log-level', 'debug']), { command: 'conda', args: ['run', 'python', '-m', 'aix_lsp', 'serve', '--log-level', 'debug'] });
});

test('Python extension: environments API, then the older execution details API', async () => {
  const envApi = {
    environments: {
      getActiveEnvironmentPath: () => ({ id: 'x', path: '/venv' }),
      resolveEnvironment: async () => ({ executable: { uri: { fsPath: '/venv/bin/python' } } }),
    },
  };
  assert.deepEqual(await pythonExtensionInterpreter(envApi), ['/venv/bin/python']);
  const oldApi = { settings: { getExecutionDetails: () => ({ execCommand: ['/usr/bin/python3.11'] }) } };
  assert.deepEqual(await pythonExtensionInterpreter(oldApi), ['/usr/bin/python3.11']);
  const broken = { environments: { getActiveEnvironmentPath: () => { throw new Error('boom'); } } };
  assert.equal(await pythonExtensionInterpreter(broken), undefined);
  assert.equal(await pythonExtensionInterpreter(undefined), undefined);
});

const fakeRunner = (r: Awaited<ReturnType<Runner>>): Runner => async () => r;

test('probe results: missing interpreter, missing package, installed', async () => {
  const py = choosePython('/x/python', undefined);
  const enoent = Object.assign(new Error('spawn /x/python ENOENT'), { code: 'ENOENT' });
  assert.equal((await probeServer(py, fakeRunner({ code: null, stdout: '', stderr: '', error: enoent }))).ok, false);
  const missing = await probeServer(py, fakeRunner({ code: null, stdout: '', stderr: '', error: enoent }));
  assert.ok(!missing.ok && missing.kind === 'missing-interpreter');
  const noPkg = await probeServer(py, fakeRunner({ code: 3, stdout: 'pygls torch\n', stderr: '' }));
  assert.ok(!noPkg.ok && noPkg.kind === 'missing-package' && noPkg.detail === 'missing modules: pygls torch');
  const ok = await probeServer(py, fakeRunner({ code: 0, stdout: '0.1.0\n', stderr: '' }));
  assert.deepEqual(ok, { ok: true, version: '0.1.0' });
});

test('install messages say how to install', () => {
  const py = choosePython('/x/python', undefined);
  const a = installMessage(py, { ok: false, kind: 'missing-interpreter', detail: '' });
  assert.match(a, /"\/x\/python" \(from aix\.pythonPath\) was not found/);
  assert.match(a, /pip install aix-lsp/);
  assert.match(a, /pip install -e \./);
  const b = installMessage(py, { ok: false, kind: 'missing-package', detail: 'missing modules: aix_lsp pygls' });
  assert.match(b, /aix_lsp package is not installed for "\/x\/python" \(from aix\.pythonPath\)\. Install/);
  assert.match(b, /\/x\/python -m pip install aix-lsp/);
  const c = installMessage(py, { ok: false, kind: 'missing-package', detail: 'missing modules: pygls torch' });
  assert.match(c, /not installed for "\/x\/python" \(from aix\.pythonPath\) \(or not completely: missing modules: pygls torch\)/);
});

test('real probe: a missing interpreter and an interpreter without aix_lsp', async () => {
  const missing = await probeServer(choosePython('/nonexistent/bin/python3', undefined));
  assert.ok(!missing.ok && missing.kind === 'missing-interpreter', JSON.stringify(missing));
  // `python3 -I -S` (isolated, no site-packages) cannot see an installed aix_lsp.
  const bare = await probeServer({ command: 'python3', args: ['-I', '-S'], source: 'default' });
  assert.ok(!bare.ok && bare.kind === 'missing-package', JSON.stringify(bare));
  assert.match(bare.detail, /^missing modules: aix_lsp pygls lsprotocol torch transformers tree_sitter$/);
});

test('real probe: the repository venv has aix_lsp', { skip: !fs.existsSync(path.resolve(__dirname, '../../../../.venv/bin/python')) && 'no .venv' }, async () => {
  const venvPython = path.resolve(__dirname, '../../../../.venv/bin/python');
  const r = await probeServer(choosePython(venvPython, undefined));
  assert.ok(r.ok, JSON.stringify(r));
});

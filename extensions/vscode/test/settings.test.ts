import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  collectLaunchSettings,
  collectServerSettings,
  EXTENSION_ONLY,
  intendedScope,
  readSetting,
  settingKeys,
  needsRestart,
  serverSettingKeys,
  SettingsSchema,
  toSnakeCase,
  validateSetting,
} from '../src/settings';
import * as manifest from '../package.json';

const schema = manifest.contributes.configuration.properties as unknown as SettingsSchema;
const defaults = (key: string) => schema[`aix.${key}`]?.default;

test('camelCase setting keys map to the server snake_case names', () => {
  assert.equal(toSnakeCase('maxNewTokens'), 'max_new_tokens');
  assert.equal(toSnakeCase('model'), 'model');
  assert.equal(toSnakeCase('kvCache'), 'kv_cache');
  assert.equal(toSnakeCase('retrievalTopK'), 'retrieval_top_k');
});

test('with defaults, every server setting is sent under its snake_case name and nothing else', () => {
  const { settings, errors } = collectServerSettings(schema, defaults);
  assert.deepEqual(errors, []);
  const keys = Object.keys(settings);
  assert.ok(keys.includes('max_new_tokens'));
  assert.ok(keys.includes('enabled_languages'));
  assert.equal(settings.model, 'aiXcoder/aixcoder-7b-base');
  for (const k of keys) assert.match(k, /^[a-z0-9_]+$/, `${k} is snake_case`);
  for (const k of EXTENSION_ONLY) assert.ok(!(toSnakeCase(k) in settings), `${k} is not sent`);
  assert.equal(keys.length, serverSettingKeys(schema).length);
});

test('user values are sent as given', () => {
  const values: Record<string, unknown> = { maxNewTokens: 16, enabledLanguages: ['python', 'c++'], retrieval: false, dtype: 'float16' };
  const { settings, errors } = collectServerSettings(schema, (k) => (k in values ? values[k] : defaults(k)));
  assert.deepEqual(errors, []);
  assert.equal(settings.max_new_tokens, 16);
  assert.deepEqual(settings.enabled_languages, ['python', 'c++']);
  assert.equal(settings.retrieval, false);
  assert.equal(settings.dtype, 'float16');
});

test('settings with wrong types are rejected with a message naming the setting; the others still apply', () => {
  const values: Record<string, unknown> = {
    maxNewTokens: 'sixteen',
    maxContextTokens: 12.5,
    retrieval: 'yes',
    enabledLanguages: 'python',
    dtype: 'float8',
    retrievalTopK: -1,
    model: 42,
    device: 'cpu',
  };
  const { settings, errors } = collectServerSettings(schema, (k) => (k in values ? values[k] : defaults(k)));
  const named = (key: string) => errors.find((e) => e.startsWith(`aix.${key}:`));
  assert.match(named('maxNewTokens') ?? '', /expected an integer >= 1, got the string "sixteen"/);
  assert.match(named('maxContextTokens') ?? '', /expected an integer/);
  assert.match(named('retrieval') ?? '', /expected true or false/);
  assert.match(named('enabledLanguages') ?? '', /expected an array of strings/);
  assert.match(named('dtype') ?? '', /expected one of "auto", "bfloat16", "float16", "float32"/);
  assert.match(named('retrievalTopK') ?? '', /expected an integer >= 0, got number -1/);
  assert.match(named('model') ?? '', /expected a string, got number 42/);
  assert.equal(errors.length, 7);
  for (const k of ['max_new_tokens', 'max_context_tokens', 'retrieval', 'enabled_languages', 'dtype', 'retrieval_top_k', 'model']) {
    assert.ok(!(k in settings), `${k} left out`);
  }
  assert.equal(settings.device, 'cpu');
});

test('validateSetting accepts arrays of strings only', () => {
  const s = { type: 'array', items: { type: 'string' } };
  assert.equal(validateSetting('aix.x', s, ['a']), undefined);
  assert.match(validateSetting('aix.x', s, ['a', 1]) ?? '', /^aix\.x: expected an array of strings/);
});

test('launch settings: wrong types fall back to defaults with a message', () => {
  const ok = collectLaunchSettings(schema, (k) => ({ pythonPath: ' /usr/bin/python3 ', serverArgs: ['--log-level', 'debug'] } as Record<string, unknown>)[k]);
  assert.equal(ok.pythonPath, '/usr/bin/python3');
  assert.deepEqual(ok.serverArgs, ['--log-level', 'debug']);
  assert.deepEqual(ok.errors, []);
  const bad = collectLaunchSettings(schema, (k) => ({ pythonPath: 3, serverArgs: '--x', completionItems: 'no' } as Record<string, unknown>)[k]);
  assert.equal(bad.pythonPath, '');
  assert.deepEqual(bad.serverArgs, []);
  assert.equal(bad.completionItems, false);
  assert.equal(bad.errors.length, 3);
  assert.match(bad.errors[0], /^aix\.pythonPath: expected a string/);
  assert.match(bad.errors[1], /^aix\.serverArgs: expected an array of strings/);
});

test('only interpreter and server argument changes need a new process', () => {
  assert.equal(needsRestart((k) => k === 'aix.pythonPath'), true);
  assert.equal(needsRestart((k) => k === 'aix.serverArgs'), true);
  assert.equal(needsRestart((k) => k === 'aix.maxNewTokens'), false);
});

test('activation events and the language list agree', () => {
  const events = manifest.activationEvents.filter((e) => e.startsWith('onLanguage:')).map((e) => e.slice('onLanguage:'.length));
  assert.deepEqual(events.sort(), [...manifest.aixLanguages].sort());
});

test('remote engine settings are sent under the server names, and a bad API key value is never repeated', () => {
  const values: Record<string, unknown> = { engine: 'openai', apiBase: 'http://gpu-box:8000/v1', apiModel: 'aix', requestTimeoutMs: 5000 };
  const { settings, errors } = collectServerSettings(schema, (k) => (k in values ? values[k] : defaults(k)));
  assert.deepEqual(errors, []);
  assert.equal(settings.engine, 'openai');
  assert.equal(settings.api_base, 'http://gpu-box:8000/v1');
  assert.equal(settings.api_model, 'aix');
  assert.equal(settings.request_timeout_ms, 5000);
  assert.equal(settings.api_key, '');
  const bad = collectServerSettings(schema, (k) => (k === 'apiKey' ? ['sk-secret-123'] : defaults(k)));
  assert.equal(bad.errors.length, 1);
  assert.match(bad.errors[0], /^aix\.apiKey: expected a string, got a value of another type \(not shown: it is a secret\)$/);
  assert.ok(!bad.errors[0].includes('sk-secret-123'));
});


test('every setting has the scope decided for it: the server machine\'s paths and hardware, the key, or behaviour', () => {
  for (const key of settingKeys(schema)) {
    assert.equal(schema[`aix.${key}`].scope, intendedScope(key), `aix.${key}`);
  }
  assert.equal(intendedScope('model'), 'machine-overridable');
  assert.equal(intendedScope('adapter'), 'machine-overridable');
  assert.equal(intendedScope('apiKey'), 'machine');
  assert.equal(intendedScope('maxNewTokens'), 'window');
});

test('readSetting: in a remote window a machine setting skips the local User value; elsewhere it is get()', () => {
  const s = { scope: 'machine-overridable', default: 'd' };
  const inspect = () => ({ defaultValue: 'd', globalLocalValue: 'local', globalRemoteValue: undefined, globalValue: 'local' });
  assert.deepEqual(readSetting('model', s, true, () => 'local', inspect), { value: 'd', explicit: false, ignoredLocalValue: true });
  assert.deepEqual(readSetting('model', s, false, () => 'local', inspect), { value: 'local', explicit: true, ignoredLocalValue: false });
  assert.deepEqual(readSetting('maxNewTokens', { scope: 'window' }, true, () => 'local', inspect), { value: 'local', explicit: true, ignoredLocalValue: false });
  // an older VS Code without the per-machine layers: get()
  assert.deepEqual(readSetting('model', s, true, () => 'x', () => ({ defaultValue: 'd', globalValue: 'x' })), { value: 'x', explicit: true, ignoredLocalValue: false });
  // workspace beats Remote for machine-overridable; machine ignores the workspace
  const layered = () => ({ defaultValue: 'd', globalRemoteValue: 'remote', workspaceValue: 'ws' });
  assert.equal(readSetting('model', s, true, () => 'ws', layered).value, 'ws');
  assert.equal(readSetting('apiKey', { scope: 'machine' }, true, () => 'ws', layered).value, 'remote');
});

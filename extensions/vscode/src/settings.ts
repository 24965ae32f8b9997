// Maps the extension's `aix.*` settings to the server's snake_case settings and validates them.
// No `vscode` import: the schema comes from package.json and values from a getter, so this is
// plain data in, plain data out (tested in test/settings.test.ts).

export interface SettingSchema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  items?: { type?: string };
  default?: unknown;
  scope?: string;
}

export type SettingsSchema = Record<string, SettingSchema>;

/** Settings read by the extension itself; never sent to the server. */
export const EXTENSION_ONLY = new Set(['pythonPath', 'serverArgs', 'completionItems', 'trace.server']);

/** Settings whose change needs a new server process rather than a didChangeConfiguration. */
export const RESTART_SETTINGS = new Set(['pythonPath', 'serverArgs']);

export const SECTION = 'aix';

/** Settings whose value is a secret: a message about them never repeats the value. */
export const SECRET_SETTINGS = new Set(['apiKey']);

/**
 * Setting scopes, decided by where the thing a setting names lives (checked against package.json by
 * test/settings.test.ts; extensions/vscode/README.md says the same to users):
 * - `machine-overridable`: a path, an interpreter or hardware of the machine the server runs on (in a
 *   remote window, the remote one). User settings of the local machine do not apply in a remote window;
 *   Remote settings and workspace settings do.
 * - `machine`: where the API key goes, and the llama-server binary run. User or Remote settings only: a
 *   workspace cannot redirect your key nor pick a program to run, nor where (or whether) code text is recorded.
 * - `window`: how completions behave; the same wherever the server runs.
 */
export const MACHINE_OVERRIDABLE_SETTINGS = new Set([
  'pythonPath', 'serverArgs', 'model', 'adapter', 'device', 'dtype', 'quantization', 'attention', 'threads',
  'engine', 'apiModel', 'gguf', 'indexCacheDir', 'cudaGraphs',
]);
export const MACHINE_SETTINGS = new Set(['apiBase', 'apiKey', 'llamaServer', 'statsDir', 'recordText']);

/** The scope a setting must have in package.json (see above). */
export function intendedScope(key: string): 'machine' | 'machine-overridable' | 'window' {
  if (MACHINE_SETTINGS.has(key)) return 'machine';
  if (MACHINE_OVERRIDABLE_SETTINGS.has(key)) return 'machine-overridable';
  return 'window';
}

/**
 * What `WorkspaceConfiguration.inspect` returns at run time. VS Code's extension host also fills
 * `globalLocalValue` (User settings of the machine the window runs on) and `globalRemoteValue` (Remote
 * settings), which its typings leave out.
 */
export interface Inspected {
  defaultValue?: unknown;
  globalValue?: unknown;
  globalLocalValue?: unknown;
  globalRemoteValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export interface SettingRead {
  value: unknown;
  /** Set by the user or the workspace (in a layer VS Code applies here), rather than the default. */
  explicit: boolean;
  /**
   * In a remote window, a machine(-overridable) setting found only in the local User settings: VS Code
   * does not apply it there ("This setting cannot be applied in this window"), so neither do we.
   */
  ignoredLocalValue: boolean;
}

/**
 * One setting's value as VS Code applies it. In a local window that is `get`. In a remote window
 * (code-server, Remote-SSH, WSL, dev containers) a `machine`/`machine-overridable` setting comes from
 * Remote settings (or, when overridable, the workspace) and never from the local User settings:
 * VS Code's own reading leaks the User value into the first read after start-up and drops it at the
 * next save of User settings, so reading it here keeps the first start and every later change the same.
 */
export function readSetting(
  key: string,
  schema: SettingSchema | undefined,
  remote: boolean,
  get: (key: string) => unknown,
  inspect: (key: string) => Inspected | undefined,
): SettingRead {
  const inspected = inspect(key);
  const scope = schema?.scope ?? 'window';
  const machineScoped = scope === 'machine' || scope === 'machine-overridable';
  if (!remote || !machineScoped || !inspected || !('globalRemoteValue' in inspected)) {
    return { value: get(key), explicit: isExplicitlySet(inspected as Record<string, unknown> | undefined), ignoredLocalValue: false };
  }
  const layers = scope === 'machine-overridable'
    ? [inspected.workspaceFolderValue, inspected.workspaceValue, inspected.globalRemoteValue]
    : [inspected.globalRemoteValue];
  const set = layers.find((v) => v !== undefined);
  return {
    value: set !== undefined ? set : inspected.defaultValue,
    explicit: set !== undefined,
    ignoredLocalValue: set === undefined && inspected.globalLocalValue !== undefined,
  };
}

/** `maxNewTokens` -> `max_new_tokens` (the server also accepts camelCase; we send its own names). */
export function toSnakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/** The keys of package.json's `contributes.configuration.properties`, without the `aix.` prefix. */
export function settingKeys(schema: SettingsSchema): string[] {
  return Object.keys(schema)
    .filter((k) => k.startsWith(SECTION + '.'))
    .map((k) => k.slice(SECTION.length + 1));
}

export function serverSettingKeys(schema: SettingsSchema): string[] {
  return settingKeys(schema).filter((k) => !EXTENSION_ONLY.has(k));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array ${JSON.stringify(value)}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * Checks `value` against the JSON schema of one setting. Returns undefined when it is valid, else
 * a message naming the setting, e.g. `aix.maxNewTokens: expected an integer >= 1, got the string "x"`.
 */
export function validateSetting(fullKey: string, schema: SettingSchema, value: unknown): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const secret = SECRET_SETTINGS.has(fullKey.slice(SECTION.length + 1));
  const fail = (expected: string) => `${fullKey}: expected ${expected}, got ${secret ? 'a value of another type (not shown: it is a secret)' : describe(value)}`;
  switch (type) {
    case 'boolean':
      if (typeof value !== 'boolean') return fail('true or false');
      break;
    case 'integer':
    case 'number': {
      const bound = schema.minimum !== undefined ? ` >= ${schema.minimum}` : '';
      const what = (type === 'integer' ? 'an integer' : 'a number') + bound;
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(what);
      if (type === 'integer' && !Number.isInteger(value)) return fail(what);
      if (schema.minimum !== undefined && value < schema.minimum) return fail(what);
      if (schema.maximum !== undefined && value > schema.maximum) return fail(`a number <= ${schema.maximum}`);
      break;
    }
    case 'string':
      if (typeof value !== 'string') return fail('a string');
      break;
    case 'array':
      if (!Array.isArray(value)) return fail('an array of strings');
      if (schema.items?.type === 'string' && !value.every((v) => typeof v === 'string')) {
        return fail('an array of strings');
      }
      break;
    default:
      break;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return `${fullKey}: expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${describe(value)}`;
  }
  return undefined;
}

export interface CollectedSettings {
  /** Flat object with the server's snake_case keys, e.g. `{ max_new_tokens: 16 }`. */
  settings: Record<string, unknown>;
  /** One message per rejected setting, naming it; rejected settings are left out of `settings`. */
  errors: string[];
}

/**
 * Reads the server settings selected by `only` (all by default) through `get` (which returns the
 * effective value, default included, as `WorkspaceConfiguration.get` does) and returns the object
 * sent to the server. Defaults in package.json mirror the server's (checked by
 * tests/editors/test_vscode_manifest.py), so sending a default is the same as sending nothing.
 */
export function collectServerSettings(
  schema: SettingsSchema,
  get: (key: string) => unknown,
  only: (key: string) => boolean = () => true,
): CollectedSettings {
  const settings: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const key of serverSettingKeys(schema)) {
    if (!only(key)) continue;
    const value = get(key);
    if (value === undefined || value === null) continue;
    const error = validateSetting(`${SECTION}.${key}`, schema[`${SECTION}.${key}`], value);
    if (error) {
      errors.push(error);
      continue;
    }
    settings[toSnakeCase(key)] = value;
  }
  return { settings, errors };
}

export interface LaunchSettings {
  pythonPath: string;
  serverArgs: string[];
  completionItems: boolean;
  errors: string[];
}

/** The extension-only settings, validated; invalid ones fall back to their defaults. */
export function collectLaunchSettings(schema: SettingsSchema, get: (key: string) => unknown): LaunchSettings {
  const errors: string[] = [];
  const read = <T>(key: string, fallback: T): T => {
    const value = get(key);
    if (value === undefined || value === null) return fallback;
    const error = validateSetting(`${SECTION}.${key}`, schema[`${SECTION}.${key}`] ?? {}, value);
    if (error) {
      errors.push(error);
      return fallback;
    }
    return value as T;
  };
  return {
    pythonPath: read<string>('pythonPath', '').trim(),
    serverArgs: read<string[]>('serverArgs', []),
    completionItems: read<boolean>('completionItems', false),
    errors,
  };
}

/** Whether a configuration change touching `changed` keys needs the server process restarted. */
export function needsRestart(changed: (key: string) => boolean): boolean {
  for (const key of RESTART_SETTINGS) {
    if (changed(`${SECTION}.${key}`)) return true;
  }
  return false;
}

/** Whether the user or the workspace set a setting (from `WorkspaceConfiguration.inspect`), rather than it having its default. */
export function isExplicitlySet(inspected: Record<string, unknown> | undefined): boolean {
  if (!inspected) return false;
  return ['globalValue', 'workspaceValue', 'workspaceFolderValue'].some((k) => inspected[k] !== undefined);
}

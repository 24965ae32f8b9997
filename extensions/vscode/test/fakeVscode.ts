// A small fake of the parts of the `vscode` API the extension uses, recording what it is asked to do.

export interface Message {
  level: 'error' | 'warning' | 'info';
  text: string;
  items: string[];
}

export class FakeOutputChannel {
  lines: string[] = [];
  shown = 0;
  constructor(readonly name: string) {}
  private add(level: string, text: string) {
    this.lines.push(`[${level}] ${text}`);
  }
  trace(t: string) { this.add('trace', t); }
  debug(t: string) { this.add('debug', t); }
  info(t: string) { this.add('info', t); }
  warn(t: string) { this.add('warn', t); }
  error(t: string | Error) { this.add('error', String(t)); }
  append(t: string) { this.add('raw', t); }
  appendLine(t: string) { this.add('raw', t); }
  show() { this.shown++; }
  hide() {}
  clear() { this.lines = []; }
  replace() {}
  dispose() {}
}

export class FakeStatusBarItem {
  text = '';
  tooltip: unknown = '';
  command: unknown;
  name = '';
  backgroundColor: unknown;
  visible = false;
  disposed = false;
  show() { this.visible = true; }
  hide() { this.visible = false; }
  dispose() { this.disposed = true; }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export interface FakeVscode {
  api: any;
  config: Record<string, unknown>;
  messages: Message[];
  commands: Map<string, (...args: unknown[]) => unknown>;
  executed: { command: string; args: unknown[] }[];
  statusItems: FakeStatusBarItem[];
  channels: FakeOutputChannel[];
  /** Answer given by the next show*Message / showQuickPick (undefined: dismissed). */
  answer: unknown;
  /** Changes user settings (undefined removes one) and fires onDidChangeConfiguration for them; resolves when the handlers have. */
  changeConfig(changes: Record<string, unknown>): Promise<void>;
  extensions: Record<string, unknown>;
  /** Documents opened with workspace.openTextDocument({content}) and shown with window.showTextDocument. */
  shownDocuments: { content: string; language?: string; options: unknown }[];
}

/** `userConfig`: settings the user set (keys without `aix.`); `defaults`: what `get` returns otherwise. */
export function createFakeVscode(userConfig: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}): FakeVscode {
  const listeners: ((e: unknown) => unknown)[] = [];
  const fake: FakeVscode = {
    api: undefined,
    config: { ...userConfig },
    messages: [],
    commands: new Map(),
    executed: [],
    statusItems: [],
    channels: [],
    answer: undefined,
    extensions: {},
    shownDocuments: [],
    async changeConfig(changes) {
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) delete fake.config[k]; // the user removed the setting
        else fake.config[k] = v;
      }
      const event = {
        affectsConfiguration: (section: string) =>
          Object.keys(changes).some((k) => `aix.${k}` === section || `aix.${k}`.startsWith(section + '.')),
      };
      await Promise.all(listeners.map((l) => l(event)));
    },
  };
  const message = (level: Message['level']) => (text: string, ...items: string[]) => {
    fake.messages.push({ level, text, items });
    return Promise.resolve(fake.answer);
  };
  fake.api = {
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ThemeColor,
    window: {
      createOutputChannel: (name: string) => {
        const c = new FakeOutputChannel(name);
        fake.channels.push(c);
        return c;
      },
      createStatusBarItem: () => {
        const item = new FakeStatusBarItem();
        fake.statusItems.push(item);
        return item;
      },
      showErrorMessage: message('error'),
      showWarningMessage: message('warning'),
      showInformationMessage: message('info'),
      showQuickPick: (items: unknown[]) => Promise.resolve(typeof fake.answer === 'number' ? items[fake.answer] : undefined),
      /** Set by a test: { document: { uri: { toString() } }, selection: { active: { line, character } } }. */
      activeTextEditor: undefined as unknown,
      showTextDocument: (document: { content: string; language?: string }, options: unknown) => {
        fake.shownDocuments.push({ ...document, options });
        return Promise.resolve({ document });
      },
    },
    workspace: {
      getConfiguration: (section: string) => ({
        get: (key: string, fallback?: unknown) => {
          const value = key in fake.config ? fake.config[key] : defaults[key];
          return value === undefined ? fallback : value;
        },
        inspect: (key: string) => ({ key: `${section}.${key}`, defaultValue: defaults[key], globalValue: fake.config[key] }),
        has: (key: string) => key in fake.config || key in defaults,
        section,
      }),
      onDidChangeConfiguration: (listener: (e: unknown) => unknown) => {
        listeners.push(listener);
        return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
      },
      workspaceFolders: undefined,
      openTextDocument: (options: { content: string; language?: string }) => Promise.resolve({ ...options }),
    },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        if (fake.commands.has(id)) throw new Error(`command '${id}' already exists`);
        fake.commands.set(id, fn);
        return { dispose: () => fake.commands.delete(id) };
      },
      executeCommand: async (command: string, ...args: unknown[]) => {
        fake.executed.push({ command, args });
        const fn = fake.commands.get(command);
        return fn ? fn(...args) : undefined;
      },
    },
    extensions: {
      getExtension: (id: string) => fake.extensions[id],
    },
  };
  return fake;
}

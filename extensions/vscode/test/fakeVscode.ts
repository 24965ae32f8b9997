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

export class EventEmitter<T> {
  private listeners: ((e: T) => unknown)[] = [];
  fired: T[] = [];
  event = (listener: (e: T) => unknown) => {
    this.listeners.push(listener);
    return { dispose: () => this.listeners.splice(this.listeners.indexOf(listener), 1) };
  };
  fire(e: T) {
    this.fired.push(e);
    for (const l of [...this.listeners]) l(e);
  }
  dispose() {
    this.listeners = [];
  }
}

export class FakeUri {
  constructor(readonly scheme: string, readonly path: string) {}
  static from(c: { scheme: string; path?: string }) {
    return new FakeUri(c.scheme, c.path ?? '');
  }
  static parse(s: string) {
    const i = s.indexOf(':');
    return new FakeUri(s.slice(0, i), s.slice(i + 1).replace(/^\/\//, ''));
  }
  toString() {
    return this.scheme === 'file' || this.scheme === 'untitled' ? `${this.scheme}://${this.path}` : `${this.scheme}:${this.path}`;
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
  isEqual(o: Position) {
    return this.line === o.line && this.character === o.character;
  }
}

export class Range {
  constructor(readonly start: Position, readonly end: Position) {}
  get isEmpty() {
    return this.start.isEqual(this.end);
  }
}

export class Selection extends Range {
  constructor(readonly anchor: Position, readonly active: Position) {
    super(anchor, active);
  }
}

/** Records replace() calls; workspace.applyEdit applies them to FakeDocument text. */
export class WorkspaceEdit {
  replacements: { uri: unknown; range: Range; text: string }[] = [];
  replace(uri: unknown, range: Range, text: string) {
    this.replacements.push({ uri, range, text });
  }
}

export class CancellationTokenSource {
  private listeners: (() => void)[] = [];
  token = {
    isCancellationRequested: false,
    onCancellationRequested: (l: () => void) => {
      this.listeners.push(l);
      return { dispose() {} };
    },
  };
  cancel() {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    for (const l of this.listeners) l();
  }
  dispose() {}
}

/** A text document: its text, a version bumped on every edit, and line/offset helpers. */
export class FakeDocument {
  version = 1;
  constructor(readonly uri: FakeUri, public text: string, readonly languageId = 'python') {}
  offsetAt(p: { line: number; character: number }) {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < p.line; i++) offset += lines[i].length + 1;
    return offset + p.character;
  }
}

/** A text editor: its document, selection, and the decorations set per decoration type. */
export class FakeEditor {
  selection: Selection = new Selection(new Position(0, 0), new Position(0, 0));
  decorations = new Map<unknown, unknown[]>();
  revealed: unknown[] = [];
  constructor(readonly document: FakeDocument) {}
  setDecorations(type: unknown, ranges: unknown[]) {
    this.decorations.set(type, ranges);
  }
  revealRange(range: unknown) {
    this.revealed.push(range);
  }
  /** All decoration options shown now, whatever their type. */
  shown(): { range: Range; renderOptions?: { after?: { contentText?: string } } }[] {
    return [...this.decorations.values()].flat() as never;
  }
}

/** vscode.LogLevel */
export const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 };

/** Settings by layer, as `inspect` reports them at run time (see src/settings.ts's Inspected). */
export interface Layers {
  globalLocalValue?: Record<string, unknown>;
  globalRemoteValue?: Record<string, unknown>;
  workspaceValue?: Record<string, unknown>;
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
  shownDocuments: { content: string; language?: string; uri?: FakeUri; options: unknown }[];
  /** Documents opened as untitled ones (openTextDocument({content})). */
  untitled: number;
  /** Content providers by scheme. */
  providers: Map<string, { provideTextDocumentContent(uri: unknown): string; onDidChange?: unknown }>;
  /**
   * Remote window: set `remoteName` (env.remoteName) and the layers; `get` then returns what VS Code's
   * own reading gives at start-up in a remote window, the User value included (VS Code drops it later).
   */
  remoteName: string | undefined;
  layers: Layers | undefined;
  /** Sets the active editor and fires onDidChangeActiveTextEditor. */
  setActiveEditor(uri: string | undefined, position?: { line: number; character: number }): void;
  /** Makes `editor` the active one (fires onDidChangeActiveTextEditor). */
  showEditor(editor: FakeEditor | undefined): void;
  /** Replaces `range` of the document's text by `text`, bumps its version, fires onDidChangeTextDocument. */
  edit(document: FakeDocument, range: Range, text: string): void;
  /** Moves the cursor of `editor`, firing onDidChangeTextEditorSelection. */
  moveCursor(editor: FakeEditor, line: number, character: number): void;
  /** Context keys set with setContext. */
  context: Map<string, unknown>;
  /** Decoration types created, with their options. */
  decorationTypes: { options: unknown; disposed: boolean }[];
}

/** `userConfig`: settings the user set (keys without `aix.`); `defaults`: what `get` returns otherwise. */
export function createFakeVscode(userConfig: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}): FakeVscode {
  const listeners: ((e: unknown) => unknown)[] = [];
  const editorListeners: ((e: unknown) => unknown)[] = [];
  const changeListeners: ((e: unknown) => unknown)[] = [];
  const selectionListeners: ((e: unknown) => unknown)[] = [];
  const on = (list: ((e: unknown) => unknown)[]) => (listener: (e: unknown) => unknown) => {
    list.push(listener);
    return { dispose: () => list.splice(list.indexOf(listener), 1) };
  };
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
    untitled: 0,
    providers: new Map(),
    remoteName: undefined,
    layers: undefined,
    setActiveEditor(uri, position = { line: 0, character: 0 }) {
      fake.api.window.activeTextEditor = uri === undefined ? undefined : { document: { uri: FakeUri.parse(uri) }, selection: { active: position } };
      for (const l of editorListeners) l(fake.api.window.activeTextEditor);
    },
    context: new Map(),
    decorationTypes: [],
    showEditor(editor) {
      fake.api.window.activeTextEditor = editor;
      for (const l of editorListeners) l(editor);
    },
    edit(document, range, text) {
      const start = document.offsetAt(range.start);
      const end = document.offsetAt(range.end);
      document.text = document.text.slice(0, start) + text + document.text.slice(end);
      document.version++;
      for (const l of changeListeners) l({ document, contentChanges: [{ range, text }] });
    },
    moveCursor(editor, line, character) {
      editor.selection = new Selection(new Position(line, character), new Position(line, character));
      for (const l of selectionListeners) l({ textEditor: editor, selections: [editor.selection] });
    },
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
    EventEmitter,
    Uri: FakeUri,
    LogLevel,
    get env() {
      return { remoteName: fake.remoteName };
    },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ThemeColor,
    Position,
    Range,
    Selection,
    WorkspaceEdit,
    CancellationTokenSource,
    OverviewRulerLane: { Left: 1, Center: 2, Right: 4, Full: 7 },
    TextEditorRevealType: { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 },
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
      onDidChangeActiveTextEditor: (listener: (e: unknown) => unknown) => {
        editorListeners.push(listener);
        return { dispose: () => editorListeners.splice(editorListeners.indexOf(listener), 1) };
      },
      createTextEditorDecorationType: (options: unknown) => {
        const type = { options, disposed: false, dispose() { type.disposed = true; } };
        fake.decorationTypes.push(type);
        return type;
      },
      onDidChangeTextEditorSelection: on(selectionListeners),
      showTextDocument: (document: { content: string; language?: string }, options: unknown) => {
        fake.shownDocuments.push({ ...document, options });
        return Promise.resolve({ document });
      },
    },
    workspace: {
      getConfiguration: (section: string) => ({
        get: (key: string, fallback?: unknown) => {
          const l = fake.layers;
          const layered = l ? l.workspaceValue?.[key] ?? l.globalRemoteValue?.[key] ?? l.globalLocalValue?.[key] : undefined;
          const value = layered !== undefined ? layered : key in fake.config ? fake.config[key] : defaults[key];
          return value === undefined ? fallback : value;
        },
        inspect: (key: string) => {
          if (!fake.layers) return { key: `${section}.${key}`, defaultValue: defaults[key], globalValue: fake.config[key] };
          const l = fake.layers;
          const local = l.globalLocalValue?.[key];
          const remote = l.globalRemoteValue?.[key];
          return {
            key: `${section}.${key}`,
            defaultValue: defaults[key],
            globalLocalValue: local,
            globalRemoteValue: remote,
            globalValue: remote ?? local,
            workspaceValue: l.workspaceValue?.[key],
            workspaceFolderValue: undefined,
          };
        },
        has: (key: string) => key in fake.config || key in defaults,
        section,
      }),
      onDidChangeConfiguration: (listener: (e: unknown) => unknown) => {
        listeners.push(listener);
        return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
      },
      workspaceFolders: undefined,
      onDidChangeTextDocument: on(changeListeners),
      applyEdit: async (edit: WorkspaceEdit) => {
        for (const r of edit.replacements) {
          const editor = fake.api.window.activeTextEditor as FakeEditor | undefined;
          const document = editor?.document;
          if (!document || document.uri !== r.uri) return false;
          fake.edit(document, r.range, r.text);
        }
        return true;
      },
      openTextDocument: (arg: { content: string; language?: string } | FakeUri) => {
        if (arg instanceof FakeUri) {
          const provider = fake.providers.get(arg.scheme);
          if (!provider) return Promise.reject(new Error(`no provider for ${arg.scheme}`));
          return Promise.resolve({ uri: arg, content: provider.provideTextDocumentContent(arg) });
        }
        fake.untitled++;
        return Promise.resolve({ ...arg });
      },
      registerTextDocumentContentProvider: (scheme: string, provider: { provideTextDocumentContent(uri: unknown): string }) => {
        fake.providers.set(scheme, provider);
        return { dispose: () => fake.providers.delete(scheme) };
      },
    },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        if (fake.commands.has(id)) throw new Error(`command '${id}' already exists`);
        fake.commands.set(id, fn);
        return { dispose: () => fake.commands.delete(id) };
      },
      executeCommand: async (command: string, ...args: unknown[]) => {
        fake.executed.push({ command, args });
        if (command === 'setContext') fake.context.set(args[0] as string, args[1]);
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

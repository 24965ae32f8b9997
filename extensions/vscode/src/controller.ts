// The extension's behaviour: start the server (after checking Python can run it), keep the status
// bar in step with `aix/status`, forward settings, restart with back-off, and the commands.
// It takes the `vscode` module and a client factory as parameters, so tests drive it with fakes.
import type * as vscodeApi from 'vscode';
import { choosePython, installMessage, PythonCommand, ProbeResult, serverCommand } from './python';
import { RestartPolicy } from './restartPolicy';
import {
  collectLaunchSettings,
  collectServerSettings,
  Inspected,
  needsRestart,
  readSetting,
  SECTION,
  SettingRead,
  settingKeys,
  SettingsSchema,
} from './settings';
import { ClientStatus, parseServerStatus, presentStatus, ServerStatus } from './status';

export type VSCode = typeof vscodeApi;

/** The part of vscode-languageclient's LanguageClient the controller uses. */
export interface ClientLike {
  start(): Promise<void>;
  stop(timeout?: number): Promise<void>;
  sendRequest(method: string, params: unknown, token?: vscodeApi.CancellationToken): Promise<unknown>;
  sendNotification(method: string, params: unknown): Promise<void>;
  onNotification(method: string, handler: (params: unknown) => void): { dispose(): void };
}

export interface ClientFactoryOptions {
  command: string;
  args: string[];
  /** Flat object of snake_case server settings. */
  initializationOptions: Record<string, unknown>;
  outputChannel: vscodeApi.LogOutputChannel;
  /**
   * Where protocol traces go: its log level is Trace exactly while `aix.trace.server` is not `off`
   * (vscode-languageclient 10 traces only when its channel's level is Trace, which `aix.trace.server`
   * alone never set).
   */
  traceOutputChannel: vscodeApi.LogOutputChannel;
  /** Called when the server process goes away without being asked to. */
  onUnexpectedExit: (reason: string) => void;
  /** Current server settings, for the server's workspace/configuration requests. */
  serverSettings: () => Record<string, unknown>;
  /** Whether completion-list items are wanted besides inline suggestions. */
  completionItems: () => boolean;
  /** One suggestion at a time: the next-edit display's say over inline completions (src/nextEdit.ts). */
  inlineGate?: InlineGate;
}

/** Withholds ghost text while a next edit is shown, and learns when ghost text is up. */
export interface InlineGate {
  suppressInline(document: vscodeApi.TextDocument): boolean;
  inlineAnswered(document: vscodeApi.TextDocument, hasItems: boolean): void;
}

export type ClientFactory = (options: ClientFactoryOptions) => ClientLike;

export interface ControllerDeps {
  vscode: VSCode;
  createClient: ClientFactory;
  /** `contributes.configuration.properties` of package.json. */
  schema: SettingsSchema;
  probe: (python: PythonCommand) => Promise<ProbeResult>;
  /** The Python extension's interpreter (exec command), if any. */
  pythonFromExtension: () => Promise<string[] | undefined>;
  policy?: RestartPolicy;
  inlineGate?: InlineGate;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export const COMMANDS = {
  toggle: 'aix-lsp.toggleCompletions',
  restart: 'aix-lsp.restartServer',
  showLog: 'aix-lsp.showServerLog',
  reloadModel: 'aix-lsp.reloadModel',
  menu: 'aix-lsp.showMenu',
  explain: 'aix-lsp.explainSuggestion',
} as const;

/** Commands the server implements (workspace/executeCommand). */
export const SERVER_COMMANDS = { toggle: 'aix.toggle', reloadModel: 'aix.reloadModel', status: 'aix.status', explain: 'aix.explain' } as const;

export const STATUS_NOTIFICATION = 'aix/status';

/** "Why this suggestion?" shows the explanation in one read-only virtual document of this scheme. */
export const EXPLAIN_SCHEME = 'aix-explain';

/** The schemes of documents the client sends to the server (extension.ts's documentSelector). */
const SYNCED_SCHEMES = new Set(['file', 'untitled']);

export class Controller {
  readonly output: vscodeApi.LogOutputChannel;
  readonly statusItem: vscodeApi.StatusBarItem;
  private readonly vscode: VSCode;
  private readonly policy: RestartPolicy;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly disposables: { dispose(): unknown }[] = [];
  private client: ClientLike | undefined;
  /** Bumped for every client; events from an older client are ignored. */
  private generation = 0;
  private restartTimer: unknown;
  private completionItems = false;
  private disposed = false;
  /** Settings whose User value was already reported as not applied in this remote window. */
  private readonly reportedLocalOnly = new Set<string>();
  private remoteModelHintShown = false;
  /** The active document's language as the server sees it, and whether the server completes it. */
  private documentLanguage: { uri: string; language: string; enabled: boolean } | undefined;
  private languageQuery: Promise<void> | undefined;
  private languageQueryAgain = false;
  private explainText = '';
  private readonly explainChanged: vscodeApi.EventEmitter<vscodeApi.Uri>;
  readonly explainUri: vscodeApi.Uri;
  readonly traceChannel: vscodeApi.LogOutputChannel;
  private readonly traceLevelChanged: vscodeApi.EventEmitter<vscodeApi.LogLevel>;
  status: ClientStatus = { kind: 'starting' };

  constructor(private readonly deps: ControllerDeps) {
    this.vscode = deps.vscode;
    this.policy = deps.policy ?? new RestartPolicy();
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    const { window, commands, workspace } = this.vscode;
    this.output = window.createOutputChannel('aiX LSP', { log: true });
    this.statusItem = window.createStatusBarItem('aix-lsp.status', this.vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'aiX';
    this.statusItem.command = COMMANDS.menu;
    this.explainChanged = new this.vscode.EventEmitter<vscodeApi.Uri>();
    this.explainUri = this.vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: '/Why this suggestion' });
    const traceText = window.createOutputChannel('aiX LSP Trace');
    this.traceLevelChanged = new this.vscode.EventEmitter<vscodeApi.LogLevel>();
    this.traceChannel = traceChannel(this.vscode, traceText, this.traceLevelChanged.event, () => this.traceOn());
    this.disposables.push(
      traceText,
      this.traceLevelChanged,
      this.explainChanged,
      workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
        onDidChange: this.explainChanged.event,
        provideTextDocumentContent: () => this.explainText,
      }),
      window.onDidChangeActiveTextEditor(() => this.refreshDocumentLanguage()),
      this.output,
      this.statusItem,
      commands.registerCommand(COMMANDS.toggle, () => this.toggle()),
      commands.registerCommand(COMMANDS.restart, () => this.restart()),
      commands.registerCommand(COMMANDS.showLog, () => this.output.show(true)),
      commands.registerCommand(COMMANDS.reloadModel, () => this.reloadModel()),
      commands.registerCommand(COMMANDS.menu, () => this.showMenu()),
      commands.registerCommand(COMMANDS.explain, () => this.explain()),
      workspace.onDidChangeConfiguration((e) => this.onConfigurationChanged(e)),
    );
    this.setStatus({ kind: 'starting' });
    this.statusItem.show();
  }

  private config(): vscodeApi.WorkspaceConfiguration {
    return this.vscode.workspace.getConfiguration(SECTION);
  }

  /** A remote window (code-server, Remote-SSH, WSL, a dev container): the server runs on that machine. */
  private get remoteName(): string | undefined {
    return this.vscode.env?.remoteName ?? undefined;
  }

  /** Settings read as VS Code applies them (see readSetting); `aix.X` from a remote window's User settings is reported once. */
  private reader(): (key: string) => SettingRead {
    const config = this.config();
    const remote = this.remoteName !== undefined;
    return (key) => readSetting(key, this.deps.schema[`${SECTION}.${key}`], remote, (k) => config.get(k), (k) => config.inspect(k) as Inspected | undefined);
  }

  private reportLocalOnlySettings(read: (key: string) => SettingRead, keys: string[]): void {
    const fresh = keys.filter((k) => read(k).ignoredLocalValue && !this.reportedLocalOnly.has(k));
    if (fresh.length === 0) return;
    for (const k of fresh) this.reportedLocalOnly.add(k);
    const names = fresh.map((k) => `${SECTION}.${k}`).join(', ');
    const [verb, pronoun] = fresh.length === 1 ? ['is', 'it'] : ['are', 'them'];
    const message =
      `aiX: ${names} in your User settings ${verb} not applied in this remote window (${this.remoteName}): ` +
      `${fresh.length === 1 ? 'it names' : 'they name'} something on the machine the server runs on. ` +
      `Set ${pronoun} in Remote settings ("Preferences: Open Remote Settings") or in the workspace settings.`;
    this.output.warn(message);
    void this.vscode.window.showWarningMessage(message, 'Open Remote Settings').then((choice) => {
      if (choice === 'Open Remote Settings') void this.vscode.commands.executeCommand('workbench.action.openRemoteSettings');
    });
  }

  /**
   * A remote window whose model failed to load while `aix.model` is not set where VS Code applies it
   * there: VS Code filters a User-settings value out before we can see it, so say where it goes, once.
   */
  private hintRemoteModel(): void {
    if (this.remoteName === undefined || this.remoteModelHintShown || this.reader()('model').explicit) return;
    this.remoteModelHintShown = true;
    const message =
      `aiX: aix.model is not set for this remote window (${this.remoteName}), so the default model was tried. ` +
      `In a remote window, settings of the machine the server runs on (aix.model, aix.pythonPath, aix.device, …) ` +
      `come from Remote settings ("Preferences: Open Remote Settings") or the workspace, not your User settings.`;
    this.output.warn(message);
    void this.vscode.window.showWarningMessage(message, 'Open Remote Settings').then((choice) => {
      if (choice === 'Open Remote Settings') void this.vscode.commands.executeCommand('workbench.action.openRemoteSettings');
    });
  }

  private traceOn(): boolean {
    const value = this.config().get('trace.server');
    return value === 'messages' || value === 'verbose';
  }

  /**
   * Server settings for the server: all of them (`which` = 'all'), only those set by the user
   * ('explicit': initializationOptions, so that flags in aix.serverArgs are not overridden by
   * defaults), or only those a change touched (a ConfigurationChangeEvent: the server merges, so
   * a toggle from "aiX: Toggle Completions" survives unrelated changes; a removed setting is sent
   * with its default).
   */
  private serverSettings(report: boolean, which: 'all' | 'explicit' | vscodeApi.ConfigurationChangeEvent = 'all'): Record<string, unknown> {
    const read = this.reader();
    const only =
      which === 'all'
        ? undefined
        : which === 'explicit'
          ? (k: string) => read(k).explicit
          : (k: string) => which.affectsConfiguration(`${SECTION}.${k}`);
    const { settings, errors } = collectServerSettings(this.deps.schema, (k) => read(k).value, only);
    if (report && errors.length > 0) this.reportSettingErrors(errors);
    return settings;
  }

  private reportSettingErrors(errors: string[]): void {
    for (const e of errors) this.output.warn(`setting rejected: ${e}`);
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more, see the log)` : '';
    void this.vscode.window.showWarningMessage(`aiX: setting ignored: ${errors[0]}${more}`);
  }

  setStatus(status: ClientStatus): void {
    this.status = status;
    const p = presentStatus(status);
    this.statusItem.text = p.text;
    this.statusItem.tooltip = p.tooltip;
    this.statusItem.backgroundColor =
      p.severity === 'error'
        ? new this.vscode.ThemeColor('statusBarItem.errorBackground')
        : p.severity === 'warning'
          ? new this.vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  /** Starts a server; resolves once it is running or once starting it has failed (and was handled). */
  async start(): Promise<void> {
    if (this.disposed) return;
    const generation = ++this.generation;
    this.setStatus({ kind: 'starting' });
    const read = this.reader();
    this.reportLocalOnlySettings(read, settingKeys(this.deps.schema));
    const launch = collectLaunchSettings(this.deps.schema, (k) => read(k).value);
    if (launch.errors.length > 0) this.reportSettingErrors(launch.errors);
    this.completionItems = launch.completionItems;
    const python = choosePython(launch.pythonPath, launch.pythonPath ? undefined : await this.deps.pythonFromExtension());
    this.output.info(`Python interpreter: ${[python.command, ...python.args].join(' ')} (${python.source})`);
    const probe = await this.deps.probe(python);
    if (generation !== this.generation) return;
    if (!probe.ok) {
      // Nothing to restart: the same interpreter would fail the same way. Say how to fix it.
      const message = installMessage(python, probe);
      this.output.error(`${message}\n  detail: ${probe.detail}`);
      this.setStatus({ kind: 'not-installed', message });
      void this.vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then((choice) => {
        if (choice === 'Open Settings') void this.vscode.commands.executeCommand('workbench.action.openSettings', 'aix.pythonPath');
        if (choice === 'Show Log') this.output.show(true);
      });
      return;
    }
    this.output.info(`aix-lsp ${probe.version} found`);
    const { command, args } = serverCommand(python, launch.serverArgs);
    this.output.info(`starting: ${[command, ...args].join(' ')}`);
    let client: ClientLike;
    try {
      client = this.deps.createClient({
        command,
        args,
        initializationOptions: this.serverSettings(true, 'explicit'),
        outputChannel: this.output,
        traceOutputChannel: this.traceChannel,
        onUnexpectedExit: (reason) => this.onUnexpectedExit(generation, reason),
        serverSettings: () => this.serverSettings(false),
        completionItems: () => this.completionItems,
        inlineGate: this.deps.inlineGate,
      });
    } catch (error) {
      this.onUnexpectedExit(generation, `could not create the client: ${String(error)}`);
      return;
    }
    this.client = client;
    client.onNotification(STATUS_NOTIFICATION, (params) => {
      if (generation !== this.generation) return;
      const status = parseServerStatus(params);
      if (status) this.onServerStatus(status);
      else this.output.warn(`ignored malformed ${STATUS_NOTIFICATION}: ${JSON.stringify(params)}`);
    });
    try {
      await client.start();
    } catch (error) {
      this.onUnexpectedExit(generation, `the server failed to start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (generation !== this.generation) return;
    // The notification may have been sent before we listened; ask once.
    try {
      const status = parseServerStatus(await client.sendRequest('workspace/executeCommand', { command: SERVER_COMMANDS.status, arguments: [] }));
      if (status && generation === this.generation && this.status.kind === 'starting') this.onServerStatus(status);
    } catch (error) {
      this.output.debug(`${SERVER_COMMANDS.status} failed: ${String(error)}`);
    }
  }

  /** The server logs a failed load itself (window/logMessage): no second copy in the channel from here. */
  private onServerStatus(status: ServerStatus): void {
    this.setStatus({ kind: 'server', status, languageOff: this.languageOff() });
    if (status.state === 'error') this.hintRemoteModel();
    this.refreshDocumentLanguage();
  }

  /** The active document's language when the server does not complete it. */
  private languageOff(): string | undefined {
    const uri = this.vscode.window.activeTextEditor?.document?.uri?.toString();
    const d = this.documentLanguage;
    return d && uri === d.uri && !d.enabled ? d.language : undefined;
  }

  /**
   * Asks the server (`aix.status` with the document) whether it completes the active document's
   * language, so a disabled language shows "off" rather than "ready". One query at a time; a request
   * for another while one runs is folded into one more.
   */
  private refreshDocumentLanguage(): void {
    if (this.languageQuery) {
      this.languageQueryAgain = true;
      return;
    }
    const client = this.client;
    const uri = this.vscode.window.activeTextEditor?.document?.uri;
    if (!client || !uri || !SYNCED_SCHEMES.has(uri.scheme)) {
      if (this.status.kind === 'server') this.setStatus({ kind: 'server', status: this.status.status, languageOff: this.languageOff() });
      return;
    }
    const generation = this.generation;
    this.languageQuery = (async () => {
      try {
        const result = await client.sendRequest('workspace/executeCommand', { command: SERVER_COMMANDS.status, arguments: [{ uri: uri.toString() }] });
        if (generation !== this.generation) return;
        const r = (result && typeof result === 'object' ? result : {}) as Record<string, unknown>;
        this.documentLanguage =
          typeof r.language_enabled === 'boolean' ? { uri: uri.toString(), language: typeof r.language === 'string' ? r.language : 'this language', enabled: r.language_enabled } : undefined;
        const status = parseServerStatus(result);
        if (status && this.status.kind === 'server') this.setStatus({ kind: 'server', status, languageOff: this.languageOff() });
      } catch (error) {
        this.output.debug(`${SERVER_COMMANDS.status} for ${uri.toString()} failed: ${String(error)}`);
      } finally {
        this.languageQuery = undefined;
        if (this.languageQueryAgain) {
          this.languageQueryAgain = false;
          this.refreshDocumentLanguage();
        }
      }
    })();
  }

  /** Resolves once the language query running now (and the one folded into it) has finished; for tests. */
  async settled(): Promise<void> {
    while (this.languageQuery) await this.languageQuery;
  }

  private onUnexpectedExit(generation: number, reason: string): void {
    if (generation !== this.generation || this.disposed) return;
    // Further events from this client (closed after a failed start, say) are stale from now on.
    this.generation++;
    this.client = undefined;
    this.output.error(`server stopped: ${reason}`);
    const decision = this.policy.onCrash();
    if (decision.restart) {
      this.output.info(`restarting in ${decision.delayMs} ms (attempt ${decision.attempt} of ${decision.maxRestarts})`);
      this.setStatus({ kind: 'restarting', attempt: decision.attempt, maxRestarts: decision.maxRestarts, delayMs: decision.delayMs });
      this.restartTimer = this.setTimer(() => {
        this.restartTimer = undefined;
        void this.start();
      }, decision.delayMs);
      return;
    }
    const message = `the server stopped ${decision.crashes} times in a row; not restarting it again. Last reason: ${reason}`;
    this.setStatus({ kind: 'stopped', message });
    void this.vscode.window.showErrorMessage(`aiX: ${message}`, 'Show Log', 'Restart').then((choice) => {
      if (choice === 'Show Log') this.output.show(true);
      if (choice === 'Restart') void this.restart();
    });
  }

  private async stopClient(): Promise<void> {
    if (this.restartTimer !== undefined) {
      this.clearTimer(this.restartTimer);
      this.restartTimer = undefined;
    }
    const client = this.client;
    this.client = undefined;
    this.generation++;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`stopping the server: ${String(error)}`);
      }
    }
  }

  /** User-requested restart: forget earlier crashes and start afresh. */
  async restart(): Promise<void> {
    this.output.info('restarting the server');
    this.policy.reset();
    await this.stopClient();
    await this.start();
  }

  private async executeServerCommand(command: string, args: unknown[] = []): Promise<unknown> {
    if (!this.client) {
      void this.vscode.window.showWarningMessage('aiX: the server is not running ("aiX: Restart Server" starts it).');
      return undefined;
    }
    try {
      return await this.client.sendRequest('workspace/executeCommand', { command, arguments: args });
    } catch (error) {
      const message = `aiX: ${command} failed: ${error instanceof Error ? error.message : String(error)}`;
      this.output.error(message);
      void this.vscode.window.showErrorMessage(message);
      return undefined;
    }
  }

  async toggle(): Promise<boolean | undefined> {
    const result = await this.executeServerCommand(SERVER_COMMANDS.toggle);
    const enabled = result && typeof result === 'object' ? (result as { enabled?: unknown }).enabled : undefined;
    if (typeof enabled !== 'boolean') return undefined;
    void this.vscode.window.showInformationMessage(`aiX: completions ${enabled ? 'on' : 'off'}.`);
    if (this.status.kind === 'server' && !enabled) this.setStatus({ kind: 'server', status: { ...this.status.status, state: 'disabled' }, languageOff: this.languageOff() });
    return enabled;
  }

  async reloadModel(): Promise<void> {
    await this.executeServerCommand(SERVER_COMMANDS.reloadModel);
  }

  /**
   * "Why this suggestion?": the server's `aix.explain` for the cursor (scope, stop rule, the exact
   * prompt and where each cross-file fragment comes from), shown beside the editor. Returns the text.
   */
  async explain(): Promise<string | undefined> {
    const editor = this.vscode.window.activeTextEditor;
    if (!editor) {
      void this.vscode.window.showWarningMessage('aiX: put the cursor in a file first.');
      return undefined;
    }
    const { line, character } = editor.selection.active;
    const result = await this.executeServerCommand(SERVER_COMMANDS.explain, [{ uri: editor.document.uri.toString(), position: { line, character } }]);
    const text = result && typeof result === 'object' ? (result as { text?: unknown }).text : undefined;
    if (typeof text !== 'string') return undefined;
    // One read-only virtual document, refreshed in place: no Untitled tab per call, nothing to save on close.
    this.explainText = text;
    this.explainChanged.fire(this.explainUri);
    const document = await this.vscode.workspace.openTextDocument(this.explainUri);
    await this.vscode.window.showTextDocument(document, { viewColumn: this.vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    return text;
  }

  async showMenu(): Promise<void> {
    const items = [
      { label: '$(circle-slash) Toggle completions', command: COMMANDS.toggle },
      { label: '$(debug-restart) Restart server', command: COMMANDS.restart },
      { label: '$(refresh) Reload model', command: COMMANDS.reloadModel },
      { label: '$(output) Show server log', command: COMMANDS.showLog },
      { label: '$(question) Why this suggestion? (the prompt at the cursor)', command: COMMANDS.explain },
      { label: '$(gear) Settings', command: 'workbench.action.openSettings' },
    ];
    const picked = await this.vscode.window.showQuickPick(items, { placeHolder: presentStatus(this.status).tooltip.split('\n')[0] });
    if (!picked) return;
    if (picked.command === 'workbench.action.openSettings') await this.vscode.commands.executeCommand(picked.command, '@ext:aix-lsp.aix-lsp');
    else await this.vscode.commands.executeCommand(picked.command);
  }

  async onConfigurationChanged(event: vscodeApi.ConfigurationChangeEvent): Promise<void> {
    if (!event.affectsConfiguration(SECTION)) return;
    if (event.affectsConfiguration(`${SECTION}.trace.server`)) this.traceLevelChanged.fire(this.traceChannel.logLevel);
    if (needsRestart((key) => event.affectsConfiguration(key))) {
      await this.restart();
      return;
    }
    const read = this.reader();
    this.reportLocalOnlySettings(read, settingKeys(this.deps.schema).filter((k) => event.affectsConfiguration(`${SECTION}.${k}`)));
    const launch = collectLaunchSettings(this.deps.schema, (k) => read(k).value);
    this.completionItems = launch.completionItems;
    const settings = this.serverSettings(true, event);
    if (!this.client) {
      // Not running because of a failed start: a settings change is the user's retry.
      if (this.status.kind === 'stopped' || this.status.kind === 'not-installed') await this.restart();
      return;
    }
    if (Object.keys(settings).length === 0) return;
    try {
      await this.client.sendNotification('workspace/didChangeConfiguration', { settings: { [SECTION]: settings } });
    } catch (error) {
      this.output.warn(`didChangeConfiguration: ${String(error)}`);
    }
  }

  /** A request to the running server (rejects when none runs), e.g. textDocument/copilotInlineEdit. */
  async sendRequest(method: string, params: unknown, token?: vscodeApi.CancellationToken): Promise<unknown> {
    if (!this.client) throw new Error('the server is not running');
    return this.client.sendRequest(method, params, token);
  }

  get running(): boolean {
    return this.client !== undefined;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stopClient();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/**
 * A LogOutputChannel over a plain output channel whose level follows `aix.trace.server`: Trace while
 * it is `messages` or `verbose`, else Off. vscode-languageclient reads the level to decide whether to
 * trace and writes each traced message with `trace()`.
 */
export function traceChannel(
  vscode: VSCode,
  channel: vscodeApi.OutputChannel,
  onDidChangeLogLevel: vscodeApi.Event<vscodeApi.LogLevel>,
  on: () => boolean,
): vscodeApi.LogOutputChannel {
  const line = (level: string) => (message: string | Error, ...args: unknown[]) =>
    channel.appendLine(`${new Date().toISOString()} [${level}] ${String(message)}${args.length ? ' ' + args.map((a) => JSON.stringify(a)).join(' ') : ''}`);
  return {
    get name() {
      return channel.name;
    },
    get logLevel() {
      return on() ? vscode.LogLevel.Trace : vscode.LogLevel.Off;
    },
    onDidChangeLogLevel,
    trace: line('trace'),
    debug: line('debug'),
    info: line('info'),
    warn: line('warning'),
    error: line('error'),
    append: (value: string) => channel.append(value),
    appendLine: (value: string) => channel.appendLine(value),
    replace: (value: string) => channel.replace(value),
    clear: () => channel.clear(),
    show: (a?: unknown, b?: boolean) => channel.show(typeof a === 'boolean' ? a : b),
    hide: () => channel.hide(),
    dispose: () => undefined, // the controller disposes the channel
  } as vscodeApi.LogOutputChannel;
}

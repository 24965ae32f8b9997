// The extension's behaviour: start the server (after checking Python can run it), keep the status
// bar in step with `aix/status`, forward settings, restart with back-off, and the commands.
// It takes the `vscode` module and a client factory as parameters, so tests drive it with fakes.
import type * as vscodeApi from 'vscode';
import { choosePython, installMessage, PythonCommand, ProbeResult, serverCommand } from './python';
import { RestartPolicy } from './restartPolicy';
import {
  collectLaunchSettings,
  collectServerSettings,
  isExplicitlySet,
  needsRestart,
  SECTION,
  SettingsSchema,
} from './settings';
import { ClientStatus, parseServerStatus, presentStatus, ServerStatus } from './status';

export type VSCode = typeof vscodeApi;

/** The part of vscode-languageclient's LanguageClient the controller uses. */
export interface ClientLike {
  start(): Promise<void>;
  stop(timeout?: number): Promise<void>;
  sendRequest(method: string, params: unknown): Promise<unknown>;
  sendNotification(method: string, params: unknown): Promise<void>;
  onNotification(method: string, handler: (params: unknown) => void): { dispose(): void };
}

export interface ClientFactoryOptions {
  command: string;
  args: string[];
  /** Flat object of snake_case server settings. */
  initializationOptions: Record<string, unknown>;
  outputChannel: vscodeApi.LogOutputChannel;
  /** Called when the server process goes away without being asked to. */
  onUnexpectedExit: (reason: string) => void;
  /** Current server settings, for the server's workspace/configuration requests. */
  serverSettings: () => Record<string, unknown>;
  /** Whether completion-list items are wanted besides inline suggestions. */
  completionItems: () => boolean;
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
    this.disposables.push(
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

  /**
   * Server settings for the server: all of them (`which` = 'all'), only those set by the user
   * ('explicit': initializationOptions, so that flags in aix.serverArgs are not overridden by
   * defaults), or only those a change touched (a ConfigurationChangeEvent: the server merges, so
   * a toggle from "aiX: Toggle Completions" survives unrelated changes; a removed setting is sent
   * with its default).
   */
  private serverSettings(report: boolean, which: 'all' | 'explicit' | vscodeApi.ConfigurationChangeEvent = 'all'): Record<string, unknown> {
    const config = this.config();
    const only =
      which === 'all'
        ? undefined
        : which === 'explicit'
          ? (k: string) => isExplicitlySet(config.inspect(k) as Record<string, unknown> | undefined)
          : (k: string) => which.affectsConfiguration(`${SECTION}.${k}`);
    const { settings, errors } = collectServerSettings(this.deps.schema, (k) => config.get(k), only);
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
    const config = this.config();
    const launch = collectLaunchSettings(this.deps.schema, (k) => config.get(k));
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
        onUnexpectedExit: (reason) => this.onUnexpectedExit(generation, reason),
        serverSettings: () => this.serverSettings(false),
        completionItems: () => this.completionItems,
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

  private onServerStatus(status: ServerStatus): void {
    if (status.state === 'error' && !(this.status.kind === 'server' && this.status.status.state === 'error' && this.status.status.message === status.message)) {
      this.output.error(`server: ${status.message}`);
    }
    this.setStatus({ kind: 'server', status });
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
    if (this.status.kind === 'server' && !enabled) this.setStatus({ kind: 'server', status: { ...this.status.status, state: 'disabled' } });
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
    const document = await this.vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
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
    if (needsRestart((key) => event.affectsConfiguration(key))) {
      await this.restart();
      return;
    }
    const launch = collectLaunchSettings(this.deps.schema, (k) => this.config().get(k));
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

  get running(): boolean {
    return this.client !== undefined;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stopClient();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

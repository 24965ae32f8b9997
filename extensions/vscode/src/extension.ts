// Entry point: wires the real `vscode` API and vscode-languageclient into the Controller.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';
import { ClientFactory, ClientFactoryOptions, Controller } from './controller';
import { METHOD as NEXT_EDIT_METHOD, NextEdits } from './nextEdit';
import { probeServer, pythonExtensionInterpreter } from './python';
import { SECTION, SettingsSchema, toSnakeCase } from './settings';
import * as manifest from '../package.json';

const schema = manifest.contributes.configuration.properties as unknown as SettingsSchema;

/** VS Code language ids the client sends to the server (the server itself maps files by extension). */
export const LANGUAGES: string[] = manifest.aixLanguages;

export function clientOptionsFor(o: ClientFactoryOptions): LanguageClientOptions {
  return {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    initializationOptions: o.initializationOptions,
    outputChannel: o.outputChannel,
    traceOutputChannel: o.traceOutputChannel,
    errorHandler: {
      error: (_error, _message, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
      closed: () => {
        // Our RestartPolicy decides (with back-off); the client must not restart on its own.
        o.onUnexpectedExit('the server process exited');
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    },
    initializationFailedHandler: (error) => {
      o.outputChannel.error(`initialize failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    },
    middleware: {
      provideCompletionItem: (document, position, context, token, next) =>
        o.completionItems() ? next(document, position, context, token) : undefined,
      // One suggestion at a time: no ghost text while a next edit is shown; ghost text up: no next edit.
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        if (o.inlineGate?.suppressInline(document)) return undefined;
        const result = await next(document, position, context, token);
        const items = Array.isArray(result) ? result : result?.items;
        o.inlineGate?.inlineAnswered(document, (items?.length ?? 0) > 0);
        return result;
      },
      workspace: {
        // The server may pull settings: give it the same snake_case object we push.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          const settings = o.serverSettings();
          return params.items.map((item, i) => {
            if (item.section === SECTION) return settings;
            if (item.section?.startsWith(SECTION + '.')) return settings[toSnakeCase(item.section.slice(SECTION.length + 1))] ?? null;
            return result[i];
          });
        },
      },
    },
  };
}

/**
 * stdio without `transport`: with `TransportKind.stdio` the client appends `--stdio` to the
 * arguments, which `aix-lsp serve` does not take (found by the code-server end-to-end run).
 * AIX_LSP_CLIENT=vscode: the server's setting messages then name `aix.maxContextTokens`, the name
 * users see, instead of `initializationOptions: max_context_tokens`.
 */
export function serverOptionsFor(o: Pick<ClientFactoryOptions, 'command' | 'args'>, env: NodeJS.ProcessEnv = process.env): ServerOptions {
  return { command: o.command, args: [...o.args], options: { env: { ...env, AIX_LSP_CLIENT: 'vscode' } } };
}

export const createLanguageClient: ClientFactory = (o) =>
  // Id `aix`: the client reads `aix.trace.server` for protocol tracing.
  new LanguageClient('aix', 'aiX LSP', serverOptionsFor(o), clientOptionsFor(o));

let controller: Controller | undefined;
let nextEdits: NextEdits | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<Controller> {
  nextEdits = new NextEdits({
    vscode,
    request: (params, token) => (controller ? controller.sendRequest(NEXT_EDIT_METHOD, params, token) : Promise.reject(new Error('not started'))),
    enabled: () => vscode.workspace.getConfiguration(SECTION).get<boolean>('nextEdit') === true,
    synced: (document) => (document.uri.scheme === 'file' || document.uri.scheme === 'untitled') && LANGUAGES.includes(document.languageId),
    log: (message) => controller?.output.debug(message),
  });
  context.subscriptions.push(nextEdits);
  controller = new Controller({
    vscode,
    inlineGate: nextEdits,
    createClient: createLanguageClient,
    schema,
    probe: (python) => probeServer(python),
    pythonFromExtension: async () => {
      const ext = vscode.extensions.getExtension('ms-python.python');
      if (!ext) return undefined;
      try {
        const api = ext.isActive ? ext.exports : await ext.activate();
        return await pythonExtensionInterpreter(api, vscode.workspace.workspaceFolders?.[0]?.uri);
      } catch {
        return undefined;
      }
    },
  });
  context.subscriptions.push({ dispose: () => void controller?.dispose() });
  // Not awaited: activation must not wait for the model; the status bar shows progress.
  void controller.start();
  return controller;
}

export async function deactivate(): Promise<void> {
  const c = controller;
  controller = undefined;
  nextEdits?.dispose();
  nextEdits = undefined;
  await c?.dispose();
}

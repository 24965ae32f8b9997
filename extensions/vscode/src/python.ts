// Which Python runs the server, and whether it can: plain functions, no `vscode` import.
import { spawn } from 'child_process';

export interface PythonCommand {
  /** Executable (path or name on PATH). */
  command: string;
  /** Arguments before `-m aix_lsp serve` (e.g. from a Python extension exec command like `conda run`). */
  args: string[];
  /** Where it came from, for messages: `aix.pythonPath`, `Python extension`, or `default`. */
  source: 'aix.pythonPath' | 'Python extension' | 'default';
}

export function defaultPython(platform: string = process.platform): string {
  return platform === 'win32' ? 'python' : 'python3';
}

/** aix.pythonPath wins; then the Python extension's interpreter; then python3 (python on Windows). */
export function choosePython(configured: string, fromPythonExtension: string[] | undefined, platform: string = process.platform): PythonCommand {
  if (configured.trim()) return { command: configured.trim(), args: [], source: 'aix.pythonPath' };
  if (fromPythonExtension && fromPythonExtension.length > 0 && fromPythonExtension[0]) {
    return { command: fromPythonExtension[0], args: fromPythonExtension.slice(1), source: 'Python extension' };
  }
  return { command: defaultPython(platform), args: [], source: 'default' };
}

/** The full server command line. */
export function serverCommand(python: PythonCommand, extraArgs: string[]): { command: string; args: string[] } {
  return { command: python.command, args: [...python.args, '-m', 'aix_lsp', 'serve', ...extraArgs] };
}

/**
 * The interpreter selected in the Python extension (ms-python.python), duck-typed so that both the
 * current `environments` API and the older `settings.getExecutionDetails` API work. Undefined when
 * the extension is absent or has no interpreter selected.
 */
export async function pythonExtensionInterpreter(api: any, resource?: unknown): Promise<string[] | undefined> {
  if (!api) return undefined;
  try {
    const envs = api.environments;
    if (envs && typeof envs.getActiveEnvironmentPath === 'function') {
      const active = envs.getActiveEnvironmentPath(resource);
      if (active) {
        let executable: string | undefined;
        if (typeof envs.resolveEnvironment === 'function') {
          const resolved = await envs.resolveEnvironment(active);
          executable = resolved?.executable?.uri?.fsPath ?? resolved?.path;
        }
        executable = executable ?? active.path;
        if (executable) return [executable];
      }
    }
    const details = api.settings?.getExecutionDetails?.(resource);
    if (details?.execCommand && details.execCommand.length > 0) return [...details.execCommand];
  } catch {
    // A broken Python extension must not stop ours: fall back to the default interpreter.
  }
  return undefined;
}

export type ProbeResult =
  | { ok: true; version: string }
  | { ok: false; kind: 'missing-interpreter' | 'missing-package' | 'failed'; detail: string };

/** Exit status of the probe script when aix_lsp or one of its dependencies is not importable. */
const NOT_INSTALLED = 3;
/** Modules the server cannot start without; checked too, so that a half-installed environment (or an
 * aix_lsp found only through the current folder) is reported instead of crashing the server. */
export const REQUIRED_MODULES = ['aix_lsp', 'pygls', 'lsprotocol', 'torch', 'transformers', 'tree_sitter'];
// find_spec does not import the modules (torch takes seconds): the probe stays fast.
const PROBE_SCRIPT =
  'import importlib.util, sys\n' +
  `missing = [m for m in ${JSON.stringify(REQUIRED_MODULES)} if importlib.util.find_spec(m) is None]\n` +
  "if missing: print(' '.join(missing)); sys.exit(" + NOT_INSTALLED + ')\n' +
  'from importlib import metadata\n' +
  "try: print(metadata.version('aix-lsp'))\n" +
  "except Exception: print('unknown')\n";

export type Runner = (command: string, args: string[], timeoutMs: number) => Promise<{ code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }>;

export const runProcess: Runner = (command, args, timeoutMs) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (r: { code: number | null; error?: NodeJS.ErrnoException }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, stdout, stderr });
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (error) {
      resolve({ code: null, stdout, stderr, error: error as NodeJS.ErrnoException });
      return;
    }
    const timer = setTimeout(() => {
      child.kill();
      finish({ code: null, error: Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }) });
    }, timeoutMs);
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', (error) => finish({ code: null, error }));
    child.on('close', (code) => finish({ code }));
  });

/** Checks that `python` runs and can import aix_lsp, before the language client starts it. */
export async function probeServer(python: PythonCommand, run: Runner = runProcess, timeoutMs = 30000): Promise<ProbeResult> {
  const r = await run(python.command, [...python.args, '-c', PROBE_SCRIPT], timeoutMs);
  if (r.error) {
    if (r.error.code === 'ENOENT' || r.error.code === 'EACCES') {
      return { ok: false, kind: 'missing-interpreter', detail: `${r.error.code}: ${r.error.message}` };
    }
    return { ok: false, kind: 'failed', detail: r.error.message };
  }
  if (r.code === 0) return { ok: true, version: r.stdout.trim() || 'unknown' };
  if (r.code === NOT_INSTALLED) return { ok: false, kind: 'missing-package', detail: `missing modules: ${r.stdout.trim()}` };
  // Exit 127 is a shell's "command not found" (e.g. a wrapper script around a missing interpreter).
  if (r.code === 127) return { ok: false, kind: 'missing-interpreter', detail: r.stderr.trim() };
  return { ok: false, kind: 'failed', detail: `exit status ${r.code}: ${r.stderr.trim()}` };
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`;
}

export function displayCommand(python: PythonCommand): string {
  return [python.command, ...python.args].map(quote).join(' ');
}

/** The message shown when the probe fails: what is wrong and how to install. */
export function installMessage(python: PythonCommand, result: Exclude<ProbeResult, { ok: true }>): string {
  const py = displayCommand(python);
  const from = python.source === 'default' ? '' : ` (from ${python.source})`;
  switch (result.kind) {
    case 'missing-interpreter':
      return (
        `aiX: the Python interpreter "${py}"${from} was not found. Install Python 3.10+ and run ` +
        '`pip install aix-lsp` (or `pip install -e .` in an aix-lsp checkout), then set `aix.pythonPath` ' +
        'to that interpreter.'
      );
    case 'missing-package':
      return (
        `aiX: the aix_lsp package is not installed for "${py}"${from}` +
        (result.detail && !/^missing modules: aix_lsp\b/.test(result.detail) ? ` (or not completely: ${result.detail})` : '') +
        '. Install it with ' +
        `\`${py} -m pip install aix-lsp\` (or \`${py} -m pip install -e .\` in an aix-lsp checkout), ` +
        'or set `aix.pythonPath` to an interpreter that has it.'
      );
    default:
      return `aiX: could not run "${py}"${from}: ${result.detail}`;
  }
}

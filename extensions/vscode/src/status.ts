// The status bar item's text, from the server's `aix/status` notification and the client's own
// state (starting, restarting, stopped, not installed). Pure functions; no `vscode` import.

export type ServerState = 'loading' | 'ready' | 'error' | 'disabled';

export interface IndexStatus {
  // degraded: serving, but something is off (a folder refused, the file budget hit, the index kept in
  // memory because the disk is full); error: no cross-file context. `message` says what.
  state: 'idle' | 'indexing' | 'ready' | 'degraded' | 'error';
  done: number;
  total: number;
  message: string;
}

/** Params of the `aix/status` notification (and the result of the `aix.status` command). */
export interface ServerStatus {
  state: ServerState;
  message: string;
  model: string;
  device: string;
  progress: number | null;
  index?: IndexStatus;
  acceptance?: string; // today's accept rate, from the server's local statistics (`aix-lsp stats`)
}

/** What the extension itself knows, when the server has not (or can no longer) say anything. */
export type ClientStatus =
  | { kind: 'starting' }
  // languageOff: the active document's language, when the server does not complete it
  | { kind: 'server'; status: ServerStatus; languageOff?: string }
  | { kind: 'restarting'; attempt: number; maxRestarts: number; delayMs: number }
  | { kind: 'stopped'; message: string }
  | { kind: 'not-installed'; message: string };

export interface StatusPresentation {
  text: string;
  tooltip: string;
  severity: 'normal' | 'warning' | 'error';
}

const STATES = new Set(['loading', 'ready', 'error', 'disabled']);

/** Reads a notification's params defensively; undefined when they are not a status object. */
export function parseServerStatus(params: unknown): ServerStatus | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const p = params as Record<string, unknown>;
  if (typeof p.state !== 'string' || !STATES.has(p.state)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  let index: IndexStatus | undefined;
  if (p.index && typeof p.index === 'object') {
    const i = p.index as Record<string, unknown>;
    const known = ['indexing', 'ready', 'degraded', 'error'] as const;
    const state = known.find((k) => k === i.state) ?? 'idle';
    index = { state, done: num(i.done), total: num(i.total), message: str(i.message) };
  }
  const today = (p.stats as { today?: Record<string, unknown> } | undefined)?.today;
  const acceptance = today && num(today.shown) > 0 && typeof today.accept_rate === 'number'
    ? `today: ${Math.round(100 * today.accept_rate)}% of ${num(today.shown)} suggestions accepted` : undefined;
  return {
    ...(acceptance ? { acceptance } : {}),
    state: p.state as ServerState,
    message: str(p.message),
    model: str(p.model),
    device: str(p.device),
    progress: typeof p.progress === 'number' && Number.isFinite(p.progress) ? p.progress : null,
    index,
  };
}

function modelLine(s: ServerStatus): string {
  const parts = [];
  if (s.model) parts.push(`model: ${s.model}`);
  if (s.device) parts.push(`device: ${s.device}`);
  return parts.join(', ');
}

function indexLine(index: IndexStatus | undefined): string {
  if (!index) return '';
  if (index.state === 'indexing') return `workspace index: indexing ${index.done}/${index.total} files`;
  if (index.state === 'ready') return `workspace index: ready (${index.total} files)`;
  if (index.state === 'degraded' || index.state === 'error') {
    return `workspace index: ${index.state}${index.message ? ` (${index.message})` : ''}`;
  }
  return '';
}

export function presentStatus(status: ClientStatus): StatusPresentation {
  switch (status.kind) {
    case 'starting':
      return { text: '$(loading~spin) aiX', tooltip: 'aiX: starting the aix-lsp server…', severity: 'normal' };
    case 'restarting': {
      const seconds = Math.round(status.delayMs / 100) / 10;
      return {
        text: `$(warning) aiX restarting (${status.attempt}/${status.maxRestarts})`,
        tooltip: `aiX: the server stopped unexpectedly; restarting in ${seconds} s (attempt ${status.attempt} of ${status.maxRestarts}). See "aiX: Show Server Log".`,
        severity: 'warning',
      };
    }
    case 'stopped':
      return { text: '$(error) aiX stopped', tooltip: `aiX: ${status.message}`, severity: 'error' };
    case 'not-installed':
      return { text: '$(error) aiX: not installed', tooltip: status.message, severity: 'error' };
    case 'server':
      if (status.languageOff !== undefined && (status.status.state === 'ready' || status.status.state === 'loading')) {
        const model = modelLine(status.status);
        return {
          text: '$(circle-slash) aiX',
          tooltip: [`aiX: no completions for ${status.languageOff} (aix.enabledLanguages, aix.disabledLanguages)`, `model ${status.status.state}`, model].filter(Boolean).join('\n'),
          severity: 'warning',
        };
      }
      return presentServerStatus(status.status);
  }
}

function presentServerStatus(s: ServerStatus): StatusPresentation {
  const lines: string[] = [];
  const model = modelLine(s);
  const index = indexLine(s.index);
  const indexing = s.index?.state === 'indexing' ? ` $(sync~spin) ${s.index.done}/${s.index.total}` : '';
  switch (s.state) {
    case 'loading': {
      const pct = s.progress === null ? '' : ` ${Math.max(0, Math.min(100, Math.round(s.progress)))}%`;
      lines.push(`aiX: loading the model${pct}`);
      if (s.message) lines.push(s.message);
      if (model) lines.push(model);
      return { text: `$(loading~spin) aiX${pct}`, tooltip: lines.join('\n'), severity: 'normal' };
    }
    case 'ready':
      lines.push('aiX: ready');
      if (model) lines.push(model);
      if (index) lines.push(index);
      if (s.acceptance) lines.push(s.acceptance);
      if (s.message) lines.push(s.message);
      return { text: `$(sparkle) aiX${indexing}`, tooltip: lines.join('\n'), severity: 'normal' };
    case 'disabled':
      lines.push('aiX: completions are off ("aiX: Toggle Completions" turns them on)');
      if (s.message) lines.push(s.message);
      if (model) lines.push(model);
      return { text: '$(circle-slash) aiX', tooltip: lines.join('\n'), severity: 'warning' };
    case 'error':
      lines.push(`aiX error: ${s.message || 'unknown error'}`);
      if (model) lines.push(model);
      return { text: '$(error) aiX', tooltip: lines.join('\n'), severity: 'error' };
  }
}

// Next-edit suggestions away from the cursor (docs/next-edit.md, "VS Code"): after a change, ask the server
// `textDocument/copilotInlineEdit`; show the edit it predicts as a decoration of the diff (the replaced text
// struck through, the new text as dimmed ghost text after it, a mark in the overview ruler); Tab jumps to it,
// Tab again applies it, Escape dismisses it. Stable APIs only. One suggestion at a time: while ghost text
// (an inline completion) is shown no next edit is shown, and while a next edit is shown no ghost text is.
// It takes the `vscode` module and the request function as parameters, so tests drive it with fakes.
import type * as vscodeApi from 'vscode';

type VSCode = typeof vscodeApi;

export const METHOD = 'textDocument/copilotInlineEdit';
/** The context key the Tab and Escape keybindings of package.json test. */
export const CONTEXT_KEY = 'aix.nextEditVisible';
export const COMMANDS = { accept: 'aix-lsp.acceptNextEdit', dismiss: 'aix-lsp.dismissNextEdit' } as const;
/** Theme colors contributed in package.json. */
export const COLORS = { removed: 'aixNextEdit.removedForeground', inserted: 'aixNextEdit.insertedForeground', ruler: 'aixNextEdit.overviewRuler' } as const;
/**
 * The client's own pause after a change before it asks: it folds a burst of keystrokes into one
 * request and lets the change's didChange go first. The edit pause proper (aix.nextEditDebounceMs)
 * is the server's: it holds the request that long and answers it empty when the document changed.
 */
export const CLIENT_PAUSE_MS = 50;

export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** One edit of the server's answer: `text` replaces `range`; `command` runs once it is applied. */
export interface InlineEdit {
  text: string;
  range: LspRange;
  textDocument?: { uri?: string; version?: number };
  command?: { title?: string; command: string; arguments?: unknown[] };
}

export type Phase = 'idle' | 'requested' | 'shown' | 'jumped';

/** Why the last answer was not shown (for the log and the tests). */
export type Dropped = 'stale' | 'empty' | 'malformed' | 'ghost-text' | 'cursor-line' | 'failed';

export interface NextEditDeps {
  vscode: VSCode;
  /** Sends `textDocument/copilotInlineEdit` (rejects when no server runs). */
  request: (params: unknown, token: vscodeApi.CancellationToken) => Promise<unknown>;
  /** aix.nextEdit */
  enabled: () => boolean;
  /** Documents the server has (its document selector). */
  synced: (document: vscodeApi.TextDocument) => boolean;
  log?: (message: string) => void;
  pauseMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

interface Shown {
  editor: vscodeApi.TextEditor;
  uri: string;
  version: number;
  edit: InlineEdit;
  range: vscodeApi.Range;
}

/** The first edit of a copilotInlineEdit result, or why there is none. */
export function readResult(result: unknown): InlineEdit | 'empty' | 'malformed' {
  if (!result || typeof result !== 'object') return 'malformed';
  const edits = (result as { edits?: unknown }).edits;
  if (!Array.isArray(edits)) return 'malformed';
  if (edits.length === 0) return 'empty';
  const e = edits[0] as Partial<InlineEdit> | null;
  const pos = (p: unknown) => {
    const q = p as { line?: unknown; character?: unknown } | null;
    return !!q && Number.isInteger(q.line) && Number.isInteger(q.character) && (q.line as number) >= 0 && (q.character as number) >= 0;
  };
  if (!e || typeof e.text !== 'string' || !e.range || !pos(e.range.start) || !pos(e.range.end)) return 'malformed';
  const { start, end } = e.range;
  if (start.line > end.line || (start.line === end.line && start.character > end.character)) return 'malformed';
  if (e.command !== undefined && (!e.command || typeof e.command.command !== 'string')) return 'malformed';
  return e as InlineEdit;
}

/** The inserted text as one line of ghost text (a decoration cannot show line breaks). */
export function ghostText(text: string): string {
  return text.replace(/\r?\n/g, ' \u23ce ');
}

export class NextEdits {
  private readonly vscode: VSCode;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly removedType: vscodeApi.TextEditorDecorationType;
  private readonly insertedType: vscodeApi.TextEditorDecorationType;
  private readonly disposables: { dispose(): unknown }[] = [];
  private timer: unknown;
  private inFlight: vscodeApi.CancellationTokenSource | undefined;
  private shown: Shown | undefined;
  private jumped = false;
  /** The document version whose inline completion answered items: ghost text is up, no next edit then. */
  private ghost: { uri: string; version: number } | undefined;
  private contextValue = false;
  /** Resolves when the latest request has been handled (for tests). */
  settled: Promise<void> = Promise.resolve();
  lastDropped: Dropped | undefined;

  constructor(private readonly deps: NextEditDeps) {
    this.vscode = deps.vscode;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    const { window, workspace, commands, ThemeColor, OverviewRulerLane } = this.vscode;
    this.removedType = window.createTextEditorDecorationType({
      textDecoration: 'line-through',
      color: new ThemeColor(COLORS.removed),
      overviewRulerColor: new ThemeColor(COLORS.ruler),
      overviewRulerLane: OverviewRulerLane.Right,
    });
    this.insertedType = window.createTextEditorDecorationType({
      overviewRulerColor: new ThemeColor(COLORS.ruler),
      overviewRulerLane: OverviewRulerLane.Right,
      after: { color: new ThemeColor(COLORS.inserted), fontStyle: 'italic' },
    });
    this.disposables.push(
      this.removedType,
      this.insertedType,
      workspace.onDidChangeTextDocument((e) => this.onDidChange(e)),
      window.onDidChangeActiveTextEditor(() => this.clear()),
      window.onDidChangeTextEditorSelection((e) => this.onSelection(e)),
      commands.registerCommand(COMMANDS.accept, () => this.accept()),
      commands.registerCommand(COMMANDS.dismiss, () => this.dismiss()),
    );
  }

  get phase(): Phase {
    if (this.shown) return this.jumped ? 'jumped' : 'shown';
    return this.inFlight || this.timer !== undefined ? 'requested' : 'idle';
  }

  /** The edit shown now (for tests and the inline completion gate). */
  get current(): InlineEdit | undefined {
    return this.shown?.edit;
  }

  // --- one suggestion at a time: the gate the inline completion middleware asks -------------------------

  /** True while a next edit is shown in `document`: its inline completions are then withheld. */
  suppressInline(document: vscodeApi.TextDocument): boolean {
    return this.shown !== undefined && this.shown.uri === document.uri.toString();
  }

  /** The inline completion for `document` answered `hasItems`: ghost text is (or is not) up at this version. */
  inlineAnswered(document: vscodeApi.TextDocument, hasItems: boolean): void {
    if (!hasItems) return;
    this.ghost = { uri: document.uri.toString(), version: document.version };
    this.cancelRequest(); // its answer would be dropped anyway
  }

  // --- asking --------------------------------------------------------------------------------------------

  private onDidChange(e: vscodeApi.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return; // a dirty-state change only
    const uri = e.document.uri.toString();
    if (this.shown && this.shown.uri === uri) this.clear(); // stale: its version is gone
    if (this.ghost && this.ghost.uri === uri) this.ghost = undefined;
    const editor = this.vscode.window.activeTextEditor;
    if (!editor || editor.document !== e.document) return;
    this.schedule(editor);
  }

  private schedule(editor: vscodeApi.TextEditor): void {
    this.cancelRequest();
    if (!this.deps.enabled() || !this.deps.synced(editor.document)) return;
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      this.settled = this.ask(editor);
    }, this.deps.pauseMs ?? CLIENT_PAUSE_MS);
  }

  private cancelRequest(): void {
    if (this.timer !== undefined) {
      this.clearTimer(this.timer);
      this.timer = undefined;
    }
    this.inFlight?.cancel();
    this.inFlight?.dispose();
    this.inFlight = undefined;
  }

  /** Asks for the next edit at the cursor of `editor` now; shows the answer if it still fits. */
  async ask(editor: vscodeApi.TextEditor): Promise<void> {
    const document = editor.document;
    const version = document.version;
    const uri = document.uri.toString();
    const position = editor.selection.active;
    const source = new this.vscode.CancellationTokenSource();
    this.inFlight = source;
    let result: unknown;
    try {
      result = await this.deps.request(
        { textDocument: { uri, version }, position: { line: position.line, character: position.character } },
        source.token,
      );
    } catch (error) {
      if (!source.token.isCancellationRequested) this.drop('failed', String(error));
      return;
    } finally {
      if (this.inFlight === source) {
        this.inFlight = undefined;
        source.dispose();
      }
    }
    if (source.token.isCancellationRequested) return this.drop('stale');
    const edit = readResult(result);
    if (edit === 'empty' || edit === 'malformed') return this.drop(edit, edit === 'malformed' ? JSON.stringify(result) : undefined);
    const answered = edit.textDocument;
    if (
      document.version !== version ||
      this.vscode.window.activeTextEditor?.document !== document ||
      (answered?.version !== undefined && answered.version !== version) ||
      (answered?.uri !== undefined && answered.uri !== uri)
    ) {
      return this.drop('stale');
    }
    if (this.ghost && this.ghost.uri === uri && this.ghost.version === version) return this.drop('ghost-text');
    // An edit on the cursor's line comes as the inline completion (with a range) instead: ghost text's job.
    const cursorLine = editor.selection.active.line;
    if (edit.range.start.line <= cursorLine && cursorLine <= edit.range.end.line) return this.drop('cursor-line');
    this.show(editor, version, edit);
  }

  private drop(why: Dropped, detail?: string): void {
    this.lastDropped = why;
    if (why === 'failed' || why === 'malformed') this.deps.log?.(`next edit: ${why}${detail ? `: ${detail}` : ''}`);
  }

  // --- showing -------------------------------------------------------------------------------------------

  private show(editor: vscodeApi.TextEditor, version: number, edit: InlineEdit): void {
    const { Range, Position } = this.vscode;
    const range = new Range(new Position(edit.range.start.line, edit.range.start.character), new Position(edit.range.end.line, edit.range.end.character));
    this.clear();
    this.shown = { editor, uri: editor.document.uri.toString(), version, edit, range };
    this.jumped = false;
    this.lastDropped = undefined;
    editor.setDecorations(this.removedType, range.isEmpty ? [] : [{ range, hoverMessage: 'aiX next edit: Tab to jump, Tab again to apply, Escape to dismiss' }]);
    editor.setDecorations(
      this.insertedType,
      edit.text ? [{ range: new Range(range.end, range.end), renderOptions: { after: { contentText: ghostText(edit.text) } } }] : [],
    );
    this.setContext(true);
  }

  /** Removes the decorations and forgets the edit (no request is cancelled). */
  private clear(): void {
    const s = this.shown;
    this.shown = undefined;
    this.jumped = false;
    if (s) {
      s.editor.setDecorations(this.removedType, []);
      s.editor.setDecorations(this.insertedType, []);
    }
    this.setContext(false);
  }

  private setContext(value: boolean): void {
    if (value === this.contextValue) return;
    this.contextValue = value;
    void this.vscode.commands.executeCommand('setContext', CONTEXT_KEY, value);
  }

  private onSelection(e: vscodeApi.TextEditorSelectionChangeEvent): void {
    const s = this.shown;
    if (!s || !this.jumped || e.textEditor !== s.editor) return;
    const line = e.selections[0]?.active.line;
    // Jumped, then moved off the edit by hand: the next Tab jumps again rather than applying from afar.
    if (line === undefined || line < s.range.start.line || line > s.range.end.line) this.jumped = false;
  }

  // --- the keys --------------------------------------------------------------------------------------------

  /** Tab: jump to the edit, or (after the jump) apply it. Returns what it did. */
  async accept(): Promise<'jumped' | 'applied' | 'none'> {
    const s = this.shown;
    if (!s) return 'none';
    if (s.editor.document.version !== s.version) {
      this.clear();
      this.lastDropped = 'stale';
      return 'none';
    }
    if (!this.jumped) {
      const { Selection, TextEditorRevealType } = this.vscode;
      this.jumped = true;
      s.editor.selection = new Selection(s.range.start, s.range.start);
      s.editor.revealRange(s.range, TextEditorRevealType.InCenterIfOutsideViewport);
      return 'jumped';
    }
    this.clear();
    const { WorkspaceEdit, Selection, Position } = this.vscode;
    const edit = new WorkspaceEdit();
    edit.replace(s.editor.document.uri, s.range, s.edit.text);
    if (!(await this.vscode.workspace.applyEdit(edit))) return 'none';
    const lines = s.edit.text.split('\n');
    const endLine = s.range.start.line + lines.length - 1;
    const endCharacter = (lines.length === 1 ? s.range.start.character : 0) + lines[lines.length - 1].length;
    const end = new Position(endLine, endCharacter);
    s.editor.selection = new Selection(end, end);
    if (s.edit.command) await this.vscode.commands.executeCommand(s.edit.command.command, ...(s.edit.command.arguments ?? []));
    return 'applied';
  }

  /** Escape: hide the edit (the next change may bring another). */
  dismiss(): void {
    this.cancelRequest();
    this.clear();
  }

  dispose(): void {
    this.cancelRequest();
    this.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

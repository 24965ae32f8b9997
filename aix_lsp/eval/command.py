"""``aix-lsp eval``: the command around cases, runner and report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aix_lsp.config import Settings


def _error(message: str) -> None:
    print(f"aix-lsp eval: {message}", file=sys.stderr)


def _write_json(path: str, result: dict) -> bool:
    """``--json PATH``: the whole result; False (and one line on stderr) when it cannot be written."""
    try:
        Path(path).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        _error(f"cannot write {path}: {exc}")
        return False
    return True


def run_eval_command(args, settings: Settings) -> int:
    from aix_lsp.eval.report import format_compare, format_summary, load_result

    if args.compare:
        try:
            a, b = (load_result(p) for p in args.compare)
        except (OSError, ValueError) as exc:
            _error(str(exc))
            return 2
        kinds = {str(r.get("schema", "")).split("/")[0] for r in (a, b)}
        if len(kinds) > 1:
            _error("--compare needs two results of the same kind: one is `eval --next-edit`, the other not")
            return 2
        if "aix-lsp-eval-next-edit" in kinds:
            from aix_lsp.eval.next_edit import format_compare_next_edit

            print(format_compare_next_edit(a, b, args.compare[0], args.compare[1], seed=args.seed))
            return 0
        print(format_compare(a, b, args.compare[0], args.compare[1], seed=args.seed))
        return 0
    if args.path is None:
        _error("give a repository PATH (or --compare A.json B.json)")
        return 2
    root = Path(args.path).resolve()
    if not root.is_dir():
        _error(f"{args.path} is not a folder")
        return 2

    if settings.next_edit:  # `eval --next-edit PATH`: next-edit suggestions on the git history
        return _next_edit(args, settings, root)

    from aix_lsp.eval.cases import NoSourceFiles, extract_cases, parse_languages, read_file_list, source_files

    languages = parse_languages(args.languages)
    only = None
    if args.files_from:
        try:
            only = read_file_list(args.files_from)
        except OSError as exc:
            _error(f"cannot read --files-from {args.files_from}: {exc}")
            return 2
    files = source_files(root, languages, only)
    try:
        cases = extract_cases(root, files, args.limit, args.seed, languages)
    except NoSourceFiles:
        what = f" in {', '.join(sorted(languages))}" if languages else ""
        listed = f" among the {len(only)} files of {args.files_from}" if only is not None else ""
        _error(f"no source file with a supported grammar{what} under {root}{listed}; nothing to evaluate")
        return 1
    if not cases:
        _error(f"{len(files)} files but no syntax node to take a case from; nothing to evaluate")
        return 1

    from aix_lsp.engine import load_engine
    from aix_lsp.engine.base import EngineError
    from aix_lsp.eval.runner import run_cases

    adapter = f" with the adapter {settings.adapter}" if settings.adapter else ""
    print(f"aix-lsp eval: {len(cases)} cases from {len(files)} files; loading {settings.model}{adapter} ({settings.engine} engine)", file=sys.stderr)
    try:
        engine = load_engine(settings, lambda message, percent: None)  # any engine: --engine openai too
    except EngineError as exc:
        _error(str(exc))
        return 1
    run = run_cases(root, cases, settings, engine, progress=not args.no_progress, seed=args.seed)
    result = run.as_json()
    result["model"] = settings.model
    result["adapter"] = settings.adapter
    if args.json and not _write_json(args.json, result):
        print(format_summary(result))
        return 1
    print(format_summary(result))
    if run.interrupted:
        _error(f"interrupted after {len(run.records)} of {len(cases)} cases; the figures above are for those")
        return 130
    return 0


def _next_edit(args, settings: Settings, root: Path) -> int:
    from aix_lsp.engine import load_engine
    from aix_lsp.engine.base import EngineError
    from aix_lsp.eval.next_edit import format_next_edit, read_commit_list, run_next_edit_eval

    if not (root / ".git").exists():
        _error(f"--next-edit takes its cases from git history: {root} is not a git repository")
        return 2
    commits: int | list[str] = args.commits
    where = f"the last {args.commits} commits"
    if args.commits_from:
        try:
            commits = read_commit_list(args.commits_from)
        except OSError as exc:
            _error(f"cannot read --commits-from {args.commits_from}: {exc.strerror or exc}")
            return 2
        where = f"the {len(commits)} commits of {args.commits_from}"
    adapter = f" with the adapter {settings.adapter}" if settings.adapter else ""
    print(f"aix-lsp eval --next-edit: cases from {where} of {root}; loading {settings.model}{adapter}", file=sys.stderr)
    try:
        engine = load_engine(settings, lambda message, percent: None)
    except EngineError as exc:
        _error(str(exc))
        return 1
    try:
        result = run_next_edit_eval(root, settings, engine, commits, args.limit, progress=not args.no_progress)
    except ValueError as exc:  # the model's next-edit format cannot be told
        _error(str(exc))
        return 1
    if not result["cases"]:
        _error(f"no commit among {where} changes a source file in two or more hunks; nothing to evaluate")
        return 1
    result["model_name"] = settings.model
    result["adapter"] = settings.adapter
    if args.json and not _write_json(args.json, result):
        return 1
    print(format_next_edit(result))
    return 0


def add_eval_arguments(p) -> None:
    p.add_argument("path", nargs="?", help="the repository to take cases from")
    p.add_argument("--limit", type=int, default=200, help="number of cases (default 200)")
    p.add_argument("--languages", metavar="LIST", help="extensions or language names, e.g. py,java (default: all with a grammar)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample of cases (default 0)")
    p.add_argument("--json", metavar="OUT", help="write the per-case results and summaries as JSON")
    p.add_argument("--files-from", metavar="FILE_OR_DIR", help="only these files: a list of relative paths, or a finetune output folder (its heldout.txt)")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), help="compare two --json results (paired bootstrap 95 %% interval) and exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--commits", type=int, default=200, help="with --next-edit (the setting's flag: next edits on PATH's git history instead, docs/next-edit.md): the newest commits to take cases from (default 200)")
    p.add_argument("--commits-from", metavar="FILE_OR_DIR",
                   help="with --next-edit: only these commits, a list of ids or a `finetune --next-edit` output folder (its heldout-commits.txt: the commits held out of training)")

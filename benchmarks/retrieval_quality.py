"""Quality of cross-file context: does BM25 bring the definition of a cross-file identifier?

For several real code bases on disk (Python packages of the venv, JavaScript packages installed with npm
into /tmp/npmjs), sample cursor positions at the start of lines that use an identifier defined in another
file of the same code base and imported by name into the current file (``from m import name``,
``const name = require(...)``, ``import name from``), not defined in the current file; import, comment
and definition lines are skipped. The
query is what the server uses: the last ``--query-lines`` non-empty lines above the cursor. Reported, per
code base and overall, for no retrieval / BM25 line windows / BM25 AST chunks:

* recall@k: a retrieved fragment (top k) contains a definition line of the identifier;
* name in q: share of positions whose query already holds the identifier; r@5|name: recall@5 among them;
* coverage: share of the ground-truth line's identifiers (keywords excluded) present in the retrieved
  fragments (top 3), and in the file itself without the ground-truth line plus those fragments
  ("in prompt": what the model can copy from).

Two policies for the current file, as the ``retrieval_same_file`` setting chooses: "same file on" (only
the chunks overlapping the cursor's query window are excluded) and "same file off" (the default: the
whole current file excluded, its text being in the prompt anyway).

    .venv/bin/python benchmarks/retrieval_quality.py            # default code bases, 130 positions each
    npm install --prefix /tmp/npmjs axios lodash                 # the JavaScript ones, once
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from aix_lsp.languages import language_for_path
from aix_lsp.crawl import is_indexable_source, iter_workspace_files, read_text_file
from aix_lsp.retrieval.index import FolderIndex, query_terms
from aix_lsp.context.source import query_window
from aix_lsp.retrieval.source import exclude_window, select_fragments
from aix_lsp.syntax.grammars import new_parser

SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
DEFAULT_REPOS = [
    str(SITE / "jinja2"),
    str(SITE / "rich"),
    str(SITE / "huggingface_hub"),
    str(SITE / "networkx"),
    "/tmp/npmjs/node_modules/axios",
    "/tmp/npmjs/node_modules/lodash",
]
IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
KEYWORDS = set(
    """False None True and as assert async await break class continue def del elif else except finally for from
    global if import in is lambda nonlocal not or pass raise return try while with yield self cls
    var let const function new this typeof instanceof void delete switch case default throw catch do of
    null undefined true false export extends super static get set require module exports""".split()
)
DEF_TYPES = {
    "python": {"function_definition", "class_definition"},
    "javascript": {"function_declaration", "generator_function_declaration", "class_declaration", "method_definition"},
}
MAX_DEF_FILES = 3  # names defined in more files are ambiguous (get, __init__ ...)


@dataclass
class Case:
    rel: str
    line: int  # 0-based, the ground-truth line
    name: str
    defs: list[tuple[str, int]]  # (file, line) of its definitions in other files
    idents: set[str]


def definitions(rel: str, text: str, language: str) -> list[tuple[str, int]]:
    parser = new_parser(language)
    if parser is None:
        return []
    tree = parser.parse(text.encode("utf-8", errors="replace"))
    found: list[tuple[str, int]] = []
    types = DEF_TYPES[language]
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in types:
            name = node.child_by_field_name("name")
            if name is not None:
                found.append((name.text.decode("utf-8", "replace"), name.start_point[0]))
        elif kind == "variable_declarator" and language == "javascript":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None and value.type in ("function_expression", "arrow_function", "class", "function"):
                found.append((name.text.decode("utf-8", "replace"), name.start_point[0]))
        elif kind == "assignment" and language == "python" and node.parent is not None and node.parent.parent is not None and node.parent.parent.type == "module":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                found.append((left.text.decode("utf-8", "replace"), left.start_point[0]))
        if kind in ("block", "module", "program", "class_body", "class_definition", "decorated_definition",
                    "expression_statement", "export_statement", "lexical_declaration", "variable_declaration",
                    "statement_block", "function_declaration", "class_declaration", "function_definition"):
            stack.extend(node.children)
        elif kind in types:
            stack.extend(node.children)
    return found


def is_skipped_line(line: str) -> bool:
    s = line.strip()
    return (not s or s.startswith(("#", "//", "*", "/*", "import ", "from ", "export {", "export *", "@"))
            or "require(" in s or s.startswith(("def ", "class ", "function ", "async def ")) or s.startswith(('"""', "'''")))


def load_repo(root: Path) -> tuple[dict[str, str], dict[str, list[tuple[str, int]]]]:
    files: dict[str, str] = {}
    defs: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path in iter_workspace_files(root):
        if not is_indexable_source(path):
            continue
        language = language_for_path(str(path))
        if language not in DEF_TYPES:
            continue
        text = read_text_file(path)
        if text is None:
            continue
        rel = path.relative_to(root).as_posix()
        files[rel] = text
        for name, line in definitions(rel, text, language):
            defs[name].append((rel, line))
    return files, defs


PY_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]+)", re.M)
JS_REQUIRE = re.compile(r"\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*require\(")
JS_IMPORT_DEFAULT = re.compile(r"^\s*import\s+([A-Za-z_$][\w$]*)\s*(?:,|from)", re.M)
JS_IMPORT_NAMED = re.compile(r"^\s*import\s*(?:[A-Za-z_$][\w$]*\s*,\s*)?\{([^}]*)\}\s*from", re.M)


def imported_names(rel: str, text: str) -> set[str]:
    """Names this file imports from elsewhere under their own name (aliases skipped): the identifiers whose
    use is a real cross-file reference."""
    names: set[str] = set()
    if rel.endswith(".py"):
        for match in PY_FROM_IMPORT.finditer(text):
            for part in match.group(1).strip("() \n").replace("\n", " ").split(","):
                part = part.split("#")[0].strip()
                if part and " as " not in part and part != "*":
                    names.add(part)
    else:
        names.update(JS_REQUIRE.findall(text))
        names.update(JS_IMPORT_DEFAULT.findall(text))
        for group in JS_IMPORT_NAMED.findall(text):
            for part in group.split(","):
                part = part.strip()
                if part and " as " not in part:
                    names.add(part)
    return names


def sample_cases(files: dict[str, str], defs: dict[str, list[tuple[str, int]]], n: int, rng: random.Random) -> list[Case]:
    candidates: list[Case] = []
    for rel, text in files.items():
        local = {name for name, places in defs.items() if any(f == rel for f, _ in places)}
        imported = imported_names(rel, text) - local
        for i, line in enumerate(text.splitlines()):
            if is_skipped_line(line) or i < 3:
                continue
            idents = set(IDENT.findall(line)) - KEYWORDS
            cross = [w for w in idents if w in imported and w in defs and len(w) >= 3
                     and len({f for f, _ in defs[w]}) <= MAX_DEF_FILES]
            if cross:
                name = sorted(cross)[0]
                candidates.append(Case(rel, i, name, [d for d in defs[name] if d[0] != rel], idents))
    rng.shuffle(candidates)
    # at most 3 positions per file, so that a few big files do not dominate
    per_file: dict[str, int] = defaultdict(int)
    picked = []
    for case in candidates:
        if per_file[case.rel] < 3:
            per_file[case.rel] += 1
            picked.append(case)
        if len(picked) >= n:
            break
    return picked


def evaluate(index: FolderIndex, files: dict[str, str], cases: list[Case], policy: str, query_lines: int, ks=(1, 3, 5)):
    recall = {k: 0 for k in ks}
    named = named_hit = 0
    cover_ctx = cover_all = 0.0
    chars = 0
    for case in cases:
        text = files[case.rel]
        lines = text.splitlines(keepends=True)
        offset = sum(len(l) for l in lines[: case.line])
        first, cursor_line, window = query_window(text, offset, query_lines)
        terms = query_terms("\n".join(window))
        hits = index.search(terms, 4 * max(ks) + 8)
        if policy == "window":
            hits = exclude_window(hits, case.rel, first, cursor_line)
        else:
            hits = [h for h in hits if h.path != case.rel]
        snippets = select_fragments(hits, max(ks), 10**9, len)
        for k in ks:
            top = snippets[:k]
            if any(s.path == f and s.start_line <= line < s.end_line for s in top for f, line in case.defs):
                recall[k] += 1
                if k == max(ks) and case.name.lower() in terms:
                    named_hit += 1
        named += case.name.lower() in terms
        context = "\n".join(s.text for s in snippets[:3])
        chars += len(context)
        in_ctx = set(IDENT.findall(context))
        in_file = set(IDENT.findall("".join(lines[: case.line] + lines[case.line + 1:])))
        cover_ctx += len(case.idents & in_ctx) / len(case.idents)
        cover_all += len(case.idents & (in_ctx | in_file)) / len(case.idents)
    n = len(cases)
    return {"n": n, **{f"r@{k}": recall[k] / n for k in ks}, "cov_ctx": cover_ctx / n, "cov_prompt": cover_all / n, "chars": chars / n,
            "named": named / n, "r5_named": named_hit / named if named else 0.0}


def no_retrieval(files: dict[str, str], cases: list[Case]) -> dict:
    cover_all = 0.0
    for case in cases:
        lines = files[case.rel].splitlines(keepends=True)
        in_file = set(IDENT.findall("".join(lines[: case.line] + lines[case.line + 1:])))
        cover_all += len(case.idents & in_file) / len(case.idents)
    return {"n": len(cases), "r@1": 0.0, "r@3": 0.0, "r@5": 0.0, "cov_ctx": 0.0, "cov_prompt": cover_all / len(cases), "chars": 0.0,
            "named": 0.0, "r5_named": 0.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repos", nargs="*", default=DEFAULT_REPOS)
    parser.add_argument("--per-repo", type=int, default=130)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--query-lines", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    totals: dict[tuple[str, str], list[dict]] = defaultdict(list)
    header = f"{'code base':<18} {'files':>5} {'config':<26} {'n':>4} {'r@1':>6} {'r@3':>6} {'r@5':>6} {'cov ctx':>8} {'cov prompt':>10} {'ctx chars':>9} {'name in q':>9} {'r@5|name':>8} {'index s':>7}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as cache:
        for repo in args.repos:
            root = Path(repo)
            if not root.is_dir():
                print(f"{root.name:<18} missing ({repo}); skipped")
                continue
            files, defs = load_repo(root)
            cases = sample_cases(files, defs, args.per_repo, rng)
            if not cases:
                print(f"{root.name:<18} no cases; skipped")
                continue
            rows = [("no retrieval", no_retrieval(files, cases), 0.0)]
            for chunking in ("lines", "ast"):
                started = time.perf_counter()
                index = FolderIndex(root, Path(cache), chunking, args.window, in_memory=True)
                index.open()
                index.sync()
                built = time.perf_counter() - started
                for policy, label in (("window", "same file on"), ("other files", "same file off")):
                    rows.append((f"bm25 {chunking} ({label})", evaluate(index, files, cases, policy, args.query_lines), built))
                index.close()
            for config, result, built in rows:
                totals[("all", config)].append(result)
                print(f"{root.name:<18} {len(files):>5} {config:<26} {result['n']:>4} {result['r@1']:>6.3f} {result['r@3']:>6.3f} {result['r@5']:>6.3f} "
                      f"{result['cov_ctx']:>8.3f} {result['cov_prompt']:>10.3f} {result['chars']:>9.0f} {result['named']:>9.3f} {result['r5_named']:>8.3f} {built:>7.2f}")
            print()
    print("overall (weighted by positions)")
    for (_, config), results in totals.items():
        n = sum(r["n"] for r in results)
        avg = {key: sum(r[key] * r["n"] for r in results) / n for key in ("r@1", "r@3", "r@5", "cov_ctx", "cov_prompt", "chars", "named")}
        named = sum(r["named"] * r["n"] for r in results)
        avg["r5_named"] = sum(r["r5_named"] * r["named"] * r["n"] for r in results) / named if named else 0.0
        print(f"{'all':<18} {'':>5} {config:<26} {n:>4} {avg['r@1']:>6.3f} {avg['r@3']:>6.3f} {avg['r@5']:>6.3f} {avg['cov_ctx']:>8.3f} "
              f"{avg['cov_prompt']:>10.3f} {avg['chars']:>9.0f} {avg['named']:>9.3f} {avg['r5_named']:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

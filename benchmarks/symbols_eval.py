"""Does the cross-file context contain the definition the next line needs?

Evaluation set (offline, real published code): installed Python packages of several sizes and npm
packages (``npm install rxjs@7.8.2 axios@1.21.1 lodash-es@4.18.1 jquery@4.0.0 vscode-jsonrpc@10.0.0 zod@4.6.7
@tanstack/query-core@5.108.4`` into --npm-dir; the first three are the JS/TS repositories the weights were tuned
on, the last four are outside them: JS_OUTSIDE). A case
is a line whose code (not a string, comment or docstring: a tree-sitter identifier node) uses a name
defined exactly once in the repository, in another file, and not in the current one; the line is blanked
and the cursor put at its start. Hit at k: one of the first k snippets is from the defining file and
contains the definition's first line. Drawn cases whose answer key would be wrong are dropped after the
draw (so the other cases stay the same): a C/C++ definition private to another source file (a static, a
macro or struct of a .c/.cc file), and, in Python, JS/TS, Go, Rust and C, a member (method, attribute,
field of a class or struct) whose name the line writes only bare, never after ``.``, ``?.``, ``->`` or
``::`` (a local ``value`` is not ``Config.value``; Java, C# and C++ keep theirs: subclasses use inherited
members bare). Of the 3,720 cases drawn at --per-repo 120, 705 are dropped (the member rule: Python 345,
JavaScript 105, TypeScript 81, Go 84, Rust 29, C 17 of which 8 were private too).

Methods, all excluding the current file:
  cce         CrossCodeEval recipe: windows of 10 non-empty lines, query = last 10 non-empty lines
              before the cursor, BM25 (tantivy) top k
  bm25_defs   BM25 of the cursor neighbourhood (10 non-empty lines before, 5 after) over definition
              snippets alone
  imports     only definitions reached through the buffer's imports, ranked by the (tuned) formula
  mixed       full and cce alternating (definition, window, definition ...), as retrieval_mode "mixed"
  full        all candidates (imports, names used near the cursor, BM25 over definitions) and the
              formula, with the top-5 cce windows as the look-alikes of the "analog" signal
  full-analog the same without the look-alike windows

Weights are tuned (coordinate ascent on recall@3) on half A of the cases and reported on half B; then
leave-one-repository-out (tune on the other repositories, report on the left-out one).

    .venv/bin/python benchmarks/symbols_eval.py [--per-repo 120] [--npm-dir /tmp/jsdata/node_modules]
"""

from __future__ import annotations

import argparse
import builtins
import gc
import hashlib
import json
import keyword
import os
import random
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import tantivy

from aix_lsp.symbols import SymbolIndex, Weights
from aix_lsp.symbols.extract import import_lines, symbols_language
from aix_lsp.symbols.signals import IDENTIFIER, code_tokens
from aix_lsp.syntax.grammars import new_parser

PYENV = Path("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages")
VENV = Path(__file__).resolve().parents[1] / ".venv/lib/python3.11/site-packages"

# (name, workspace root, folder of the repository inside it, file suffixes)
PY_REPOS = [
    ("click", PYENV, "click"), ("flask", PYENV, "flask"), ("requests", PYENV, "requests"),
    ("jinja2", PYENV, "jinja2"), ("werkzeug", PYENV, "werkzeug"), ("pygls", VENV, "pygls"),
    ("jedi", PYENV, "jedi"), ("hypothesis", PYENV, "hypothesis"), ("pydantic", PYENV, "pydantic"),
    ("huggingface_hub", VENV, "huggingface_hub"), ("prompt_toolkit", PYENV, "prompt_toolkit"),
    ("libcst", PYENV, "libcst"),
]
JS_REPOS = [("rxjs", "rxjs/src", (".ts",)), ("axios", "axios/lib", (".js",)), ("lodash-es", "lodash-es", (".js",)),
            # outside the tuning (issue 16 item 3): jquery's ES-module sources (object-literal methods in
            # jQuery.fn.extend({...}), jQuery.x = function assignments, factory functions); vscode-jsonrpc's
            # tsc-compiled CommonJS (__importStar / __importDefault of require, .d.ts beside each .js);
            # zod 4 and TanStack query-core TypeScript sources (index.ts barrels, export * from, import type)
            ("jquery", "jquery/src", (".js",)), ("vscode-jsonrpc", "vscode-jsonrpc/lib", (".js",)),
            ("zod", "zod/src/v4", (".ts",)), ("query-core", "@tanstack/query-core/src", (".ts",))]
JS_OUTSIDE = ("jquery", "vscode-jsonrpc", "zod", "query-core")
JS_ROOTS: dict[str, Path] = {}  # where each JS/TS repository was found (its tsconfig.json files are read there)
# Java and Go (under --sources-dir): Debian's golang-github-spf13-cobra-dev 1.6.1-1 and
# golang-github-spf13-pflag-dev 1.0.6~git20210604-d5e0c0615ace-1 (apt-get download + dpkg -x into go/);
# GitHub snapshots (git archive into java/<name>): google/gson 9835b6f90192f79cdf5300c528fc6212455fb6c1,
# square/javapoet b9017a9503b76e11b4ad4c1a9f050e2d29112cb0 (into c/<name>:) google/leveldb
# 78a352f47ed6c1e9d750545e9b242289185b87e1, libuv/libuv 6179e7af87413396d5853a1c3722c8b5749336c8
# Rust (Debian, apt-get download + dpkg -x into rust/): librust-regex-syntax-dev 0.6.27-1, librust-serde-dev
# 1.0.152-2, librust-anyhow-dev 1.0.69-1
# google/re2 972a15cedd008d846f1a39b2e88ce48d7f166cbd (C++, 2026-01-22; into c/re2)
# C# (GitHub snapshots, src/ only, into cs/<name>): serilog/serilog 60935b4d7abad71cf6157b45a10f5c3c65ead527,
# App-vNext/Polly 173d6d1d2e28a4697f1ac1d22da68f77ff19a0c9
SOURCE_REPOS = [
    ("cobra", "go/usr/share/gocode/src/github.com/spf13/cobra", (".go",)),
    ("pflag", "go/usr/share/gocode/src/github.com/spf13/pflag", (".go",)),
    ("gson", "java/gson", (".java",)),
    ("javapoet", "java/javapoet", (".java",)),
    ("leveldb", "c/leveldb", (".cc", ".h")),
    ("libuv", "c/libuv", (".c", ".h")),
    ("re2", "c/re2", (".cc", ".h")),
    ("regex-syntax", "rust/usr/share/cargo/registry/regex-syntax-0.6.27", (".rs",)),
    ("serde", "rust/usr/share/cargo/registry/serde-1.0.152", (".rs",)),
    ("anyhow", "rust/usr/share/cargo/registry/anyhow-1.0.69", (".rs",)),
    ("serilog", "cs/serilog/src", (".cs",)),
    ("polly", "cs/Polly/src", (".cs",)),
]
SIGNALS = Weights.names()
GRID = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
START = Weights(**{name: 1.0 for name in Weights.names()})  # tuning starts from all ones
SKIP_NAMES = set(dir(builtins)) | set(keyword.kwlist) | {
    "self", "cls", "this", "exports", "module", "require", "undefined", "console", "Object", "Array",
    "Promise", "Error", "String", "Number", "Math", "JSON", "Symbol", "prototype", "default", "length",
}


@dataclass
class Case:
    repo: str
    path: str
    line: int
    name: str
    def_path: str
    def_line: int
    def_text: str


@dataclass
class Result:
    """What each method retrieved for one case (ranks are 0-based; None: not in the top 10)."""

    case: Case
    cce: int | None
    bm25_defs: int | None
    S: np.ndarray  # candidates x signals (ambiguity negated, so every weight is >= 0)
    gold: np.ndarray  # bool per candidate
    order: np.ndarray  # tie-break order (path, line) per candidate
    from_imports: np.ndarray  # bool: reached through an import
    S_no_analog: np.ndarray


def load_files(root: Path, suffixes: tuple[str, ...]) -> dict[str, str]:
    files = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or not path.name.endswith(suffixes) or "node_modules" in path.parts[len(root.parts):]:
            continue
        if path.name.endswith(".d.ts") and ".ts" in suffixes:
            continue
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if len(text) > 1_000_000:
            continue
        files[path.relative_to(root).as_posix()] = text
    return files


def repos(npm_dir: Path, sources_dir: Path | None = None) -> list[tuple[str, dict[str, str]]]:
    out = []
    for name, base, folder in PY_REPOS:
        root = base / folder
        if root.is_dir():
            files = {f"{folder}/{rel}": text for rel, text in load_files(root, (".py",)).items()}
            out.append((name, files))
    for name, folder, suffixes in JS_REPOS:
        root = npm_dir / folder
        if root.is_dir():
            out.append((name, load_files(root, suffixes)))
            JS_ROOTS[name] = root
        else:
            print(f"(npm package {folder} not found under {npm_dir}: skipped)", file=sys.stderr)
    for name, folder, suffixes in SOURCE_REPOS if sources_dir is not None else ():
        root = sources_dir / folder
        if root.is_dir():
            out.append((name, load_files(root, suffixes + ("go.mod",))))
        else:
            print(f"({name} not found under {sources_dir}: skipped)", file=sys.stderr)
    return out


def go_modules(files: dict[str, str]) -> dict[str, str]:
    """Module paths of the go.mod files, by folder (what FolderSymbols.sync gives the index)."""
    from aix_lsp.symbols.context import _GO_MODULE

    out = {}
    for rel, text in files.items():
        if rel == "go.mod" or rel.endswith("/go.mod"):
            match = _GO_MODULE.search(text)
            if match:
                out[rel[: -len("go.mod")].rstrip("/")] = match.group(1)
    return out


# ------------------------------------------------------------------------------ the cce recipe


def windows(text: str, size: int = 10) -> list[tuple[int, int]]:
    lines = text.split("\n")
    out, first, count = [], -1, 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if first < 0:
            first = i
        count += 1
        if count == size:
            out.append((first, i + 1))
            first, count = -1, 0
    if first >= 0:
        out.append((first, len(lines)))
    return out


class WindowIndex:
    def __init__(self, files: dict[str, str]):
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True)
        builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        self.chunks: list[tuple[str, int, int, str]] = []
        for path, text in files.items():
            lines = text.split("\n")
            for start, end in windows(text):
                body = "\n".join(lines[start:end])
                writer.add_document(tantivy.Document(id=len(self.chunks), body=" ".join(code_tokens(body))))
                self.chunks.append((path, start, end, body))
        writer.commit()
        self.index.reload()

    def search(self, query_text: str, exclude: str, k: int) -> list[tuple[str, int, int, str]]:
        terms = list(dict.fromkeys(code_tokens(query_text)))[:64]
        if not terms:
            return []
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "body", t)) for t in terms])
        searcher = self.index.searcher()
        out = []
        for _, address in searcher.search(query, k + 40).hits:
            chunk = self.chunks[searcher.doc(address)["id"][0]]
            if chunk[0] != exclude:
                out.append(chunk)
                if len(out) >= k:
                    break
        return out


def last_nonempty_lines(lines: list[str], row: int, n: int = 10) -> str:
    picked = []
    r = row - 1
    while r >= 0 and len(picked) < n:
        if lines[r].strip():
            picked.append(lines[r])
        r -= 1
    return "\n".join(reversed(picked))


# ---------------------------------------------------------------------------------------- cases


IDENTIFIER_NODES = {"identifier", "property_identifier", "type_identifier", "shorthand_property_identifier",
                    "field_identifier", "package_identifier",  # Go
                    "shorthand_property_identifier_pattern", "private_property_identifier"}


def code_uses(text: str, language: str) -> set[tuple[int, str]]:
    """(line, name) of every identifier in code (not in strings, comments or docstrings)."""
    parser = new_parser(language)
    tree = parser.parse(text.encode("utf-8", "surrogatepass"))
    lines = text.split("\n")
    out: set[tuple[int, str]] = set()
    for row, line in enumerate(lines):
        for m in IDENTIFIER.finditer(line):
            col = len(line[: m.start()].encode("utf-8", "surrogatepass"))
            node = tree.root_node.descendant_for_point_range((row, col), (row, col + len(m.group().encode("utf-8", "surrogatepass"))))
            if node is not None and node.type in IDENTIFIER_NODES:
                out.add((row, m.group()))
    return out


def make_cases(repo: str, files: dict[str, str], index: SymbolIndex, per_repo: int, rng: random.Random,
               dropped: list[Case] | None = None) -> list[Case]:
    """Lines where code (not a string or comment) uses a name defined once, in another file; ``dropped``
    gets the drawn cases whose answer key would be wrong (see the return)."""
    pool: list[Case] = []
    for path, text in files.items():
        language = symbols_language(path)
        if language is None:
            continue
        lines = text.split("\n")
        _, import_rows = import_lines(language, text)
        uses = None
        for row, line in enumerate(lines):
            stripped = line.strip()
            if row in import_rows or not stripped or stripped.startswith(("#", "//", "*", "/*", '"', "'")):
                continue
            names = []
            for name in dict.fromkeys(IDENTIFIER.findall(line)):
                if len(name) < 3 or name in SKIP_NAMES:
                    continue
                defs = index.definitions(name)
                if len(defs) == 1 and defs[0].path != path:
                    if uses is None:
                        uses = code_uses(text, language)
                    if (row, name) in uses:
                        names.append(defs[0])
            if names:
                d = rng.choice(names)
                def_text = files[d.path].split("\n")[d.line].strip()
                pool.append(Case(repo, path, row, d.name, d.path, d.line, def_text))
    rng.shuffle(pool)
    # dropped after the draw, so that the random stream, and with it every other repository's cases, stays the
    # same: a C/C++ definition its own source file keeps to itself (a static, a macro or struct of a .c file) is
    # not what another file's line uses, whatever the name; nor is another file's member written bare
    kept = []
    for case in pool[:per_repo]:
        if _unit_only(index, case) or member_used_bare(index, files, case):
            if dropped is not None:
                dropped.append(case)
        else:
            kept.append(case)
    return kept


# languages where a bare name never means a member of another file's class/struct (Python and JS/TS need
# self./this./obj., Go recv., Rust self./obj., C s./p->); Java, C# and C++ keep their cases: a subclass
# uses its base class's members bare
BARE_NOT_MEMBER = frozenset({"python", "javascript", "typescript", "tsx", "go", "rust", "c"})
MEMBER_KINDS = frozenset({"method", "attribute", "field"})
_QUALIFIER = re.compile(r"(?:\.|->|::)\s*#?$")  # x.name, x?.name, p->name, T::name, this.#name


def member_used_bare(index: SymbolIndex, files: dict[str, str], case: Case) -> bool:
    """The case's definition is a member (method, attribute, field of a class or struct) and its line writes
    the name only bare, where that language reads a bare name as a local or a global: a wrong answer key
    (a local ``value`` is not ``Config.value``)."""
    language = symbols_language(case.path)
    if language not in BARE_NOT_MEMBER:
        return False
    definition = next((d for d in index.definitions(case.name) if d.path == case.def_path and d.line == case.def_line), None)
    if definition is None or definition.container is None or definition.kind not in MEMBER_KINDS:
        return False
    line = files[case.path].split("\n")[case.line]
    return not any(_QUALIFIER.search(line, 0, m.start())
                   for m in re.finditer(rf"(?<![\w$]){re.escape(case.name)}(?![\w$])", line))


def _unit_only(index: SymbolIndex, case: Case) -> bool:
    try:
        from aix_lsp.symbols.langs.c import translation_unit_only
    except ImportError:  # an older version of the extractor
        return False
    symbols = index.file_symbols(case.def_path)
    return symbols is not None and (case.def_line, case.name) in translation_unit_only(symbols)


def is_gold(case: Case, path: str, start: int, end: int, text: str) -> bool:
    return path == case.def_path and start <= case.def_line < end and case.def_text in text


def run_case(case: Case, files: dict[str, str], index: SymbolIndex, windex: WindowIndex) -> Result:
    lines = files[case.path].split("\n")
    buffer_lines = list(lines)
    buffer_lines[case.line] = ""
    buffer = "\n".join(buffer_lines)
    offset = sum(len(l) + 1 for l in buffer_lines[: case.line])
    hits = windex.search(last_nonempty_lines(buffer_lines, case.line), case.path, 10)
    cce = next((i for i, h in enumerate(hits) if is_gold(case, *h)), None)
    cands = index.rank_candidates(case.path, buffer, offset, lookalikes=[h[3] for h in hits[:5]])
    n = len(cands)
    S = np.zeros((n, len(SIGNALS)))
    gold = np.zeros(n, dtype=bool)
    from_imports = np.zeros(n, dtype=bool)
    keys = []
    for i, c in enumerate(cands):
        d = c.definition
        S[i] = [-c.signals[s] if s == "ambiguity" else c.signals[s] for s in SIGNALS]
        gold[i] = is_gold(case, d.path, d.start_line, d.end_line, d.snippet)
        from_imports[i] = bool(c.origins & {"name", "star", "module", "member"})
        keys.append((d.path, d.line))
    order = np.zeros(n)
    for rank, i in enumerate(sorted(range(n), key=lambda i: keys[i])):
        order[i] = rank
    bm = [(c.bm25_score, i) for i, c in enumerate(cands) if "bm25" in c.origins]
    bm.sort(key=lambda x: (-x[0], order[x[1]]))
    bm25_defs = next((r for r, (_, i) in enumerate(bm[:10]) if gold[i]), None)
    S_no = S.copy()
    S_no[:, SIGNALS.index("analog")] = 0.0
    return Result(case, cce, bm25_defs, S, gold, order, from_imports, S_no)


# -------------------------------------------------------------------------------------- scoring


def rank_of_gold(S: np.ndarray, gold: np.ndarray, order: np.ndarray, w: np.ndarray, mask: np.ndarray | None = None) -> int | None:
    if mask is not None:
        S, gold, order = S[mask], gold[mask], order[mask]
    if not gold.any():
        return None
    scores = S @ w
    idx = np.lexsort((order, -scores))
    pos = np.flatnonzero(gold[idx])
    return int(pos[0]) if len(pos) else None


def recalls(ranks: list[int | None]) -> tuple[float, float, float]:
    n = max(1, len(ranks))
    return tuple(100.0 * sum(1 for r in ranks if r is not None and r < k) / n for k in (1, 3, 10))  # type: ignore[return-value]


def method_ranks(results: list[Result], w: np.ndarray, method: str) -> list[int | None]:
    out = []
    for r in results:
        if method == "cce":
            out.append(r.cce)
        elif method == "bm25_defs":
            out.append(r.bm25_defs)
        elif method == "imports":
            out.append(rank_of_gold(r.S, r.gold, r.order, w, r.from_imports))
        elif method == "full":
            out.append(rank_of_gold(r.S, r.gold, r.order, w))
        elif method == "full-analog":
            out.append(rank_of_gold(r.S_no_analog, r.gold, r.order, w))
        elif method == "mixed":  # definitions and cce windows alternate: def, window, def, ...
            d = rank_of_gold(r.S, r.gold, r.order, w)
            out.append(_mixed_rank(d, r.cce))
    return out


def _mixed_rank(def_rank: int | None, window_rank: int | None) -> int | None:
    """Slot of the first hit when slot 2i holds definition i and slot 2i+1 window i."""
    slots = []
    if def_rank is not None:
        slots.append(2 * def_rank)
    if window_rank is not None:
        slots.append(2 * window_rank + 1)
    return min(slots) if slots else None


def objective(results: list[Result], w: np.ndarray) -> float:
    r1, r3, r10 = recalls(method_ranks(results, w, "full"))
    return r3 + 0.1 * r1 + 0.05 * r10


def tune(results: list[Result], start: Weights, fixed: tuple[str, ...] = ()) -> Weights:
    """Coordinate ascent over GRID on recall@3 (ties: recall@1, @10); ``fixed`` weights stay as in start."""
    w = np.array([getattr(start, s) for s in SIGNALS])
    best = objective(results, w)
    for _ in range(3):
        improved = False
        for j in range(len(SIGNALS)):
            if SIGNALS[j] in fixed:
                continue
            for value in GRID:
                trial = w.copy()
                trial[j] = value
                score = objective(results, trial)
                if score > best + 1e-9:
                    best, w, improved = score, trial, True
        if not improved:
            break
    return Weights(**{s: float(v) for s, v in zip(SIGNALS, w)})


def as_vector(weights: Weights) -> np.ndarray:
    return np.array([getattr(weights, s) for s in SIGNALS])


def table(title: str, results: list[Result], weights: Weights) -> None:
    w = as_vector(weights)
    print(f"\n{title}  (n={len(results)})")
    print(f"  {'method':<12} {'R@1':>6} {'R@3':>6} {'R@10':>6}")
    for method in ("cce", "bm25_defs", "imports", "full-analog", "full", "mixed"):
        r1, r3, r10 = recalls(method_ranks(results, w, method))
        print(f"  {method:<12} {r1:6.1f} {r3:6.1f} {r10:6.1f}")
    covered = 100.0 * sum(1 for r in results if r.gold.any()) / max(1, len(results))
    print(f"  (the definition is among the full ranker's candidates in {covered:.1f} % of cases)")


def half_of(case: Case) -> str:
    key = f"{case.repo}:{case.path}:{case.line}".encode()
    return "A" if hashlib.sha1(key).digest()[0] % 2 == 0 else "B"


# ------------------------------------------------------------------------------------- timings


def random_cursors(files: dict[str, str], paths: list[str], rng: random.Random, n: int) -> list[tuple[str, int, int]]:
    """``n`` random cursors (path, code-point offset of the line start, line) in ``paths`` of ``files``: the
    one way the timing sections draw their cursors."""
    out = []
    for _ in range(n):
        path = rng.choice(paths)
        lines = files[path].split("\n")
        row = rng.randrange(len(lines))
        out.append((path, sum(len(l) + 1 for l in lines[:row]), row))
    return out


def timing(root: Path, max_files: int, queries: int, rng: random.Random, suffixes: tuple[str, ...] = (".py",)) -> None:
    import psutil

    files = {}
    for path in sorted(root.rglob("*")):
        if len(files) >= max_files:
            break
        if not path.name.endswith(suffixes) or not path.is_file():
            continue
        try:
            files[path.relative_to(root.parent).as_posix()] = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    proc = psutil.Process()
    gc.collect()
    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    index = SymbolIndex()
    index.update_files(files.items())
    build = time.perf_counter() - t0
    gc.collect()
    rss = (proc.memory_info().rss - rss0) / 2**20
    windex = WindowIndex(files)
    paths = list(files)
    queries_list = random_cursors(files, paths, rng, queries)
    sym_ms, sym_cpu, win_ms, cold_ms = [], [], [], []
    for path, offset, row in queries_list:
        lines = files[path].split("\n")
        t = time.perf_counter()
        hits = windex.search(last_nonempty_lines(lines, row), path, 5)
        win_ms.append((time.perf_counter() - t) * 1000)
        t, c = time.perf_counter(), time.thread_time()
        index.candidates_for_cursor(path, files[path], offset, 3, lookalikes=[h[3] for h in hits])
        sym_ms.append((time.perf_counter() - t) * 1000)
        sym_cpu.append((time.thread_time() - c) * 1000)
    # the same queries, each after a save of another file that adds a definition (resolution caches dropped)
    for i, (path, offset, row) in enumerate(queries_list[: queries // 2]):
        other = paths[(i * 7919) % len(paths)]
        index.update_file(other, files[other] + f"\n\ndef added_{i}():\n    pass\n")
        t = time.perf_counter()
        index.candidates_for_cursor(path, files[path], offset, 3)
        cold_ms.append((time.perf_counter() - t) * 1000)
    upd = []
    for path in rng.sample(paths, 30):
        t = time.perf_counter()
        index.update_file(path, files[path] + "\n# edited\n")
        upd.append((time.perf_counter() - t) * 1000)

    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1]

    print(f"\nworkspace {root.name}: {len(files)} files, {sum(len(t) for t in files.values()) / 2**20:.1f} MB; "
          f"{sum(len(index.file_symbols(p).definitions) for p in paths if index.file_symbols(p))} definitions")
    print(f"  build {build:.1f} s, index memory ~{rss:.0f} MB (RSS growth)")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} (2 cores; other work on the machine inflates wall time)")
    print(f"  symbols query (candidates_for_cursor, k=3):  p50 {p(sym_ms, 50):.2f} ms  p95 {p(sym_ms, 95):.2f} ms  max {max(sym_ms):.1f} ms  ({queries} random cursors)")
    print(f"     same, thread CPU time:                    p50 {p(sym_cpu, 50):.2f} ms  p95 {p(sym_cpu, 95):.2f} ms")
    print(f"     right after a save that adds a definition elsewhere (caches dropped): p50 {p(cold_ms, 50):.2f} ms  p95 {p(cold_ms, 95):.2f} ms")
    print(f"  look-alike window query (cce, top 5):        p50 {p(win_ms, 50):.2f} ms  p95 {p(win_ms, 95):.2f} ms")
    print(f"  single-file update, body edit (update_file + tantivy commit): p50 {p(upd, 50):.1f} ms  p95 {p(upd, 95):.1f} ms")


def repo_index(name: str, files: dict[str, str], sources_dir: Path) -> SymbolIndex:
    """The symbol table of one evaluation repository, set up as the server's sync does."""
    index = SymbolIndex()
    index.update_files(files.items())
    index.set_go_modules(go_modules(files))
    set_include_roots(index, name, sources_dir)
    set_ts_aliases(index, name, files)
    return index


def set_ts_aliases(index: SymbolIndex, name: str, files: dict[str, str]) -> None:
    """The tsconfig.json path aliases, as the sync gives them (skipped by a version without them)."""
    try:
        from aix_lsp.symbols.tsconfig import workspace_aliases
    except ImportError:
        return
    if name in JS_ROOTS:
        index.set_ts_aliases(workspace_aliases(JS_ROOTS[name], files))


def set_include_roots(index: SymbolIndex, name: str, sources_dir: Path) -> None:
    """The C/C++ include roots of the build, as the sync gives them (skipped by a version without them)."""
    folder = next((f for n, f, _ in SOURCE_REPOS if n == name), None)
    if folder is None or not hasattr(index, "set_include_roots"):
        return
    from aix_lsp.symbols.langs.c_build import include_roots

    index.set_include_roots(include_roots(sources_dir / folder))


LANGUAGES = (("Python", (".py",)), ("JS/TS", (".js", ".ts")), ("Java", (".java",)), ("Go", (".go",)),
             ("C/C++", (".c", ".cc", ".cpp", ".h", ".hpp")), ("Rust", (".rs",)), ("C#", (".cs",)))


LANGUAGE_KEYS = {"Python": ("python",), "JS/TS": ("javascript", "typescript"), "Java": ("java",), "Go": ("go",),
                 "C/C++": ("c", "c++"), "Rust": ("rust",), "C#": ("c#",)}


def language_tables(A: list[Result], B: list[Result], tuned: Weights) -> None:
    """Per language, half B: the weights tuned on all of half A, the shipped ones (per language where
    signals.LANGUAGE_WEIGHTS has them), and weights tuned on that language's half A alone (from the shipped)."""
    from aix_lsp.symbols import signals

    per_language = getattr(signals, "LANGUAGE_WEIGHTS", {})
    for title, suffixes in LANGUAGES:
        part_b = [r for r in B if r.case.path.endswith(suffixes)]
        part_a = [r for r in A if r.case.path.endswith(suffixes)]
        if not part_b:
            continue
        table(f"half B, {title} repositories only - weights tuned on A", part_b, tuned)
        table(f"half B, {title} repositories only - the shipped DEFAULT_WEIGHTS", part_b, Weights())
        shipped = [w for lang, w in per_language.items() if lang in LANGUAGE_KEYS[title]]
        if shipped:
            table(f"half B, {title} repositories only - the shipped LANGUAGE_WEIGHTS", part_b, shipped[0])
        own = tune(part_a, Weights())
        print(f"  ({title} weights tuned on its half A alone:", {s: getattr(own, s) for s in SIGNALS if getattr(own, s) != getattr(Weights(), s)}, ")")
        table(f"half B, {title} repositories only - tuned on {title}'s half A", part_b, own)


def source_timing(sources_dir: Path, only: set[str], queries: int, rng: random.Random) -> None:
    """Per repository of SOURCE_REPOS: indexing throughput (files/s), index memory (RSS growth) and the
    symbols query time (candidates_for_cursor, k=3) at random cursors, p50/p95."""
    import psutil

    proc = psutil.Process()
    print("\nper repository: indexing and query time (one process; noisy under load)")
    for name, folder, suffixes in SOURCE_REPOS:
        root = sources_dir / folder
        if (only and name not in only) or not root.is_dir():
            continue
        files = load_files(root, suffixes + ("go.mod",))
        gc.collect()
        rss0 = proc.memory_info().rss
        t0 = time.perf_counter()
        index = SymbolIndex()
        index.update_files(files.items())
        index.set_go_modules(go_modules(files))
        set_include_roots(index, name, sources_dir)
        build = time.perf_counter() - t0
        gc.collect()
        rss = (proc.memory_info().rss - rss0) / 2**20
        paths = [p for p in files if not p.endswith("go.mod")]
        ms = []
        for path, offset, _ in random_cursors(files, paths, rng, queries):
            t = time.perf_counter()
            index.candidates_for_cursor(path, files[path], offset, 3)
            ms.append((time.perf_counter() - t) * 1000)
        q = statistics.quantiles(ms, n=100)
        print(f"  {name:<14} {len(paths):5d} files  {len(paths) / build:7.0f} files/s  ~{rss:5.0f} MB  "
              f"query p50 {q[49]:.2f} ms  p95 {q[94]:.2f} ms")
        del index


def js_timing(npm_dir: Path, only: set[str], queries: int, rng: random.Random) -> None:
    """Per JS/TS repository: indexing time and the symbols query time (candidates_for_cursor, k=3, with
    the look-alike windows as the server passes them) at random cursors, p50/p95."""
    print("\nper JS/TS repository: indexing and query time (one process; noisy under load)")
    for name, files in repos(npm_dir):
        if name not in JS_ROOTS or (only and name not in only):
            continue
        t0 = time.perf_counter()
        index = SymbolIndex()
        index.update_files(files.items())
        set_ts_aliases(index, name, files)
        build = time.perf_counter() - t0
        windex = WindowIndex(files)
        paths = list(files)
        ms = []
        for path, offset, row in random_cursors(files, paths, rng, queries):
            hits = windex.search(last_nonempty_lines(files[path].split("\n"), row), path, 5)
            t = time.perf_counter()
            index.candidates_for_cursor(path, files[path], offset, 3, lookalikes=[h[3] for h in hits])
            ms.append((time.perf_counter() - t) * 1000)
        q = statistics.quantiles(ms, n=100)
        print(f"  {name:<16} {len(files):5d} files  indexed in {build:5.1f} s  query p50 {q[49]:.2f} ms  p95 {q[94]:.2f} ms")


def outside_tables(B: list[Result]) -> None:
    """JS and TS cases of the repositories outside the tuning (JS_OUTSIDE), with the shipped weights:
    what issue 16 item 3 measures, per repository and per language."""
    outside = [r for r in B if r.case.repo in JS_OUTSIDE]
    if not outside:
        return
    w = as_vector(Weights())
    print("\nhalf B, JS/TS repositories outside the tuning - the shipped DEFAULT_WEIGHTS:  cce R@3 -> full R@1 / R@3 / R@10")
    for name in JS_OUTSIDE:
        part = [r for r in outside if r.case.repo == name]
        if part:
            c, f = recalls(method_ranks(part, w, "cce")), recalls(method_ranks(part, w, "full"))
            print(f"  {name:<16} n={len(part):4d}  cce {c[1]:5.1f}  ->  full {f[0]:5.1f} / {f[1]:5.1f} / {f[2]:5.1f}")
    for title, suffixes in (("JavaScript", (".js",)), ("TypeScript", (".ts",))):
        part = [r for r in outside if r.case.path.endswith(suffixes)]
        if part:
            table(f"half B, {title} outside the tuning - the shipped DEFAULT_WEIGHTS", part, Weights())


# ----------------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-repo", type=int, default=120)
    ap.add_argument("--npm-dir", type=Path, default=Path("/tmp/jsdata/node_modules"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--timing-root", type=Path, default=VENV / "transformers")
    ap.add_argument("--timing-files", type=int, default=2000)
    ap.add_argument("--timing-queries", type=int, default=400)
    ap.add_argument("--timing-suffixes", default=".py", help="comma-separated file suffixes of the --timing-root "
                    "project (e.g. .c,.cc,.h for a C/C++ one)")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--timing-only", action="store_true")
    ap.add_argument("--sources-dir", type=Path, default=Path("/tmp/h10src"), help="Java and Go projects (SOURCE_REPOS)")
    ap.add_argument("--only", default="", help="comma-separated repository names (default: all found)")
    ap.add_argument("--source-timing", action="store_true", help="indexing files/s, memory and query time per "
                    "SOURCE_REPOS repository (with --only), then exit")
    ap.add_argument("--js-timing", action="store_true", help="indexing and query time per JS/TS repository (with "
                    "--only), then exit")
    ap.add_argument("--save-cases", type=Path, help="write the cases (JSON) to compare another version on the same ones")
    ap.add_argument("--load-cases", type=Path, help="run the cases of --save-cases instead of building them (an older "
                    "extractor finds fewer definitions, so its own cases would leave out what it misses)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.timing_only:
        timing(args.timing_root, args.timing_files, args.timing_queries, rng, tuple(args.timing_suffixes.split(",")))
        return
    if args.source_timing:
        source_timing(args.sources_dir, {n for n in args.only.split(",") if n}, args.timing_queries, rng)
        return
    if args.js_timing:
        js_timing(args.npm_dir, {n for n in args.only.split(",") if n}, args.timing_queries, rng)
        return

    results: list[Result] = []
    t0 = time.perf_counter()
    only = {n for n in args.only.split(",") if n}
    loaded = [Case(**c) for c in json.loads(args.load_cases.read_text())] if args.load_cases else None
    saved_cases: list[Case] = []
    dropped: list[Case] = []  # drawn, but the definition is not what the line uses (make_cases)
    for name, files in repos(args.npm_dir, args.sources_dir):
        if only and name not in only:
            continue
        index = repo_index(name, files, args.sources_dir)
        windex = WindowIndex(files)
        if loaded is not None:
            cases = [c for c in loaded if c.repo == name]
        else:
            cases = make_cases(name, files, index, args.per_repo, rng, dropped)
        saved_cases.extend(cases)
        for case in cases:
            results.append(run_case(case, files, index, windex))
        print(f"{name:<16} {len(files):5d} files  {len(cases):4d} cases", file=sys.stderr)
    if dropped:
        print(f"(drawn cases dropped as wrong answer keys: {len(dropped)})", file=sys.stderr)
    print(f"(cases built and run in {time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    if args.save_cases:
        args.save_cases.write_text(json.dumps([asdict(c) for c in saved_cases]))
        args.save_cases.with_suffix(".dropped.json").write_text(json.dumps([asdict(c) for c in dropped]))

    repo_names = sorted({r.case.repo for r in results}, key=lambda n: [x.case.repo for x in results].index(n))
    A = [r for r in results if half_of(r.case) == "A"]
    B = [r for r in results if half_of(r.case) == "B"]
    defaults = START
    tuned = tune(A, defaults)
    print("weights tuned on half A:", {s: getattr(tuned, s) for s in SIGNALS})
    table("half A (tuning half, for reference) - tuned weights", A, tuned)
    table("half B (REPORTED) - weights tuned on A", B, tuned)
    table("half B - untuned (all weights 1)", B, defaults)
    table("half B - the shipped DEFAULT_WEIGHTS", B, Weights())
    # every case's name is defined exactly once (that is how cases are chosen), which rewards a huge
    # ambiguity penalty; real completions also need names defined several times, so check the cost of
    # a mild one
    mild = tune(A, replace(START, ambiguity=1.0), fixed=("ambiguity",))
    print("weights tuned on half A with ambiguity fixed at 1:", {s: getattr(mild, s) for s in SIGNALS})
    table("half B - ambiguity fixed at 1, the rest tuned on A", B, mild)
    tuned_b = tune(B, defaults)
    print("(weights tuned on half B instead:", {s: getattr(tuned_b, s) for s in SIGNALS}, ")")
    table("half A - weights tuned on B (swap check)", A, tuned_b)

    # leave one repository out
    loro: dict[str, list[int | None]] = {m: [] for m in ("cce", "bm25_defs", "imports", "full-analog", "full", "mixed")}
    per_repo_rows = []
    for name in repo_names:
        train = [r for r in results if r.case.repo != name]
        test = [r for r in results if r.case.repo == name]
        w = tune(train, defaults)
        wv = as_vector(w)
        for m in loro:
            loro[m].extend(method_ranks(test, wv, m))
        per_repo_rows.append((name, len(test), recalls(method_ranks(test, wv, "cce")), recalls(method_ranks(test, wv, "full"))))
    print(f"\nleave-one-repository-out (n={len(results)}): weights tuned on the other repositories")
    print(f"  {'method':<12} {'R@1':>6} {'R@3':>6} {'R@10':>6}")
    for m, ranks in loro.items():
        r1, r3, r10 = recalls(ranks)
        print(f"  {m:<12} {r1:6.1f} {r3:6.1f} {r10:6.1f}")
    print("\nper repository (leave-one-repository-out):  cce R@3 -> full R@1 / R@3 / R@10")
    for name, n, c, f in per_repo_rows:
        print(f"  {name:<16} n={n:4d}  cce {c[1]:5.1f}  ->  full {f[0]:5.1f} / {f[1]:5.1f} / {f[2]:5.1f}")
    language_tables(A, B, tuned)

    outside_tables(B)

    if not args.no_timing and args.timing_root.is_dir():
        timing(args.timing_root, args.timing_files, args.timing_queries, rng)


if __name__ == "__main__":
    main()

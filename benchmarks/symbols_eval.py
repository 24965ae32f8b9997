"""Does the cross-file context contain the definition the next line needs?

Evaluation set: real published code, pinned and downloaded (benchmarks/eval_corpus.py: PyPI sdists, npm
tarballs, Debian bookworm source packages, each with its sha256, cached in ~/.cache/aix-lsp-eval). Three groups:
"old", the repositories the weights and rules were tuned on, "new", held out: no weight or rule was ever
tuned on them (issue 23), and "dev", neither: its misses may be read to find causes (33 repositories in every
language but Rust; its cases at d4690dd: benchmarks/data/symbols_cases_dev_d4690dd.json.gz). A case
is a line whose code (not a string, comment or docstring: a tree-sitter identifier node) uses a name
defined exactly once in the repository, in another file, and not in the current one; the line is blanked
and the cursor put at its start. Hit at k: one of the first k snippets is from the defining file and
contains the definition's first line. Drawn cases whose answer key would be wrong are dropped after the
draw (so the other cases stay the same): a C/C++ definition private to another source file (a static, a
macro or struct of a .c/.cc file), and, in Python, JS/TS, Go, Rust and C, a member (method, attribute,
field of a class or struct) whose name the line writes only bare, never after ``.``, ``?.``, ``->`` or
``::`` (a local ``value`` is not ``Config.value``; Java, C# and C++ keep theirs: subclasses use inherited
members bare), and, in every language, a name the function around the line declares as a parameter or local
variable (cobra's ``rootCmd := &Command{}`` keyed to another file's ``rootCmd``: locals are not in the symbol
table, so "defined once" cannot see them; benchmarks/case_locals.py, a tree-sitter parse). That last check
reads only the case's file, so --load-cases applies it to pinned cases too: of the 5,341 in
benchmarks/data/symbols_cases_f81cbb0.json.gz it drops 630 (old group: Python 63, JavaScript 74, TypeScript
39, Java 14, Go 12, C/C++ 30; new group: Python 30, JavaScript 91, TypeScript 3, Java 163, Go 6, C/C++ 45,
C# 60, Rust 0); the report prints the drops per group, language and reason. Each repository draws its cases from its own random generator (seed and name), so they do
not depend on which other repositories run.

As shipped, per language (what issue 23 reports; no tuning): recall@1/@3 of the definition in
rank_candidates' order ("ranked") and among the k=3 fragments candidates_for_cursor gives the prompt
("prompt"), on (a) the old group's half-B cases and (b) the new group's cases. ``--baseline REV`` runs the
same cases with aix_lsp as of git REV (a throwaway git worktree, PYTHONPATH pointing at it) and prints both
side by side.

Methods of the tuning tables, all excluding the current file:
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

    .venv/bin/python benchmarks/symbols_eval.py [--per-repo 120] [--groups old,new]
    .venv/bin/python benchmarks/symbols_eval.py --groups new --no-tuning --no-timing --baseline f81cbb0  # fast
    .venv/bin/python benchmarks/symbols_eval.py --groups dev --no-tuning --no-timing \
        --load-cases benchmarks/data/symbols_cases_dev_d4690dd.json.gz  # develop rules here, not on "new"
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import gc
import hashlib
import json
import keyword
import os
import posixpath
import random
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterator

import numpy as np
import tantivy

from aix_lsp.symbols import SymbolIndex, Weights
from aix_lsp.symbols.extract import extract_file, import_lines, symbols_language
from aix_lsp.symbols.signals import IDENTIFIER, code_tokens
from aix_lsp.syntax.grammars import new_parser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_corpus as C  # noqa: E402
from case_locals import declared_locals  # noqa: E402

# the repositories: benchmarks/eval_corpus.py (pinned archives, downloaded into a cache); "old" were tuned on,
# "new" are held out (issue 23)
REPO_ROOTS: dict[str, Path] = {}  # where each repository was extracted (tsconfig.json and C/C++ include roots)
REPO_ENTRY: dict[str, C.Entry] = {}
JS_OUTSIDE = ("jquery", "vscode-jsonrpc", "zod", "query-core")  # issue 16 item 3's set (old group now)
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


def repos(cache: Path = C.DEFAULT_CACHE, groups: set[str] | None = None,
          only: set[str] | None = None) -> list[tuple[str, dict[str, str]]]:
    """(name, files) of each manifest repository of ``groups`` (all: None) that could be fetched, in the
    manifest's order."""
    out = []
    for entry, root in C.available(C.entries(groups, only), cache):
        REPO_ROOTS[entry.name] = root
        REPO_ENTRY[entry.name] = entry
        out.append((entry.name, C.load_files(entry, root)))
    return out


def read_cases(path: Path) -> list[dict]:
    """The cases --save-cases wrote (gzipped too: benchmarks/data/symbols_cases_f81cbb0.json.gz)."""
    import gzip

    data = path.read_bytes()
    return json.loads(gzip.decompress(data) if path.name.endswith(".gz") else data)


def repo_rng(seed: int, name: str) -> random.Random:
    """One generator per repository: its cases do not depend on which other repositories run (--groups, --only)."""
    return random.Random(f"{seed}:{name}")


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
               dropped: list[tuple[str, Case]] | None = None) -> list[Case]:
    """Lines where code (not a string or comment) uses a name defined once, in another file; ``dropped``
    gets (reason, case) of the drawn cases whose answer key would be wrong (see the return)."""
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
    # not what another file's line uses, whatever the name; nor is another file's member written bare, nor a
    # name the line's own function declares (a parameter or local: not in the symbol table)
    kept = []
    for case in pool[:per_repo]:
        reason = ("unit" if _unit_only(index, case) else "member" if member_used_bare(index, files, case)
                  else "local" if local_of_function(files, case) else "package" if other_go_package(files, case)
                  else "stdlib" if python_standard_module(files, case)
                  else "outside" if member_outside_types(files, case) else None)
        if reason is None:
            kept.append(case)
        elif dropped is not None:
            dropped.append((reason, case))
    return kept


# why a drawn case was dropped (make_cases), as the report's columns name it
DROP_REASONS = {"unit": "private to a C/C++ source file", "member": "member written bare",
                "local": "a local of the line's function", "package": "another Go package's",
                "stdlib": "a Python standard module's", "outside": "Java/C# member outside its types"}


def local_of_function(files: dict[str, str], case: Case) -> bool:
    """The case's name is a parameter or local variable of the function around its line (or one the line
    declares: ``rootCmd := &Command{}``): the line uses that, not another file's definition of the name
    (benchmarks/case_locals.py; tree-sitter, so it depends on the file alone, not on the extractor)."""
    language = symbols_language(case.path)
    return language is not None and case.name in declared_locals(files[case.path], language, case.line)


def drop_locals(files: dict[str, str], cases: list[Case], dropped: list[tuple[str, Case]]) -> list[Case]:
    """--load-cases: the key checks that read only the files (local_of_function, other_go_package,
    python_standard_module, member_outside_types), as make_cases applies them, so that pinned cases saved before them and newly drawn ones keep the same rule."""
    kept = []
    for case in cases:
        reason = ("local" if local_of_function(files, case) else "package" if other_go_package(files, case)
                  else "stdlib" if python_standard_module(files, case)
                  else "outside" if member_outside_types(files, case) else None)
        if reason is None:
            kept.append(case)
        else:
            dropped.append((reason, case))
    return kept


_GO_PACKAGE = re.compile(r"^package[ \t]+(\w+)", re.M)


def _go_import_folders(files: dict[str, str], importer: str, spec: str) -> set[str] | None:
    """The repository folder(s) Go import path ``spec`` names, None for one outside the repository (the standard
    library, whose paths' first element has no dot, or another module); by the go.mod module paths, else (a
    repository without go.mod) the folders ending in the path's trailing elements."""
    folders = {posixpath.dirname(p) for p in files if p.endswith(".go")}
    modules = sorted(go_modules(files).items(), key=lambda kv: -len(kv[1]))
    for folder, module in modules:
        if spec == module or spec.startswith(module + "/"):
            target = posixpath.join(folder, spec[len(module):].strip("/")).strip("/")
            return {target} & folders
    if "." not in spec.split("/")[0] or modules:
        return None
    parts = spec.split("/")
    for n in range(len(parts), 0, -1):
        tail = "/".join(parts[-n:])
        found = {f for f in folders if f == tail or f.endswith("/" + tail)}
        if found:
            return found
    return None


def other_go_package(files: dict[str, str], case: Case) -> bool:
    """Go: every use of the case's name on its line means something else than the definition, by the language's
    own rules: a bare name is of the file's own package (its folder) or a dot-imported one; ``pkg.Name``, with
    ``pkg`` an import, is of that package (``ast.Expr``, ``context.WithCancel``: the standard library, not a
    field ``Expr`` or a testdata function of the repository); ``x.Name`` with ``x`` a value is a field or method,
    never a top-level function or type; and ``name.X``, ``name`` an import, is the package (``analysis.Pass``
    is not the type ``analysis``). A wrong answer key (x/tools: 1 in 6 drawn)."""
    if symbols_language(case.path) != "go":
        return False
    text = files[case.path]
    bindings, _ = import_lines("go", text)
    imports = {b.local: b.module for b in bindings if b.local and not b.star}
    dot_folders = set()
    for b in bindings:
        if b.star:
            dot_folders |= _go_import_folders(files, case.path, b.module) or set()
    line = text.split("\n")[case.line]
    def_folder = posixpath.dirname(case.def_path)
    definition = _definition_of(files, case)
    top_level = definition is None or definition.container is None
    # a type's name is also the name of a field that embeds it (``svc.Mock``, ``FileInfo{FileData: x}``)
    embeddable = definition is not None and definition.kind in ("class", "type")
    # a bare name: the same folder and the same package clause (``package foo_test`` sees foo's names only
    # through an import), or a dot import
    own, theirs = _GO_PACKAGE.search(text), _GO_PACKAGE.search(files[case.def_path])
    same_package = def_folder == posixpath.dirname(case.path) and (own and own.group(1)) == (theirs and theirs.group(1))
    for m in re.finditer(rf"(?<![\w$]){re.escape(case.name)}(?![\w$])", line):
        before = line[: m.start()].rstrip()
        after = line[m.end():].lstrip()
        if case.name in imports and after.startswith(".") and not before.endswith("."):
            continue  # ``analysis.Pass``: the package
        q = re.search(r"([A-Za-z_]\w*)?\s*\.\s*$", before)
        if q is None:  # bare
            if not top_level or same_package or def_folder in dot_folders or (embeddable and after.startswith(":")):
                return False
        elif q.group(1) in imports and not before[: q.start()].rstrip().endswith("."):
            folders = _go_import_folders(files, case.path, imports[q.group(1)])
            if top_level and folders is not None and def_folder in folders:
                return False
        elif not top_level or embeddable:  # x.Name, x a value (or a call's result, an index)
            return False
    return True


def python_standard_module(files: dict[str, str], case: Case) -> bool:
    """Python: the line writes the case's name only as ``m.Name`` where ``m`` is bound by an import of a standard
    library module the repository does not hold (``import typing as t``, then ``t.List``; ``sys.stdout``), or bare
    where such an import binds the name itself (``from typing import List``): that module's name, not the repository's one definition of it (jinja2's ``nodes.List``). A wrong answer key
    (jinja2: 12 of 94 pinned cases)."""
    if symbols_language(case.path) != "python":
        return False
    text = files[case.path]
    bindings, _ = import_lines("python", text)
    held = {posixpath.basename(p[:-3]) if not p.endswith("/__init__.py") else posixpath.basename(posixpath.dirname(p))
            for p in files if p.endswith(".py")}
    standard = {b.local for b in bindings if b.local and not b.star and b.module.split(".")[0] in sys.stdlib_module_names
                and b.module.split(".")[0] not in held}
    line = text.split("\n")[case.line]
    uses = list(re.finditer(rf"(?<![\w$]){re.escape(case.name)}(?![\w$])", line))
    for m in uses:
        q = re.search(r"([A-Za-z_]\w*)\s*(\.)?\s*$", line[: m.start()])
        if q is None or q.group(2) is None:  # bare: ``from typing import List`` binds it, or it is the definition
            if case.name not in standard:
                return False
        elif q.group(1) not in standard or line[: q.start()].rstrip().endswith("."):
            return False
    return bool(uses)


_DEFINED: dict[tuple[str, int], list] = {}  # (path, hash of its text) -> its definitions (other_go_package)


def _definition_of(files: dict[str, str], case: Case):
    """The case's definition as the extractor reads the defining file (its container: a struct, an interface, a
    method's receiver type; None for a top-level one)."""
    key = (case.def_path, hash(files[case.def_path]))
    defs = _DEFINED.get(key)
    if defs is None:
        symbols = extract_file(case.def_path, files[case.def_path])
        defs = _DEFINED[key] = symbols.definitions if symbols is not None else []
    return next((d for d in defs if d.line == case.def_line and d.name == case.name), None)


def dropped_report(dropped: list[tuple[str, Case]], loaded: bool) -> None:
    """The drawn cases dropped as wrong answer keys, per group and language, by reason."""
    if not dropped:
        return
    reasons = [r for r in DROP_REASONS if any(reason == r for reason, _ in dropped)]
    print("\ncases dropped as wrong answer keys" + (" (--load-cases: the pinned cases' file-only check, "
          "local_of_function)" if loaded else " (after the draw; the other cases stay the same)"))
    print(f"  {'group':<5} {'language':<11} " + " ".join(f"{DROP_REASONS[r]:>32}" for r in reasons))
    for group in ("old", "new", "dev", "timing"):
        for language, suffixes in REPORT_LANGUAGES + (("all", ("",)),):
            sub = [(r, c) for r, c in dropped if group_of(c) == group and c.path.endswith(suffixes)]
            if sub:
                print(f"  {group:<5} {language:<11} " + " ".join(f"{sum(1 for x, _ in sub if x == r):32d}" for r in reasons))


# languages where a bare name never means a member of another file's class/struct (Python and JS/TS need
# self./this./obj., Go recv., Rust self./obj., C s./p->); Java, C# and C++ keep their cases: a subclass
# uses its base class's members bare
BARE_NOT_MEMBER = frozenset({"python", "javascript", "typescript", "tsx", "go", "rust", "c"})
MEMBER_KINDS = frozenset({"method", "attribute", "field"})
_QUALIFIER = re.compile(r"(?:\.|->|::)\s*(?:<[^<>;()\n]*>\s*)?#?$")  # x.name, x?.name, p->name, T::name, this.#name, T.<E>name


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


_HEADS: dict[int, tuple[dict[str, str], dict[str, set[str]]]] = {}  # id(files) -> (files, type -> its supertypes)
_STATIC_IMPORT = re.compile(r"^[ \t]*(?:import[ \t]+static|(?:global[ \t]+)?using[ \t]+static)[ \t]+([\w.]+?)(?:\.\*|\.\w+)?[ \t]*;",
                            re.M)


def _type_heads(files: dict[str, str]) -> dict[str, set[str]]:
    """Every Java/C# type of the repository -> the types its heads extend or implement (all its declarations)."""
    from aix_lsp.symbols.langs._supertypes import declared_types

    cached = _HEADS.get(id(files))
    if cached is not None and cached[0] is files:
        return cached[1]
    heads: dict[str, set[str]] = {}
    for path, text in files.items():
        if symbols_language(path) in ("java", "c#"):
            for name, bases in declared_types(text, (0, 0)).items():
                heads.setdefault(name, set()).update(bases)
    _HEADS[id(files)] = (files, heads)
    return heads


def member_outside_types(files: dict[str, str], case: Case) -> bool:
    """Java, C#: the case's definition is a member (method, field, property; not a Java enum constant, which a
    ``case`` label writes bare) that the line writes only bare, and no type of the line's file is its class or a
    subtype of it (heads' extends/implements/``:``, followed through the repository's types), nor instantiates it
    with a body (``new T() {``, ``new T { X = 1 }``), nor writes it as an annotation or attribute with arguments
    (``[DllImport(EntryPoint = "x")]``: DllImportAttribute's), nor imports it statically: a bare name there is a local,
    a parameter or a library's (keepasslib: ``new List<string>()`` keyed to enum constant PwSearchMode.List;
    opentk: DllImport's ``EntryPoint`` keyed to its own AutoGeneratedAttribute's field). A wrong answer key."""
    from aix_lsp.symbols.langs._supertypes import declared_types

    language = symbols_language(case.path)
    if language not in ("java", "c#"):
        return False
    definition = _definition_of(files, case)
    if definition is None or definition.container is None or definition.kind in ("class", "type") or \
            (language == "java" and definition.kind == "constant"):
        return False
    text = files[case.path]
    line = text.split("\n")[case.line]
    uses = list(re.finditer(rf"(?<![\w$]){re.escape(case.name)}(?![\w$])", line))
    if not uses or any(_QUALIFIER.search(line, 0, m.start()) for m in uses):
        return False
    heads = _type_heads(files)
    visible: set[str] = set()
    frontier = list(declared_types(text, (0, len(text))))
    frontier += [m.group(1).rsplit(".", 1)[-1] for m in _STATIC_IMPORT.finditer(text)]
    while frontier:
        name = frontier.pop()
        if name not in visible:
            visible.add(name)
            frontier.extend(heads.get(name, ()))
    return definition.container not in visible


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


# a top-level definition in each language, appended by the timing's saves (the file's interface changes)
ADDED_DEFINITION = {".py": "def added_{i}():\n    pass", ".go": "func Added{i}() {{}}", ".java": "class Added{i} {{}}",
                    ".cs": "class Added{i} {{}}", ".rs": "fn added_{i}() {{}}", ".js": "function added_{i}() {{}}",
                    ".ts": "function added_{i}() {{}}"}


def added_definition(path: str, i: int) -> str:
    """What a timing save appends to ``path``: a new top-level definition in its language (C/C++: a function)."""
    template = ADDED_DEFINITION.get(Path(path).suffix, "void added_{i}(void) {{}}")
    return "\n\n" + template.format(i=i) + "\n"


def timing(root: Path, max_files: int, queries: int, rng: random.Random, suffixes: tuple[str, ...] = (".py",)) -> None:
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
    timing_files(root.name, files, queries, rng)


def timing_files(label: str, files: dict[str, str], queries: int, rng: random.Random) -> None:
    """Index build, memory and query times of the workspace ``files``."""
    import psutil

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
    # the same queries, each after a save of another file that adds a definition in that file's language (a
    # Python def in a Go file parsed to no new definition: the interface stood and no cache was dropped)
    cold_cpu = []
    for i, (path, offset, row) in enumerate(queries_list[: queries // 2]):
        other = paths[(i * 7919) % len(paths)]
        index.update_file(other, files[other] + added_definition(other, i))
        t, c = time.perf_counter(), time.thread_time()
        index.candidates_for_cursor(path, files[path], offset, 3)
        cold_ms.append((time.perf_counter() - t) * 1000)
        cold_cpu.append((time.thread_time() - c) * 1000)
    upd = []
    for path in rng.sample(paths, 30):
        t = time.perf_counter()
        index.update_file(path, files[path] + "\n# edited\n")
        upd.append((time.perf_counter() - t) * 1000)

    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1]

    print(f"\nworkspace {label}: {len(files)} files, {sum(len(t) for t in files.values()) / 2**20:.1f} MB; "
          f"{sum(len(index.file_symbols(p).definitions) for p in paths if index.file_symbols(p))} definitions")
    print(f"  build {build:.1f} s, index memory ~{rss:.0f} MB (RSS growth)")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} (2 cores; other work on the machine inflates wall time)")
    print(f"  symbols query (candidates_for_cursor, k=3):  p50 {p(sym_ms, 50):.2f} ms  p95 {p(sym_ms, 95):.2f} ms  max {max(sym_ms):.1f} ms  ({queries} random cursors)")
    print(f"     same, thread CPU time:                    p50 {p(sym_cpu, 50):.2f} ms  p95 {p(sym_cpu, 95):.2f} ms")
    print(f"     right after a save that adds a definition elsewhere (caches dropped): p50 {p(cold_ms, 50):.2f} ms  p95 {p(cold_ms, 95):.2f} ms")
    print(f"        same, thread CPU time:                 p50 {p(cold_cpu, 50):.2f} ms  p95 {p(cold_cpu, 95):.2f} ms")
    print(f"  look-alike window query (cce, top 5):        p50 {p(win_ms, 50):.2f} ms  p95 {p(win_ms, 95):.2f} ms")
    print(f"  single-file update, body edit (update_file + tantivy commit): p50 {p(upd, 50):.1f} ms  p95 {p(upd, 95):.1f} ms")


def repo_index(name: str, files: dict[str, str]) -> SymbolIndex:
    """The symbol table of one evaluation repository, set up as the server's sync does."""
    index = SymbolIndex()
    index.update_files(files.items())
    index.set_go_modules(go_modules(files))
    set_include_roots(index, name)
    set_ts_aliases(index, name, files)
    return index


def set_ts_aliases(index: SymbolIndex, name: str, files: dict[str, str]) -> None:
    """The tsconfig.json path aliases, as the sync gives them (skipped by a version without them)."""
    try:
        from aix_lsp.symbols.tsconfig import workspace_aliases
    except ImportError:
        return
    entry = REPO_ENTRY.get(name)
    if entry is not None and entry.language in ("javascript", "typescript"):
        index.set_ts_aliases(workspace_aliases(REPO_ROOTS[name], files))


def set_include_roots(index: SymbolIndex, name: str) -> None:
    """The C/C++ include roots of the build, as the sync gives them (skipped by a version without them)."""
    entry = REPO_ENTRY.get(name)
    if entry is None or entry.language not in ("c", "c++") or not hasattr(index, "set_include_roots"):
        return
    from aix_lsp.symbols.langs.c_build import include_roots

    index.set_include_roots(include_roots(REPO_ROOTS[name]))


LANGUAGES = (("Python", (".py",)), ("JS/TS", (".js", ".ts")), ("Java", (".java",)), ("Go", (".go",)),
             ("C/C++", (".c", ".cc", ".cpp", ".h", ".hpp")), ("Rust", (".rs",)), ("C#", (".cs",)))
# the per-language report (issue 23) keeps JavaScript and TypeScript apart
REPORT_LANGUAGES = (("Python", (".py",)), ("JavaScript", (".js",)), ("TypeScript", (".ts",)), ("Java", (".java",)),
                    ("Go", (".go",)), ("C/C++", (".c", ".cc", ".cpp", ".h", ".hpp")), ("Rust", (".rs",)), ("C#", (".cs",)))
# the manifest's languages behind each report language (the 2,000-file timing workspaces)
CORPUS_LANGUAGES = {"Python": ("python",), "JavaScript": ("javascript",), "TypeScript": ("typescript",),
                    "Java": ("java",), "Go": ("go",), "C/C++": ("c", "c++"), "Rust": ("rust",), "C#": ("c#",)}


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


# ------------------------------------------------------------- as shipped, per language (issue 23)


@dataclass
class Shipped:
    """Where the case's definition came out with the ranking as shipped (no tuning; 0-based, None: missed)."""

    case: Case
    ranked: int | None  # in rank_candidates' order (the shipped weights and rules)
    prompt: int | None  # among the fragments candidates_for_cursor(k=3) gives the prompt


def shipped_ranks(case: Case, files: dict[str, str], index: SymbolIndex, windex: WindowIndex) -> Shipped:
    lines = list(files[case.path].split("\n"))
    lines[case.line] = ""
    buffer = "\n".join(lines)
    offset = sum(len(l) + 1 for l in lines[: case.line])
    lookalikes = [h[3] for h in windex.search(last_nonempty_lines(lines, case.line), case.path, 5)]
    cands = index.rank_candidates(case.path, buffer, offset, lookalikes=lookalikes)
    ranked = next((i for i, c in enumerate(cands) if is_gold(case, c.definition.path, c.definition.start_line,
                                                               c.definition.end_line, c.definition.snippet)), None)
    fragments = index.candidates_for_cursor(case.path, buffer, offset, 3, lookalikes=lookalikes)
    prompt = next((i for i, f in enumerate(fragments) if is_gold(case, f.path, f.start_line, f.end_line, f.text)), None)
    return Shipped(case, ranked, prompt)


def case_key(case: Case) -> str:
    return f"{case.repo}:{case.path}:{case.line}:{case.name}"


def group_of(case: Case) -> str:
    entry = C.entries(only={case.repo})
    return C.group_of(entry[0]) if entry else "?"


def report_parts(rows: list[Shipped]) -> list[tuple[str, list[Shipped]]]:
    """(a) the old group's half-B cases, (b) the new group's cases (all of them: nothing was tuned on them), (c) the
    dev group's, (d) the timing-only repositories' (``--groups timing --only tomcat``: their misses may be read)."""
    old_b = [r for r in rows if group_of(r.case) == "old" and half_of(r.case) == "B"]
    new = [r for r in rows if group_of(r.case) == "new"]
    dev = [r for r in rows if group_of(r.case) == "dev"]
    timing_only = [r for r in rows if group_of(r.case) == "timing"]
    return [(title, part) for title, part in (("(a) old group (tuned on), half B", old_b),
                                               ("(b) new group (held out), all cases", new),
                                               ("(c) dev group (neither: misses may be read), all cases", dev),
                                               ("(d) timing repositories (misses may be read), all cases", timing_only))
            if part]


BY_REPO = False  # --by-repo: a row per repository under each language's


def _report_rows(part: list[Shipped]) -> Iterator[tuple[str, list[Shipped]]]:
    """(label, cases) per report language with cases, then (--by-repo) per repository of it, then all."""
    for language, suffixes in REPORT_LANGUAGES:
        sub = [r for r in part if r.case.path.endswith(suffixes)]
        if not sub:
            continue
        yield language, sub
        names = list(dict.fromkeys(r.case.repo for r in sub))
        if BY_REPO and len(names) > 1:
            for name in names:
                yield f" {name[:10]}", [r for r in sub if r.case.repo == name]
    yield "all", part


def _r13(ranks: list[int | None]) -> tuple[float, float]:
    r1, r3, _ = recalls(ranks)
    return r1, r3


def shipped_report(rows: list[Shipped], label: str = "") -> None:
    """Per language: recall@1/@3 of the shipped ranking (rank_candidates) and of the prompt's fragments."""
    for title, part in report_parts(rows):
        print(f"\n{title}{label} - as shipped: Weights() and rules, no tuning")
        print(f"  {'language':<11} {'cases':>5}   {'ranked R@1':>10} {'R@3':>6}   {'prompt R@1':>10} {'R@3':>6}")
        for language, sub in _report_rows(part):
            a1, a3 = _r13([r.ranked for r in sub])
            p1, p3 = _r13([r.prompt for r in sub])
            print(f"  {language:<11} {len(sub):5d}   {a1:10.1f} {a3:6.1f}   {p1:10.1f} {p3:6.1f}")


def side_by_side(base: list[Shipped], this: list[Shipped], rev: str) -> None:
    """The same cases, baseline ``rev`` against this tree, per language."""
    before = {case_key(r.case): r for r in base}
    print(f"\nbefore ({rev}) -> after (this tree), the same cases; ranked: rank_candidates' order, prompt: the k=3 fragments")
    for title, part in report_parts(this):
        print(f"\n{title}")
        print(f"  {'language':<11} {'cases':>5}   {'ranked R@1':>19} {'ranked R@3':>19}   {'prompt R@1':>19} {'prompt R@3':>19}")
        for language, sub in _report_rows(part):
            old = [before.get(case_key(r.case), Shipped(r.case, None, None)) for r in sub]
            cells = []
            for attr in ("ranked", "prompt"):
                b1, b3 = _r13([getattr(r, attr) for r in old])
                a1, a3 = _r13([getattr(r, attr) for r in sub])
                cells += [f"{b1:5.1f} -> {a1:5.1f} {a1 - b1:+5.1f}", f"{b3:5.1f} -> {a3:5.1f} {a3 - b3:+5.1f}"]
            print(f"  {language:<11} {len(sub):5d}   {cells[0]:>19} {cells[1]:>19}   {cells[2]:>19} {cells[3]:>19}")


@contextlib.contextmanager
def rev_tree(rev: str) -> Iterator[Path]:
    """A throwaway ``git worktree add`` of ``rev`` (removed afterwards): aix_lsp as of that version."""
    import shutil
    import subprocess
    import tempfile

    repo = Path(__file__).resolve().parents[1]
    tmp = Path(tempfile.mkdtemp(prefix="aix-eval-baseline-"))
    tree = tmp / "tree"
    added = subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", str(tree), rev],
                           capture_output=True, text=True)
    if added.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        sys.exit(f"--baseline {rev}: git worktree add failed: {added.stderr.strip()}")
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def run_in(tree: Path, argv: list[str], **kwargs) -> int:
    """This script (this tree's corpus and case rule) run with aix_lsp from ``tree`` (PYTHONPATH)."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run([sys.executable, str(Path(__file__).resolve()), *argv], env=env, cwd=tree, **kwargs).returncode


def run_baseline(rev: str, cases_path: Path, args: argparse.Namespace) -> list[Shipped]:
    """The ranks of the cases in ``cases_path`` with aix_lsp as of ``rev`` (the corpus and the case rule stay
    this tree's)."""
    import subprocess

    with rev_tree(rev) as tree:
        out = tree.parent / "ranks.json"
        print(f"(baseline {rev}: running the same cases with aix_lsp from {tree})", file=sys.stderr)
        code = run_in(tree, ["--load-cases", str(cases_path), "--no-tuning", "--no-timing", "--groups", args.groups,
                             "--cache", str(args.cache), "--ranks-out", str(out)], stdout=subprocess.DEVNULL)
        if code != 0 or not out.is_file():
            sys.exit(f"--baseline {rev}: the baseline run failed (exit {code})")
        return [Shipped(Case(**r["case"]), r["ranked"], r["prompt"]) for r in json.loads(out.read_text())]


# ------------------------------------------------------------------------------- corpus timings


def language_workspace(language: str, cache: Path, max_files: int) -> dict[str, str]:
    """Up to ``max_files`` files of one report language: its "timing" entries (one large project where the
    corpus has one) first, then the other entries of it."""
    files: dict[str, str] = {}
    picked = sorted((e for e in C.MANIFEST if e.language in CORPUS_LANGUAGES[language]), key=lambda e: e.group != "timing")
    for entry, root in C.available(picked, cache):
        for rel, text in C.load_files(entry, root).items():
            if len(files) >= max_files:
                return files
            if rel.endswith("go.mod"):
                continue
            files[rel if entry.prefix else f"{entry.name}/{rel}"] = text
    return files


def corpus_timing(languages: list[str], cache: Path, max_files: int, queries: int, seed: int,
                  baseline: str | None = None, label: str = "this tree") -> None:
    """The timing() figures on a workspace of each language made of the corpus' repositories of it (the same
    random cursors per language in every run); with ``baseline``, each language is timed with aix_lsp as of
    that version right after this tree's run (the same load on the machine, as far as it can be)."""
    with rev_tree(baseline) if baseline else contextlib.nullcontext() as tree:
        for language in languages:
            files = language_workspace(language, cache, max_files)
            if len(files) < max_files:
                print(f"\n({language}: the corpus has {len(files)} files of it, fewer than {max_files}: measured on those)")
            if not files:
                continue
            timing_files(f"{language} (corpus), {label}", files, queries, random.Random(f"{seed}:{language}"))
            if tree is not None:
                sys.stdout.flush()
                run_in(tree, ["--timing-only", "--timing-languages", language, "--timing-files", str(max_files),
                              "--timing-queries", str(queries), "--seed", str(seed), "--cache", str(cache),
                              "--timing-label", f"baseline {baseline}"])


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
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=C.DEFAULT_CACHE, help="where the pinned archives are downloaded "
                    "and extracted (default ~/.cache/aix-lsp-eval, or $AIX_EVAL_CACHE)")
    ap.add_argument("--groups", default="old,new", help="manifest groups to run: old (tuned on), new (held out), dev (neither), "
                    "timing (the timing workspaces' repositories, with --only: tomcat, nunit ...)")
    ap.add_argument("--only", default="", help="comma-separated repository names (default: all of --groups)")
    ap.add_argument("--no-tuning", action="store_true", help="only the as-shipped per-language tables (fast); the "
                    "tuning tables use the old group alone")
    ap.add_argument("--baseline", metavar="REV", help="also run the same cases with aix_lsp as of git REV (a "
                    "git worktree of it) and print both per language, side by side; with the corpus timing, time "
                    "each language's workspace with REV too, right after this tree")
    ap.add_argument("--ranks-out", type=Path, help=argparse.SUPPRESS)  # what a --baseline run hands back
    ap.add_argument("--timing-root", type=Path, help="a project folder to time instead of the corpus workspaces")
    ap.add_argument("--timing-files", type=int, default=2000)
    ap.add_argument("--timing-queries", type=int, default=400)
    ap.add_argument("--timing-suffixes", default=".py", help="comma-separated file suffixes of the --timing-root "
                    "project (e.g. .c,.cc,.h for a C/C++ one)")
    ap.add_argument("--timing-languages", default="Python,JavaScript,Java,C/C++,C#",
                    help="languages of the corpus timing workspaces (--timing-files files of each)")
    ap.add_argument("--timing-label", default="this tree", help=argparse.SUPPRESS)
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--by-repo", action="store_true", help="a row per repository under each language's")
    ap.add_argument("--timing-only", action="store_true")
    ap.add_argument("--save-cases", type=Path, help="write the cases (JSON) to compare another version on the same ones")
    ap.add_argument("--load-cases", type=Path, help="run the cases of --save-cases instead of building them (an older "
                    "extractor finds fewer definitions, so its own cases would leave out what it misses); "
                    "benchmarks/data/symbols_cases_f81cbb0.json.gz holds those main at f81cbb0 drew")
    args = ap.parse_args()
    global BY_REPO
    BY_REPO = args.by_repo
    rng = random.Random(args.seed)
    if args.timing_only:
        if args.timing_root is not None:
            timing(args.timing_root, args.timing_files, args.timing_queries, rng, tuple(args.timing_suffixes.split(",")))
        else:
            corpus_timing(args.timing_languages.split(","), args.cache, args.timing_files, args.timing_queries,
                          args.seed, args.baseline, args.timing_label)
        return

    if args.ranks_out is not None:
        import aix_lsp

        print(f"(aix_lsp from {Path(aix_lsp.__file__).parent})", file=sys.stderr)
    results: list[Result] = []
    shipped: list[Shipped] = []
    t0 = time.perf_counter()
    only = {n for n in args.only.split(",") if n}
    loaded = [Case(**c) for c in read_cases(args.load_cases)] if args.load_cases else None
    if loaded is not None:  # index only the repositories that have cases
        only = {c.repo for c in loaded if not only or c.repo in only}
    saved_cases: list[Case] = []
    dropped: list[tuple[str, Case]] = []  # drawn, but the definition is not what the line uses (make_cases)
    for name, files in repos(args.cache, set(args.groups.split(",")), only or None):
        index = repo_index(name, files)
        windex = WindowIndex(files)
        if loaded is not None and args.ranks_out is not None:
            # a --baseline run gets the cases this tree already checked: its answer-key checks read the extractor
            # (Go packages, Java/C# types), so an older tree's would drop other cases, or fail on a newer module
            cases = [c for c in loaded if c.repo == name]
        elif loaded is not None:
            cases = drop_locals(files, [c for c in loaded if c.repo == name], dropped)
        else:
            cases = make_cases(name, files, index, args.per_repo, repo_rng(args.seed, name), dropped)
        saved_cases.extend(cases)
        for case in cases:
            if not args.no_tuning and REPO_ENTRY[name].group == "old":  # the tuning tables' cases
                results.append(run_case(case, files, index, windex))
            shipped.append(shipped_ranks(case, files, index, windex))
        print(f"{C.group_of(REPO_ENTRY[name]):<6} {name:<16} {len(files):5d} files  {len(cases):4d} cases", file=sys.stderr)
    if dropped:
        print(f"(drawn cases dropped as wrong answer keys: {len(dropped)})", file=sys.stderr)
    print(f"(cases built and run in {time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    if args.ranks_out is not None:
        args.ranks_out.write_text(json.dumps([{"case": asdict(r.case), "ranked": r.ranked, "prompt": r.prompt}
                                              for r in shipped]))
        return
    if args.save_cases:
        args.save_cases.write_text(json.dumps([asdict(c) for c in saved_cases]))
        args.save_cases.with_suffix(".dropped.json").write_text(json.dumps([dict(asdict(c), reason=r) for r, c in dropped]))

    shipped_report(shipped)
    dropped_report(dropped, loaded is not None)
    if args.baseline:
        if args.save_cases:
            cases_path = args.save_cases
        else:
            import tempfile

            fd, name = tempfile.mkstemp(suffix=".json", prefix="aix-eval-cases-")
            os.close(fd)
            cases_path = Path(name)
            cases_path.write_text(json.dumps([asdict(c) for c in saved_cases]))
        try:
            side_by_side(run_baseline(args.baseline, cases_path, args), shipped, args.baseline)
        finally:
            if not args.save_cases:
                cases_path.unlink(missing_ok=True)
    if not args.no_tuning:
        tuning_tables(results)
    if not args.no_timing:
        if args.timing_root is not None:
            timing(args.timing_root, args.timing_files, args.timing_queries, rng, tuple(args.timing_suffixes.split(",")))
        else:
            corpus_timing(args.timing_languages.split(","), args.cache, args.timing_files, args.timing_queries,
                          args.seed, args.baseline)


def tuning_tables(results: list[Result]) -> None:
    """Weights tuned on half A and reported on half B, leave-one-repository-out, per language: the old group
    only (the new group stays held out: nothing is ever tuned on it)."""
    held_out = sum(1 for r in results if group_of(r.case) != "old")
    results = [r for r in results if group_of(r.case) == "old"]
    print(f"\ntuning tables: the old group's {len(results)} cases only ({held_out} held-out cases left out)")
    if not results:
        return
    repo_names = sorted({r.case.repo for r in results}, key=lambda n: [x.case.repo for x in results].index(n))
    A = [r for r in results if half_of(r.case) == "A"]
    B = [r for r in results if half_of(r.case) == "B"]
    defaults = START
    tuned = tune(A, defaults)
    print("\nweights tuned on half A:", {s: getattr(tuned, s) for s in SIGNALS})
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


if __name__ == "__main__":
    main()

"""SymbolIndex: the workspace's definitions and imports, and the definitions the cursor needs.

Kept current file by file (``update_file`` / ``remove_file``); every public method takes one lock,
so the index may be fed from an indexing thread while requests query it. It holds the table (files,
definitions by name) and gathers the candidates for a cursor; the rest is its parts': the persisted BM25
index of definitions (``bm25.py``), what names mean across files (``lookup.py``), what the buffer says
(``buffer.py``), the signals and weights (``signals.py``) and what each language does its own way
(``langs/<lang>.py``).
"""

from __future__ import annotations

import logging
import posixpath
import re
import threading
from dataclasses import replace
from collections.abc import Callable, Collection, Container, Iterable, Sequence
from pathlib import Path

from aix_lsp.context.fragment import Fragment

from .bm25 import DefinitionsBM25
from .buffer import (FIELD_TYPE, MEMBER_AT_CURSOR, TYPEDEF_TAG, BufferUses, declared_at_cursor, declared_receivers,
                     enclosing_types, query_terms, receiver_type)
from .extract import MAX_SNIPPET_LINES, extract_file, import_lines, symbols_language
from .langs import language as language_rules
from .lookup import MAX_CLASS_MEMBERS, MAX_MODULE_MEMBERS, MAX_SAME_NAME, Lookup
from .model import Definition, FileSymbols, ImportBinding
from .resolve import ModuleTable
from .signals import (_CAMEL, DEFAULT_WEIGHTS, IDENTIFIER, IMPORTED, Candidate, Weights, code_tokens, nearest_distance, signals_of,
                      signed_weights, weighted_sum, window_shares)
from .tsconfig import PathAliases

log = logging.getLogger(__name__)

# (files, definition ids per file, next id, generation): what store.py saves and SymbolIndex takes back
SavedTable = tuple[dict[str, FileSymbols], dict[str, list[int]], int, int]

BM25_HITS = 20
MIN_OUTLINE_MEMBERS = 5  # member rows a cut class outline keeps however long its header and docstring
# candidates read past the prompt's k-th fragment for members of the classes shown: those rank the outline's rows
# before the names near the cursor do (a WinForms designer half's 300 fields: the one the line sets ranked 11th)
MEMBERS_AFTER = 30
MAX_OUTLINES_KEPT = 4096  # cut outlines' rows remembered (keyed by the definition: an edit makes a new key)
MAX_SUPERTYPE_DEPTH = 6  # levels of ``extends`` followed for the members Java/C# code may write bare
ANONYMOUS_CHARS = 12_000  # how far above the cursor ``new T() {``, ``[Attr(`` (bare members: T's) are looked for


class SymbolIndex:
    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, store_dir: Path | None = None,
                 saved: "SavedTable | None" = None) -> None:
        """``store_dir``: keep the BM25 index of the definitions on disk there, so that a saved table
        (``saved``, see ``store.py``) is taken back without parsing or indexing every definition again; in
        memory when None or when that folder cannot be used (another process holds it, damaged,
        unwritable). :attr:`restored` says whether ``saved`` was taken."""
        self.weights = weights
        self._lock = threading.RLock()
        self._files: dict[str, FileSymbols] = {}
        self._by_name: dict[str, list[Definition]] = {}
        self._modules = ModuleTable()
        self._namespaces: dict[str, set[str]] = {}  # C# namespace -> files declaring it
        self._ids: dict[int, Definition] = {}
        self._file_ids: dict[str, list[int]] = {}
        self._hashes: dict[str, int] = {}
        self._next_id = 0
        self._lookup = Lookup(self._files, self._by_name, self._modules, self._namespaces)  # resolutions, cached
        self._outline_rows: dict[Definition, tuple[list[str], list[str | None]]] = {}  # long outline -> its lines, member names
        self._bases: dict[Definition, list[str]] = {}  # a Java/C# class -> the types its head extends (keyed as above)
        # id of a cached included-definitions list -> (that list, name -> its positions in it): which of thousands
        # the buffer writes, without a pass over all of them per query (C/C++ query p95); keyed by the list
        # itself, so a refresh, which swaps in a new list, rebuilds it
        self._included_names: dict[int, tuple[list[Definition], dict[str, list[int]]]] = {}
        self._enum_spans: dict[str, list[Definition]] = {}  # file -> its enums (whose plain constants have no container)
        self._unit_only: dict[str, frozenset[tuple[int, str]]] = {}  # C/C++ source -> what other files cannot see
        self._bm25 = DefinitionsBM25(store_dir)
        self.persistent = self._bm25.persistent
        self._batch = 0
        self.restored = False
        if self.persistent:
            self.restored = saved is not None and self._restore(saved)
            if not self.restored:  # what the disk index holds belongs to no table we have: start empty
                self._bm25.clear()

    def release_writer(self) -> None:
        """Nothing to write for a while: let go of the BM25 index's writer (its arena and threads); the next
        update starts one (:meth:`DefinitionsBM25.release_writer`)."""
        with self._lock:
            self._bm25.release_writer()

    # ------------------------------------------------------------------------------- updating

    def update_file(self, rel_path: str, text: str) -> bool:
        """(Re)index one file; False when its language has no symbol extractor (nothing indexed)."""
        with self._lock:
            digest = hash(text)
            if self._hashes.get(rel_path) == digest and rel_path in self._files:
                return True  # unchanged (a re-crawl, a save without edits)
            self._hashes[rel_path] = digest
            try:
                symbols = extract_file(rel_path, text)
            except Exception as exc:  # a parser failure must not take the index down
                log.warning("symbols: cannot parse %s: %s", rel_path, exc)
                symbols = None
            old = self._files.get(rel_path)
            same_interface = old is not None and symbols is not None and _interface(old) == _interface(symbols)
            self._drop(rel_path, keep_caches=same_interface, keep_module=symbols is not None)
            if symbols is None:
                self._hashes.pop(rel_path, None)
                self._commit_unless_batched()
                return False
            self._files[rel_path] = symbols
            self._modules.add(rel_path)
            for namespace in symbols.packages:
                self._namespaces.setdefault(namespace, set()).add(rel_path)
            ids = self._file_ids[rel_path] = []
            for definition in symbols.definitions:
                self._by_name.setdefault(definition.name, []).append(definition)
                ident = self._next_id
                self._next_id += 1
                self._ids[ident] = definition
                ids.append(ident)
                self._bm25.add(ident, rel_path, " ".join(code_tokens(definition.name) * 2 + code_tokens(definition.snippet)))
            if same_interface:  # an edit inside bodies: resolutions stand, only their definitions move
                self._lookup.refresh(old, symbols)
            elif old is None:  # a new file can be what an earlier resolution missed
                self._lookup.clear()
            self._bm25.uncommitted = True
            self._commit_unless_batched()
            return True

    def update_files(self, items: Iterable[tuple[str, str]]) -> int:
        """Index many files with one commit; returns how many had a symbol extractor. The lock is taken
        file by file, so queries are not held up by a long batch."""
        with self._lock:
            self._batch += 1
        count = 0
        try:
            for path, text in items:
                with self._lock:
                    count += self.update_file(path, text)
        finally:
            with self._lock:
                self._batch -= 1
                self._commit_unless_batched()
        return count

    def remove_file(self, rel_path: str) -> None:
        with self._lock:
            self._hashes.pop(rel_path, None)
            self._drop(rel_path)
            self._commit_unless_batched()

    def remove_prefix(self, rel_prefix: str) -> int:
        """Remove a file, or every file under a folder (a deleted folder); returns how many."""
        with self._lock:
            prefix = rel_prefix.rstrip("/") + "/"
            gone = [p for p in self._files if p == rel_prefix or p.startswith(prefix)]
            for path in gone:
                self._hashes.pop(path, None)
                self._drop(path)
            self._commit_unless_batched()
            return len(gone)

    def paths(self) -> list[str]:
        with self._lock:
            return list(self._files)

    def index_workspace(self, root: Path) -> int:
        """Index every file of the workspace crawl (same skip rules as BM25 retrieval)."""
        from aix_lsp.crawl import iter_workspace_files, read_text_file

        root = Path(root)

        def items():
            for path in iter_workspace_files(root):
                rel = path.relative_to(root).as_posix()
                if symbols_language(rel) is None:
                    continue
                text = read_text_file(path)
                if text is not None:
                    yield rel, text

        return self.update_files(items())

    def _drop(self, rel_path: str, keep_caches: bool = False, keep_module: bool = False) -> None:
        old = self._files.pop(rel_path, None)
        self._unit_only.pop(rel_path, None)
        self._enum_spans.pop(rel_path, None)
        if not keep_module:  # the set of files changes: module names, and so every resolution, may change
            self._modules.discard(rel_path)
            self._lookup.clear()
        elif not keep_caches:
            self._lookup.invalidate(rel_path)
        if old is None:
            return
        for namespace in old.packages:
            self._namespaces.get(namespace, set()).discard(rel_path)
        for name in {d.name for d in old.definitions}:
            kept = [d for d in self._by_name.get(name, ()) if d.path != rel_path]
            if kept:
                self._by_name[name] = kept
            else:
                self._by_name.pop(name, None)
        for i in self._file_ids.pop(rel_path, ()):
            self._ids.pop(i, None)
        self._bm25.remove_file(rel_path)

    def _commit_unless_batched(self) -> None:
        if self._batch == 0 and self._bm25.uncommitted:
            self._bm25.commit()

    def close(self) -> None:
        """Commit what is pending and let go of the index writer, so that the next SymbolIndex on the same
        folder (a restarted workspace folder) opens the disk index instead of building one in memory.
        Queries still read the last commit; updates after this fail (and are logged by the caller)."""
        with self._lock:
            self._bm25.close()

    # ------------------------------------------------------------------------ saved tables

    def snapshot(self, generation: int) -> "SavedTable | None":
        """Stamp the disk index with ``generation`` and return (files, definition ids per file, next id) to
        save with it; None for a memory index (nothing to restore it from)."""
        with self._lock:
            if not self.persistent:
                return None
            self._bm25.stamp(generation)
            return dict(self._files), {k: list(v) for k, v in self._file_ids.items()}, self._next_id, generation

    def _restore(self, saved: "SavedTable") -> bool:
        """Take a saved table, only when the disk index carries the same generation."""
        files, ids, next_id, generation = saved
        with self._lock:
            if self._bm25.disk_generation() != generation or any(len(ids.get(p, ())) != len(s.definitions) for p, s in files.items()):
                log.info("symbols: the saved table does not match its BM25 index; building again")
                return False
            by_name = self._by_name
            self._files.update(files)
            self._file_ids.update(ids)
            for path, symbols in files.items():
                self._modules.add(path)
                for namespace in symbols.packages:
                    self._namespaces.setdefault(namespace, set()).add(path)
                self._ids.update(zip(ids[path], symbols.definitions))
                for definition in symbols.definitions:
                    found = by_name.get(definition[0])  # [0]: name (a tuple index is cheaper than the attribute)
                    if found is None:
                        by_name[definition[0]] = [definition]
                    else:
                        found.append(definition)
            self._next_id = next_id
            self._bm25.restored(generation)
            return True

    # -------------------------------------------------------------------------------- queries

    def __len__(self) -> int:
        with self._lock:
            return len(self._files)

    def set_ts_aliases(self, aliases: list[PathAliases]) -> None:
        """The ``paths``/``baseUrl`` aliases of the workspace's tsconfig.json files (``tsconfig.read_path_aliases``)."""
        with self._lock:
            if list(aliases) != self._modules.ts_aliases:
                self._modules.ts_aliases = list(aliases)
                self._lookup.clear()

    def set_go_modules(self, modules: dict[str, str]) -> None:
        """The module path of each ``go.mod`` (by its folder, workspace-relative), for Go import paths."""
        with self._lock:
            if modules != self._modules.go_modules:
                self._modules.go_modules = dict(modules)
                self._lookup.clear()

    def set_include_roots(self, roots: list[str]) -> None:
        """C/C++ include folders of the build (workspace-relative, best first; langs/c_build.py)."""
        with self._lock:
            if list(roots) != self._modules.c_include_roots:
                self._modules.c_include_roots = list(roots)
                self._lookup.clear()

    def __contains__(self, rel_path: str) -> bool:
        with self._lock:
            return rel_path in self._files

    def definitions(self, name: str) -> list[Definition]:
        with self._lock:
            return list(self._by_name.get(name, ()))

    def file_symbols(self, rel_path: str) -> FileSymbols | None:
        with self._lock:
            return self._files.get(rel_path)

    def resolve_import(self, importer: str, binding: ImportBinding) -> tuple[list[Definition], str | None]:
        """What an import binding refers to: (definitions, None) for a name, ([], file) for a module."""
        with self._lock:
            language = symbols_language(importer)
            if language is None:
                return [], None
            target = self._lookup.module_file(importer, binding.module, language)
            if target is None:
                return [], None
            if binding.name is None:
                return [], target
            return self._lookup.resolve_name(target, binding.name, 0, set())

    def candidates_for_cursor(self, rel_path: str, text: str, offset: int, k: int,
                              lookalikes: Sequence[str] | None = None) -> list[Fragment]:
        """The ``k`` definitions from other files the code at ``offset`` most likely needs.

        ``lookalikes``: texts of code windows similar to the cursor's neighbourhood (the BM25 line
        windows), used by the "analog" signal; optional. [] for a language without an extractor.
        """
        ranked, context = self._ranked(rel_path, text, offset, lookalikes)
        out: list[Fragment | None] = []  # None: a member's fragment its class's outline took in
        taken = 0
        seen: set[tuple[str, int]] = set()
        # members inside their class's outline (not Go's methods or Rust's impl blocks, written below the type)
        class_at: dict[tuple[str, str], tuple[int, int, int]] = {}  # (path, class) -> its place in out, its rows
        members_at: dict[tuple[str, str], list[tuple[int, str, int]]] = {}  # (path, class) -> its members' (place, name, row)
        wanted: dict[int, list[str]] = {}  # a class fragment's place -> the members wanted with it, best first
        macros_at: dict[str, tuple[int, int, int]] = {}  # path -> the place of its #define block's fragment, its rows
        after = 0  # candidates read after the k-th fragment
        for cand in ranked:
            d = cand.definition
            key = (d.path, d.start_line)
            if key in seen:
                continue
            seen.add(key)
            enum = self._enum_of(d) if d.container is None and d.kind == "constant" else None
            # a plain enum's constants live in the enclosing scope, but are shown as the enum's members
            owner = (d.path, d.container) if d.container is not None else (d.path, enum.name) if enum else None
            shown = class_at.get(owner) if owner is not None else None  # type: ignore[arg-type]
            if shown is not None and shown[1] <= d.line < shown[2]:  # its class is shown: its outline shows the member
                wanted[shown[0]].append(d.name)
                continue
            if taken >= k:  # the prompt is full: the next ranked members of its classes are still wanted in their outlines
                after += 1
                if after >= MEMBERS_AFTER:
                    break
                continue
            siblings = members_at.get(owner) if owner is not None and d.kind not in ("class", "type") else None
            cls = (enum or self._class_of(d)) if siblings else None
            if cls is not None and (cls.path, cls.start_line) not in seen and cls.start_line <= d.line < cls.end_line:
                inside = [m for m in siblings if cls.start_line <= m[2] < cls.end_line]  # type: ignore[union-attr]
                if inside:  # a second member of a class: the class's outline, cut to both, takes the first's place
                    first = inside[0][0]
                    seen.add((cls.path, cls.start_line))
                    class_at[owner] = (first, cls.start_line, cls.end_line)  # type: ignore[index]
                    wanted[first] = [name for _, name, _ in inside] + [d.name]
                    out[first] = Fragment(path=cls.path, start_line=cls.start_line, end_line=cls.end_line, text=cls.snippet,
                                          score=out[first].score, source="definition")  # type: ignore[union-attr]
                    for place, _, _ in inside[1:]:
                        out[place] = None
                    taken -= len(inside) - 1
                    continue
            if enum is None and d.kind == "constant" and d.container is None and d.snippet.lstrip().startswith("#"):
                near = macros_at.get(d.path)
                place = near[0] if near is not None and near[1] - MACRO_GAP <= d.line <= near[2] + MACRO_GAP and \
                    max(near[2], d.line) - min(near[1], d.line) < MAX_SNIPPET_LINES else None
                if place is not None and out[place] is not None:  # a second macro of the block: one fragment for both
                    lo, hi = min(near[1], d.line), max(near[2], d.line)  # type: ignore[index]
                    out[place] = self._macro_block(d.path, lo, hi, out[place].score)  # type: ignore[union-attr]
                    macros_at[d.path] = (place, lo, hi)
                    continue
                macros_at[d.path] = (len(out), d.line, d.line)
            fragment = Fragment(path=d.path, start_line=d.start_line, end_line=d.end_line, text=d.snippet, score=cand.score,
                                source="definition")
            inside = [m for m in members_at.get((d.path, d.name), ()) if d.start_line <= m[2] < d.end_line] \
                if d.kind in ("class", "type") else []
            if inside:  # members of it were taken first: the class takes the first one's place, cut to all of them
                first = inside[0][0]
                class_at[(d.path, d.name)] = (first, d.start_line, d.end_line)
                wanted[first] = [name for _, name, _ in inside]
                out[first] = replace(fragment, score=out[first].score)  # type: ignore[union-attr]
                for place, _, _ in inside[1:]:
                    out[place] = None
                taken -= len(inside) - 1
                continue
            if d.kind in ("class", "type"):
                class_at[(d.path, d.name)] = (len(out), d.start_line, d.end_line)
                wanted[len(out)] = []
            elif owner is not None:
                members_at.setdefault(owner, []).append((len(out), d.name, d.line))
            out.append(fragment)
            taken += 1
        for place, names in wanted.items():
            fragment = out[place]
            cls = self._definition_at(fragment.path, fragment.start_line) if names and fragment is not None else None
            if cls is not None and context is not None and cls.snippet.count("\n") >= MAX_SNIPPET_LINES:
                out[place] = replace(fragment, text=self._outline_for(cls, context, names).snippet)  # type: ignore[arg-type]
        return [f for f in out if f is not None]

    def _macro_block(self, path: str, lo: int, hi: int, score: float) -> Fragment:
        """The ``#define`` lines of ``path`` from row ``lo`` to ``hi``: a block of related macros (CMD_*, OBJ_*) as one
        fragment, each macro's definition as extracted."""
        symbols = self._files.get(path)
        rows = sorted((d.start_line, d.snippet) for d in (symbols.definitions if symbols is not None else ())
                      if d.container is None and lo <= d.line <= hi and d.snippet.lstrip().startswith("#"))
        end = max((start + snippet.count("\n") + 1 for start, snippet in rows), default=hi + 1)
        return Fragment(path=path, start_line=rows[0][0] if rows else lo, end_line=end,
                        text="\n".join(snippet for _, snippet in dict(rows).items()), score=score, source="definition")

    def _enum_of(self, constant: Definition) -> Definition | None:
        """The enum (C/C++ ``enum E {`` or ``typedef enum {...} E;``) of the same file whose body holds ``constant``,
        a plain enum's constant (no container: it lives in the enclosing scope)."""
        spans = self._enum_spans.get(constant.path)
        if spans is None:
            symbols = self._files.get(constant.path)
            spans = [d for d in symbols.definitions if d.kind in ("class", "type") and
                     _ENUM_HEAD.match(d.snippet)] if symbols is not None else []
            if len(self._enum_spans) >= MAX_OUTLINES_KEPT:
                self._enum_spans.clear()
            self._enum_spans[constant.path] = spans
        return next((d for d in spans if d.start_line < constant.line < d.end_line), None)

    def _class_of(self, member: Definition) -> Definition | None:
        """The class (or struct) of the same file whose member ``member`` is: the nearest of its name above it."""
        return max((c for c in self._by_name.get(member.container or "", ()) if c.kind in ("class", "type")
                    and c.path == member.path and c.start_line <= member.line), key=lambda c: c.start_line, default=None)

    def _definition_at(self, path: str, start_line: int) -> Definition | None:
        symbols = self._files.get(path)
        return next((d for d in symbols.definitions if d.start_line == start_line and d.kind in ("class", "type")), None) \
            if symbols is not None else None

    def rank_candidates(self, rel_path: str, text: str, offset: int, lookalikes: Sequence[str] | None = None,
                        weights: Weights | None = None, sources: frozenset[str] | None = None) -> list[Candidate]:
        """All candidates with their signals, best first. ``sources`` limits how they are gathered
        (``imports``, ``used``, ``bm25``), for measurement."""
        return self._ranked(rel_path, text, offset, lookalikes, weights, sources)[0]

    def _ranked(self, rel_path: str, text: str, offset: int, lookalikes: Sequence[str] | None = None,
                weights: Weights | None = None, sources: frozenset[str] | None = None
                ) -> tuple[list[Candidate], BufferUses | None]:
        """:meth:`rank_candidates` and what the buffer says (its outlines are cut by it)."""
        language = symbols_language(rel_path)
        if language is None:
            return [], None
        rules = language_rules(language)
        weights = weights or self.weights
        offset = max(0, min(offset, len(text)))
        cursor_line = text.count("\n", 0, offset)
        with self._lock:
            bindings, import_rows = import_lines(language, text)
            context = BufferUses(text, cursor_line, import_rows, rules.qualified_members)
            context.imported = {b.local for b in bindings if b.local}
            if rules.declared_types is not None:
                context.visible = self._visible_types(rules.declared_types, text, offset)
            context.type_position = rules.type_position is not None and rules.type_position(text, offset)
            cands: dict[tuple[str, int, str | None], Candidate] = {}
            words = [set(IDENTIFIER.findall(t)) for t in lookalikes] if lookalikes else []
            if sources is None or "imports" in sources:
                self._import_candidates(rel_path, language, bindings, cands, (context.used, *words))
            if sources is None or "used" in sources:
                self._used_candidates(rel_path, context, {b.local for b in bindings if b.local}, cands)
            if rules.own_package is not None and (sources is None or "imports" in sources):
                self._package_candidates(rel_path, rules.own_package(self._lookup, rel_path), cands,
                                         (context.used, *words))
            if sources is None or "bm25" in sources:
                self._bm25_candidates(rel_path, text, cursor_line, cands)
            receiver = receiver_type(text, offset, language)
            enclosing = enclosing_types(text, offset, language)
            if receiver is None and rules.field_typed_receivers:
                receiver = self._field_receiver(text, offset, enclosing)
            if receiver is not None:
                self._receiver_candidates(rel_path, *receiver, cands)
            else:  # ast_nodes.Imp| where ast_nodes is an imported module (or class): its members by that prefix
                _members_at_cursor(text, offset, {b.local for b in bindings if b.local}, cands)
            if rules.typed_names is not None or rules.typed_code is not None:  # out: ConsoleWriter, then out.m()
                typed = declared_receivers(text, offset, language)
                # the function's typed locals: another file's top-level ``out`` is not what they mean
                context.declared = {name for name, (_, _, local) in typed.items() if local}
                for name, (type_name, written, _) in typed.items():
                    if written and (receiver is None or type_name != receiver[0]):
                        self._receiver_candidates(rel_path, type_name, "", cands, owner=name, written=written,
                                                  seen=(context.used, *words))
            for type_name in enclosing:
                self._enclosing_candidates(rel_path, type_name, cands, (context.used, *words))
            if rules.result_type is not None and rules.method_head is not None and rules.own_package is not None:
                self._declared_candidates(rel_path, text, offset, rules, context.imported, cands)
            if language in ("javascript", "typescript"):
                self._listed_from_candidates(rel_path, language, text, offset, cands)
            if rules.result_type is not None and rules.own_package is not None:
                _mark_foreign(rel_path, rules.own_package(self._lookup, rel_path), cands)
            if rules.constructors_named_for_class:
                self._constructors_as_classes(cands)
            fits = rules.cursor_slot(text, offset) if rules.cursor_slot is not None else None
            if fits is not None:  # the line is a type annotation, a decorator (Language.cursor_slot)
                for cand in cands.values():
                    if fits(cand.definition, cand.local):
                        cand.origins.add("slot")
            if rules.declared_here is not None:
                self._named_for_locals(rules.declared_here(text, offset), context.imported, cands)
            best_bm25 = max((c.bm25_score for c in cands.values()), default=0.0)
            signed = signed_weights(weights)
            shares = window_shares(words)
            for cand in cands.values():
                same_name = self._same_name(cand.definition)
                cand.signals = signals_of(cand, context, shares, best_bm25, same_name)
                cand.score = weighted_sum(cand.signals, signed)
                if cand.definition.snippet.count("\n") >= MAX_SNIPPET_LINES:
                    cand.definition = self._outline_for(cand.definition, context)
            ranked = rules.merge_declarations(cands.values())
        return sorted(ranked, key=lambda c: (-c.score, c.definition.path, c.definition.line)), context

    def _outline_for(self, cls: Definition, context: BufferUses, wanted: Sequence[str] = ()) -> Definition:
        """A class outline longer than MAX_SNIPPET_LINES cut to that: its header and docstring rows, then
        the members ``wanted`` (ranked as candidates themselves), then those the code near the cursor names
        (nearest use first), then the others in order."""
        rows = self._outline_rows.get(cls)
        if rows is None:
            member_line: dict[str, str] = {}  # a member's first line -> its name
            for member in self._lookup.class_members(cls):
                first = member.line - member.start_line
                member_lines = member.snippet.split("\n")
                if 0 <= first < len(member_lines):
                    member_line.setdefault(member_lines[first], member.name)
            lines = cls.snippet.split("\n")
            rows = (lines, [member_line.get(line) for line in lines])
            if len(self._outline_rows) >= MAX_OUTLINES_KEPT:
                self._outline_rows.clear()
            self._outline_rows[cls] = rows
        lines, members = rows
        fixed = [i for i, name in enumerate(members) if name is None][:MAX_SNIPPET_LINES - MIN_OUTLINE_MEMBERS]
        slots = MAX_SNIPPET_LINES - len(fixed)
        distance = {i: nearest_distance(context.lines_of(name), context.cursor_line) for i, name in enumerate(members) if name}
        first = {name: rank for rank, name in enumerate(reversed(wanted))}
        chosen = sorted(distance, key=lambda i: (-first.get(members[i], -1), distance[i] is None, distance[i] or 0, i))[:slots]
        keep = sorted(fixed + chosen)
        return cls._replace(snippet="\n".join(lines[i] for i in keep))

    # ---------------------------------------------------------------------------- candidates

    def _add(self, cands: dict, definition: Definition, local: str, owner: str | None, origin: str,
             rel_path: str) -> Candidate | None:
        if definition.path == rel_path or (origin != "star" and self._hidden(definition)):
            return None
        key = (definition.path, definition.line, definition.name)
        cand = cands.get(key)
        if cand is None:
            cand = cands[key] = Candidate(definition, local, owner)
        elif origin == "name":  # a direct import names it as the buffer writes it
            cand.local = local
        if cand.owner is None and owner is not None:
            cand.owner = owner
        cand.origins.add(origin)
        return cand

    def _hidden(self, d: Definition) -> bool:
        """A C/C++ definition only its own source file sees (a static function, a macro or struct of a .c
        file): another file that writes the name means something else (an include of that source file, the
        one way to see it, reaches it as a star import)."""
        hidden = self._unit_only.get(d.path)
        if hidden is None:
            symbols = self._files.get(d.path)
            rules = language_rules(symbols.language) if symbols is not None else None
            hidden = rules.unit_only(symbols) if rules is not None else frozenset()
            self._unit_only[d.path] = hidden
        return (d.line, d.name) in hidden

    def _import_candidates(self, rel_path: str, language: str, bindings: list[ImportBinding], cands: dict,
                           written: Sequence[Collection[str]] = ()) -> None:
        """``written``: the names the buffer and its look-alike windows write (C/C++: a definition reached through
        an include of an include is no candidate otherwise: nothing would rank it)."""
        rules = language_rules(language)

        def add(definition: Definition, local: str, owner: str | None, origin: str) -> Candidate | None:
            return self._add(cands, definition, local, owner, origin, rel_path)

        for binding in bindings:
            if binding.reexport:
                continue
            if rules.import_candidates is not None and rules.import_candidates(self._lookup, rel_path, binding, add):
                continue  # the language's own reading: packages are folders (Java, Go) or namespaces (C#)
            target = self._lookup.module_file(rel_path, binding.module, language)
            if target is None:
                continue
            if binding.star:
                included = rules.includes
                for d in self._lookup.module_members(target):
                    cand = self._add(cands, d, d.name, None, "star", rel_path)
                    if cand is not None and included:  # a declaration the file includes: what the name means here
                        cand.origins.add("resolved")
                if included:
                    self._included_candidates(rel_path, target, cands, written)
                continue
            if binding.name is None:
                module = target
            else:
                defs, module = self._lookup.resolve_name(target, binding.name, 0, set())
                for d in defs:
                    self._add(cands, d, binding.local or d.name, None, "name", rel_path)
                    if d.kind == "class" or (d.kind in ("constant", "variable") and rules.value_members):
                        # its members keep their ambiguity: marked resolved they crowd out the rest (Java 2.6
                        # points of recall@3 worse; Rust, once pub use re-exports resolve, 23 points worse)
                        for member in self._lookup.class_members(_made_by(d))[:MAX_CLASS_MEMBERS]:
                            self._add(cands, member, member.name, binding.local, "member", rel_path)
            if module is not None and binding.local:
                for d in self._lookup.module_members(module)[:MAX_MODULE_MEMBERS]:
                    self._add(cands, d, d.name, binding.local, "module", rel_path)

    def _included_candidates(self, rel_path: str, header: str, cands: dict, written: Sequence[Collection[str]]) -> None:
        """What the headers ``header`` includes declare (three levels down): the buffer sees them as much as what it
        includes itself (log_reader.cc includes log_reader.h, which includes log_format.h's record types), but they
        carry no import signal: there are many more of them, and marked as included they crowded out the direct
        ones (measured: 2 points of recall@3 lower on leveldb, libuv and re2); they rank by use, BM25, analogs, so
        only those ``written`` somewhere are candidates (thousands of them at the cursor cost milliseconds)."""
        key = ("included", header)
        found = self._lookup.cached(key)
        if found is None:
            trail: set[str] = {header}
            seen = {header}
            found, frontier = [], [header]
            for _ in range(3):
                following = []
                for module in frontier:
                    symbols = self._files.get(module)
                    for b in symbols.imports if symbols is not None else ():
                        target = self._lookup.module_file(module, b.module, symbols.language) if b.star else None
                        if target is not None and target not in seen:
                            seen.add(target)
                            following.append(target)
                            trail.add(target)
                            included = self._files.get(target)
                            if included is not None:
                                found.extend(d for d in included.definitions if d.container is None)
                frontier = following
                if len(found) >= 4 * MAX_MODULE_MEMBERS:
                    break
            self._lookup.store(key, found, trail)
        entry = self._included_names.get(id(found))
        if entry is None or entry[0] is not found:
            positions: dict[str, list[int]] = {}
            for i, d in enumerate(found):  # type: ignore[arg-type]
                positions.setdefault(d.name, []).append(i)
            if len(self._included_names) >= MAX_OUTLINES_KEPT:
                self._included_names.clear()
            entry = self._included_names[id(found)] = (found, positions)  # type: ignore[assignment]
        names = entry[1].keys()
        hits = set().union(*(names & (w.keys() if isinstance(w, dict) else w) for w in written))  # C loops
        positions = entry[1]
        for i in sorted(i for name in hits for i in positions[name]):  # in the order of ``found``, as before
            d = found[i]  # type: ignore[index]
            self._add(cands, d, d.name, None, "included", rel_path)

    def _used_candidates(self, rel_path: str, context: BufferUses, imported: set[str], cands: dict) -> None:
        for name in context.near:
            if name in imported:
                continue
            defs = self._by_name.get(name)
            if not defs or (len(defs) > MAX_SAME_NAME and self._same_name(defs[0]) > MAX_SAME_NAME):
                continue
            qualified = context.written_qualified(name)
            for d in defs:
                if d.container is not None and context.accessed is not None and name not in context.accessed:
                    continue  # a member, but the code near the cursor never writes x.name: a local of that name
                if not qualified and context.visible is not None and d.container is not None and \
                        d.container not in context.visible and d.kind not in ("class", "type"):
                    continue  # Java, C#: written bare, but a member of no type whose code this is (a local)
                self._add(cands, d, name, d.container, "used", rel_path)

    def _package_candidates(self, rel_path: str, files: list[str], cands: dict,
                            written: Sequence[Container[str]]) -> None:
        """The top-level names of the buffer's own package (``Language.own_package``), seen without an import:
        those the buffer or its look-alike windows write are candidates (a class of the package used only on the
        line being written is one; the hundreds the code around never writes are not)."""
        if not files:
            return
        names = self._package_table("package", files, lambda d: (d.name,) if d.container is None else ())
        for words in written:
            for name in words:
                for d in names.get(name, ()):  # type: ignore[union-attr]
                    self._add(cands, d, d.name, None, "package", rel_path)

    def _constructors_as_classes(self, cands: dict) -> None:
        """A constructor (Java, C#: a method named for its class) reached by its name is its class reached so: the
        code that writes ``Item`` (``new Item(``, ``Item.of(``, ``Item x``) means the class, whose outline shows the
        constructors' heads among the members the code names. Kept apart, a class's two or three constructors took
        the prompt's fragments before the class and its members came (javapoet: ``TypeName.VOID`` on the line, and
        the three fragments were ClassName's and TypeName's constructors)."""
        for key, cand in list(cands.items()):
            d = cand.definition
            if d.container != d.name or d.kind != "method":
                continue
            cls = max((c for c in self._by_name.get(d.name, ()) if c.kind == "class" and c.path == d.path
                       and c.start_line <= d.line), key=lambda c: c.start_line, default=None)
            if cls is None:  # C++ ``Status::Status(const Status&)`` in status.cc: the class is the header's
                classes = [c for c in self._by_name.get(d.name, ())[:MAX_SAME_NAME] if c.kind == "class"]
                cls = classes[0] if len(classes) == 1 else None
            if cls is None:
                continue
            del cands[key]
            origins = cand.origins - _MEMBER_ONLY  # reached as a member of something: not the class's own ways
            if origins:
                merged = cands.setdefault((cls.path, cls.line, cls.name), Candidate(cls, cand.local))
                merged.origins |= origins
                merged.bm25_score = max(merged.bm25_score, cand.bm25_score)

    def _visible_types(self, declared_types: "Callable[..., dict[str, list[str]]]", text: str, offset: int) -> set[str]:
        """The types whose members the buffer's code may write bare: those it declares (or instantiates with a
        body around the cursor: ``new T() {``), and their supertypes, followed through the workspace's classes of
        those names (a few levels)."""
        declared = declared_types(text, (max(0, offset - ANONYMOUS_CHARS), min(len(text), offset + ANONYMOUS_CHARS // 4)))
        # a declared type with no bases read is looked up too: C++'s ``DBImpl::Get(`` declares DBImpl in the header
        visible: set[str] = {name for name, bases in declared.items() if bases}
        frontier = [base for bases in declared.values() for base in bases] + \
            [name for name, bases in declared.items() if not bases]
        for _ in range(MAX_SUPERTYPE_DEPTH):
            following: list[str] = []
            for name in frontier:
                if name in visible:
                    continue
                visible.add(name)
                for cls in self._by_name.get(name, ())[:MAX_SAME_NAME]:
                    if cls.kind == "class":
                        bases = self._bases.get(cls)
                        if bases is None:
                            if len(self._bases) >= MAX_OUTLINES_KEPT:
                                self._bases.clear()
                            bases = self._bases[cls] = declared_types(cls.snippet).get(cls.name, [])
                        following.extend(bases)
            if not following:
                break
            frontier = following
        return visible

    def _same_name(self, d: Definition) -> int:
        """How many definitions of the workspace carry ``d``'s name, a class's constructors not counted (they are
        its own members: ``Language.constructors_named_for_class``), but at least 1."""
        defs = self._by_name.get(d.name, ())
        count = len(defs)
        if count < 2 or count > 4 * MAX_SAME_NAME or not (d.kind in ("class", "type") or d.container == d.name):
            return count  # no class or constructor of that name; or so many that the penalty hardly moves
        constructors = 0
        for other in defs:
            if other.container == other.name:
                symbols = self._files.get(other.path)
                rules = language_rules(symbols.language) if symbols is not None else None
                constructors += rules is not None and rules.constructors_named_for_class
        return max(1, count - constructors)

    def _receiver_candidates(self, rel_path: str, type_name: str, prefix: str, cands: dict,
                             owner: str | None = None, written: "set[str] | frozenset[str]" = frozenset(),
                             seen: Sequence[Container[str]] = ()) -> None:
        """``obj.`` at the cursor and obj's type is declared in the buffer: that type's members (of the
        definition the buffer imports by name when it does: another crate's type of the same name is not it).
        ``owner``: instead, a typed name whose members the code near the cursor uses (``out: T``, then
        ``out.m()``): T's members are candidates reached through it, as a module's members, not marked receivers
        (marked, all of them or those written near the cursor outranked what the line needed: symbols_eval Python
        half B recall@3 45.7 -> 41.4 or 44.0); only when one of the members ``written`` after it near the cursor
        is the type's (``cart.ToString()`` says nothing of which Cart the line needs). ``seen``: see
        :func:`_capped`."""
        imported = [c.definition for c in cands.values() if "name" in c.origins and c.definition.name == type_name]
        types = list(imported or self._by_name.get(type_name, ())[:MAX_SAME_NAME])
        for alias in list(types):  # C: typedef struct uv_loop_s uv_loop_t; the members are uv_loop_s's
            tag = TYPEDEF_TAG.search(alias.snippet) if alias.kind == "type" else None
            if tag is not None and tag.group(1) != type_name:
                types += [d for d in self._by_name.get(tag.group(1), ())[:MAX_SAME_NAME] if d.kind == "class"]
        for cls in types:
            if cls.kind not in ("class", "type"):
                continue
            members = self._lookup.class_members(cls)
            if owner is not None and not any(member.name in written for member in members):
                continue
            for member in _capped(members, seen):
                if owner is not None and member.name == cls.name:
                    continue  # a constructor (Java, C#, C++) is no method of the value: out.Writer() is not code
                if member.name.startswith(prefix):
                    cand = self._add(cands, member, member.name, owner or type_name, "member" if owner else "receiver",
                                     rel_path)
                    if cand is None:
                        continue
                    if owner is None:
                        cand.origins.add("receiver")
                    else:  # owner proximity: how near the code uses the typed name
                        cand.owner = owner

    def _declared_candidates(self, rel_path: str, text: str, offset: int, rules, imported: set[str],
                             cands: dict) -> None:
        """Go declares every local before its use: a name the code below the cursor uses that its function never
        wrote above is declared on the cursor's line (``declared_at_cursor``). The members written after it below
        say its type (the type that has most of them; of several tied, the interfaces among them); that type and
        the functions of its package returning it (``func New() *Viper``) are what the line writes: candidates
        marked ``declares``. Named like the local (most of their name's parts are the local's: ``osFs``,
        ``NewOsFs``), the package's functions and types and the candidates so far are ``at_cursor`` too."""
        below = declared_at_cursor(text, offset, rules.method_head)
        if not below:
            return
        own_files = rules.own_package(self._lookup, rel_path)
        own = set(own_files) | {rel_path}
        reachable: set[str] | None = None  # the files of the imports' candidates, read once a type needs it
        for name, members in below.items():
            if name in imported or any(d.container is None and d.path in own and d.kind != "variable"
                                       for d in self._by_name.get(name, ())):
                continue  # an import, or a function, type or constant of the package (a package variable's name is
                # often declared again: ``v := New()`` beside ``var v *Viper``)
            parts = _name_parts(name) if len(name) > 2 and name not in _VAGUE_LOCALS else frozenset()
            for type_name in self._type_of_members(members):
                for cls in self._by_name.get(type_name, ())[:MAX_SAME_NAME]:
                    if cls.kind not in ("class", "type"):
                        continue
                    if cls.path not in own:
                        if reachable is None:
                            reachable = {c.definition.path for c in cands.values() if not c.origins.isdisjoint(IMPORTED)}
                        if cls.path not in reachable:
                            continue  # another package's type of that name, which the file does not import
                    for d in [cls, *self._returning(cls, rules.result_type)]:
                        cand = self._add(cands, d, d.name, None, "declares", rel_path)
                        if cand is not None and d.path in own:  # written bare, as the package's other names
                            cand.origins.add("package")
            if parts:
                for d in self._named_like(own_files, parts):
                    self._add(cands, d, d.name, None, "package", rel_path)
                for cand in cands.values():
                    if cand.definition.container is None and _named_like(parts, cand.definition.name):
                        cand.origins.add("at_cursor")

    def _type_of_members(self, members: set[str]) -> list[str]:
        """The types with most of ``members`` (a method or field each); of several tied, the interfaces among them
        (every implementation of ``Fs`` has ``OpenFile``); [] when more than MAX_DECLARED_TYPES stay tied."""
        votes: dict[str, int] = {}
        for member in members:
            for container in {d.container for d in self._by_name.get(member, ())[:4 * MAX_SAME_NAME] if d.container}:
                votes[container] = votes.get(container, 0) + 1
        if not votes:
            return []
        most = max(votes.values())
        types = [t for t, v in votes.items() if v == most]
        if len(types) > 1:
            interfaces = [t for t in types if any(_INTERFACE.search(d.snippet) for d in self._by_name.get(t, ())[:4]
                                                  if d.kind == "class")]
            types = interfaces or types
        return types if len(types) <= MAX_DECLARED_TYPES else []

    def _package_table(self, kind: str, files: Sequence[str],
                       keys_of: Callable[[Definition], Iterable[str]]) -> dict[str, list[Definition]]:
        """The definitions of ``files`` (a package) by each key ``keys_of`` gives them, kept in the lookup cache
        (dropped when one of the files changes)."""
        key = (kind, tuple(files))
        table = self._lookup.cached(key)
        if table is None:
            table = {}
            for path in files:
                symbols = self._files.get(path)
                for d in symbols.definitions if symbols is not None else ():
                    for k in keys_of(d):
                        table.setdefault(k, []).append(d)
            self._lookup.store(key, table, set(files))
        return table

    def _named_like(self, files: list[str], parts: frozenset[str]) -> list[Definition]:
        """The top-level functions and types of the package (``files``) named like a local with name ``parts``."""
        table = self._package_table("parts", files, lambda d: _name_parts(d.name) if d.container is None and
                                    d.kind in ("function", "class", "type") else ())
        rarest = min((table.get(p, []) for p in parts), key=len)  # type: ignore[union-attr]
        return [d for d in rarest if _named_like(parts, d.name)][:MAX_SAME_NAME]

    @staticmethod
    def _named_for_locals(declared: set[str], imported: set[str], cands: dict) -> None:
        """The cursor's line declares ``declared`` (``Language.declared_here``; imports and the candidates' own
        names dropped): the candidates whose names hold one of them (``app``: get_app, ``key_bindings``:
        KeyBindings, ``state``: CodegenState) are what the line calls or annotates it with (``named``)."""
        taken = {c.local for c in cands.values()}
        wanted = []
        for name in declared - imported - taken:
            parts = _name_parts(name)
            if parts:
                wanted.append((name.replace("_", ""), parts))
        if not wanted:
            return
        for cand in cands.values():
            joined = cand.definition.name.lower().replace("_", "")
            parts = None
            for name, name_parts in wanted:
                if joined == name:
                    cand.origins.add("named")
                    break
                parts = _name_parts(cand.definition.name) if parts is None else parts
                if name_parts <= parts:
                    cand.origins.add("named")
                    break

    def _returning(self, cls: Definition, result_type) -> list[Definition]:
        """The top-level functions of ``cls``'s package (its folder) whose first result is ``cls``'s type (or a
        pointer to it): its constructors. Cached per folder with the files read."""
        files = self._modules.folder_files(cls.path, symbols_language(cls.path) or "")
        key = ("returning", tuple(files))
        table = self._lookup.cached(key)
        if table is None:
            table = {}
            for path in files:
                symbols = self._files.get(path)
                for d in symbols.definitions if symbols is not None else ():
                    if d.kind == "function" and d.container is None:
                        rows = d.snippet.split("\n")
                        found = result_type("\n".join(rows[max(0, d.line - d.start_line):]))
                        if found:
                            table.setdefault(found, []).append(d)
            self._lookup.store(key, table, set(files))
        return table.get(cls.name, [])  # type: ignore[union-attr]

    def _field_receiver(self, text: str, offset: int, enclosing: list[str]) -> tuple[str, str] | None:
        """``field.``/``field->``/``self.field.`` at the cursor where ``field`` is a member declared in another
        file (C++ ``VersionSet* versions_;`` in the header, a Rust struct's ``config: Config``): (its type, prefix).
        The member of the type the cursor's method belongs to first, else the only member of that name."""
        line_start = text.rfind("\n", 0, offset) + 1
        match = MEMBER_AT_CURSOR.search(text, line_start, offset)
        if match is None or match.group(1) in ("self", "this", "super", "cls"):
            return None
        field = match.group(1)
        members = [d for d in self._by_name.get(field, ())[:MAX_SAME_NAME] if d.kind == "attribute"]
        own = [d for d in members if d.container in enclosing]
        chosen = own or (members if len(members) == 1 else [])
        for d in chosen:
            rows = d.snippet.split("\n")
            found = FIELD_TYPE.search(rows[d.line - d.start_line]) if 0 <= d.line - d.start_line < len(rows) else None
            for candidate in (found.groups() if found is not None else ()):
                if candidate and candidate != field:
                    return candidate, match.group(2) or ""
        return None

    def _enclosing_candidates(self, rel_path: str, type_name: str, cands: dict,
                              seen: Sequence[Container[str]] = ()) -> None:
        """The cursor is in a method of ``type_name`` (C++ ``T::m() {``, Rust ``impl [Trait for] T``, Go
        ``func (s *T) m() {``) whose class is declared elsewhere (its header, another module, another file of the
        package): its members, reached as ``this``/``self``'s (``seen``: see :func:`_capped`)."""
        for cls in self._by_name.get(type_name, ())[:MAX_SAME_NAME]:
            if cls.kind in ("class", "type") and cls.path != rel_path:
                for member in _capped(self._lookup.class_members(cls), seen):
                    self._add(cands, member, member.name, type_name, "member", rel_path)

    def _listed_from_candidates(self, rel_path: str, language: str, text: str, offset: int, cands: dict) -> None:
        """The cursor inside ``export {A, B, | C} from './m'`` (or ``import {...} from``, a barrel file's lists): the
        line names what module ./m exports and the list does not name yet; the names it lists are written already."""
        head = _LIST_HEAD.search(text, max(0, offset - 4000), offset)
        tail = _LIST_TAIL.match(text, offset) if head is not None else None
        if head is None or tail is None:
            return
        brace = text.index("{", head.start()) + 1  # the head's match runs to the cursor: the list starts here
        before, after = _COMMENT.sub(" ", text[brace:offset]), _COMMENT.sub(" ", text[offset:tail.start(1)])
        listed = set(IDENTIFIER.findall(before)) | set(IDENTIFIER.findall(after))
        module = self._lookup.module_file(rel_path, tail.group(2), language)
        if module is None:
            return
        for key in [k for k, c in cands.items() if c.local in listed]:
            del cands[key]  # a name the list already writes is not what the line adds to it (TS: no duplicates)
        members = self._lookup.module_members(module)[:MAX_MODULE_MEMBERS]
        fits = _list_gap(before, after, [d.name for d in members])
        for d in members:
            if d.name not in listed:
                cand = self._add(cands, d, d.name, None, "module", rel_path)
                if cand is not None:
                    cand.origins.add("receiver")
                    if fits(d.name):  # the list's own order (sorted, or m's) puts it at the cursor
                        cand.origins.add("at_cursor")

    def _bm25_candidates(self, rel_path: str, text: str, cursor_line: int, cands: dict) -> None:
        terms = query_terms(text, cursor_line)
        if not terms or not self._ids:
            return
        for score, ident in self._bm25.search(terms, BM25_HITS + 10):
            definition = self._ids.get(ident)
            if definition is None:
                continue
            cand = self._add(cands, definition, definition.name, definition.container, "bm25", rel_path)
            if cand is not None:
                cand.bm25_score = max(cand.bm25_score, score)




# ``export {`` / ``import type {`` ... with no brace between it and the cursor; then the list's end and its ``from``
_LIST_HEAD = re.compile(r"\b(?:export|import)(?:[ \t]+type)?[ \t]*\{[^{}]*\Z")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_LIST_TAIL = re.compile(r"[^{}]*(\})\s*from\s*['\"]([^'\"\n]+)['\"]")


def _list_gap(before_text: str, after_text: str, order: list[str]) -> Callable[[str], bool]:
    """Whether a name belongs between the list's names around the cursor (the list's text before and after it,
    comments blanked): barrels keep their lists sorted (case-insensitively) or in module m's declaration order,
    so the missing name sits in that gap."""
    before = [w for w in IDENTIFIER.findall(before_text) if w not in ("type", "as")]
    after = [w for w in IDENTIFIER.findall(after_text) if w not in ("type", "as")]
    prev, nxt = (before[-1] if before else None), (after[0] if after else None)
    if prev is None and nxt is None:
        return lambda name: False
    if prev is not None and nxt is not None and prev.lower() < nxt.lower():  # a sorted list
        return lambda name: prev.lower() < name.lower() < nxt.lower()
    position = {name: i for i, name in reversed(list(enumerate(order)))}  # a name's first place in m

    def fits(name: str) -> bool:
        at, lo, hi = position.get(name), position.get(prev or ""), position.get(nxt or "")
        return at is not None and (lo is not None or hi is not None) and \
            (lo is None or lo < at) and (hi is None or at < hi)
    return fits


def _mark_foreign(rel_path: str, own_files: list[str], cands: dict) -> None:
    """Go writes another package's top-level names only through an import (``pkg.Name``): a top-level candidate
    of a folder that is neither the file's own package nor one it imports is ``foreign``, and its name written bare
    near the cursor is something else (a local ``rootCmd``, not doc/cmd_test.go's)."""
    visible = set(own_files)
    visible.add(rel_path)
    visible.update(c.definition.path for c in cands.values() if not c.origins.isdisjoint(IMPORTED))
    folders = {posixpath.dirname(p) for p in visible}
    foreign: dict[str, bool] = {}  # path -> outside those folders (hundreds of candidates, a few dozen files)
    for cand in cands.values():
        d = cand.definition
        if d.container is None and d.path not in visible:
            out = foreign.get(d.path)
            if out is None:
                out = foreign[d.path] = posixpath.dirname(d.path) not in folders
            if out:
                cand.origins.add("foreign")


MAX_DECLARED_TYPES = 4  # types tied for a local's members beyond which they say nothing of its type
_INTERFACE = re.compile(r"^type\s+\w+(?:\[[^\]]*\])?\s+interface\b", re.M)
_VAGUE_LOCALS = frozenset({"err", "ctx", "got", "want", "res", "ret", "val", "tmp", "out", "buf", "key", "args"})


def _named_like(parts: frozenset[str], name: str) -> bool:
    """A local with name ``parts`` is named for ``name``: they are all of its parts, and at least half of them."""
    theirs = _name_parts(name)
    if len(parts) == 1:  # one word (file, info) is in too many names: only the name that is that word
        return parts == theirs
    return parts <= theirs and 2 * len(parts) >= len(theirs)


def _name_parts(name: str) -> frozenset[str]:
    """The lower-cased camel/snake parts of a name, of two letters or more, but ``new`` (``osFs``: os, fs)."""
    parts = (p.lower() for piece in name.split("_") for p in _CAMEL.findall(piece))
    return frozenset(p for p in parts if len(p) > 1 and p != "new")


def _capped(members: list[Definition], seen: Sequence[Container[str]]) -> list[Definition]:
    """The first MAX_CLASS_MEMBERS of a class's ``members``, then those past it that the buffer or its look-alike
    windows write (``seen``): a large type's (a Go server's methods in twenty files, a C config struct of 300
    fields) wanted member is rarely among its first rows."""
    if len(members) <= MAX_CLASS_MEMBERS or not seen:
        return members[:MAX_CLASS_MEMBERS]
    return members[:MAX_CLASS_MEMBERS] + [m for m in members[MAX_CLASS_MEMBERS:] if any(m.name in w for w in seen)]


def _members_at_cursor(text: str, offset: int, imported: set[str], cands: dict) -> None:
    """``alias.pre|`` at the cursor, ``alias`` bound by an import to a module or a class: the candidates reached
    through it whose names start with ``pre`` are what the line writes, whatever their siblings' uses nearby
    (marked as a declared receiver's members are)."""
    line_start = text.rfind("\n", 0, offset) + 1
    match = MEMBER_AT_CURSOR.search(text, line_start, offset)
    if match is None or match.group(1) not in imported:
        return
    alias, prefix = match.group(1), match.group(2) or ""
    for cand in cands.values():
        if cand.owner == alias and cand.origins & {"module", "member"} and cand.definition.name.startswith(prefix):
            cand.origins.add("receiver")
            if prefix:  # the name being written at the cursor: a use of it on the cursor's line
                cand.origins.add("at_cursor")


MACRO_GAP = 8  # rows between two macros of a header that the prompt shows as one block
_ENUM_HEAD = re.compile(r"\s*(?:typedef\s+)?enum\b")
_MEMBER_ONLY = frozenset({"member", "receiver", "at_cursor"})
_MADE_BY = re.compile(r"=\s*(?:new\s+)?([A-Za-z_$][\w$]*)\s*[(<]")


def _made_by(d: Definition) -> Definition:
    """For a JS ``const store = createStore()`` / ``= new Store()``: the definition as if named for the
    factory or class of its file whose members the instance has; other definitions as they are."""
    if d.kind not in ("constant", "variable"):
        return d
    found = _MADE_BY.search(d.snippet)
    return d._replace(name=found.group(1)) if found else d


def _interface(symbols: FileSymbols) -> tuple:
    """What other files' import resolution depends on: definition names and order, imports, default export."""
    return (
        tuple((d.name, d.kind, d.container) for d in symbols.definitions),
        tuple((b.local, b.module, b.name, b.star, b.reexport) for b in symbols.imports),
        symbols.default_export,
        tuple(symbols.packages),
    )

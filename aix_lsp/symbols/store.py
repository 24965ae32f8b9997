"""The symbol table of a workspace folder saved in the cache folder, so that a restart parses only what changed.

One folder per workspace root (and format) under the cache dir, beside the BM25 index: ``table.marshal``
(every file's definitions and imports, its (mtime_ns, size) when it was read, and the ids of its
definitions in the BM25 index) and ``bm25/`` (the tantivy index of the definitions, see
:class:`SymbolIndex`). The two carry the same generation number; a table whose index does not match is
not taken. ``marshal`` rather than pickle: plain tuples load several times faster than objects, and a
damaged or foreign file cannot run code. Anything wrong with the file (damaged, another format, another
Python) is logged and the table is built again; loading never raises.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import marshal
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .index import SavedTable
from .model import Definition, FileSymbols, ImportBinding

log = logging.getLogger(__name__)

FORMAT = 2  # 2: C# namespaces (FileSymbols.packages). Bump when the layout of what is saved changes


def _extractor_fingerprint() -> str:
    """A digest of the code that decides what a file's symbols are (extract.py, model.py, langs/): a table
    saved by another version of it is built again, without anyone having to remember to bump FORMAT."""
    here = Path(__file__).parent
    digest = hashlib.sha1()
    for source in sorted([here / "extract.py", here / "model.py", *(here / "langs").glob("*.py")]):
        try:
            digest.update(source.name.encode() + source.read_bytes())
        except OSError:
            digest.update(source.name.encode())
    return digest.hexdigest()[:16]


# marshal's format may change between Pythons, and the extractor between releases
_HEADER = ("aix-lsp-symbols", FORMAT, sys.version_info[:2], _extractor_fingerprint())
TABLE_FILE = "table.marshal"
BM25_DIR = "bm25"

Stats = dict[str, tuple[int, int]]  # rel path -> (mtime_ns, size) when read; (-1, -1) for an editor's text


def store_dir(cache_dir: Path, root: Path) -> Path:
    """The folder of ``root``'s saved table under ``cache_dir``."""
    real = os.path.realpath(root)
    digest = hashlib.sha1(real.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return Path(cache_dir) / f"symbols-{Path(real).name[:40] or 'root'}-{digest}-v{FORMAT}"


def load(folder: Path, root: Path) -> tuple[SavedTable, Stats] | None:
    """The saved table of ``root`` in ``folder`` and the stats of its files, or None (none, or unusable)."""
    path = Path(folder) / TABLE_FILE
    try:
        with open(path, "rb") as f:
            data = f.read()  # marshal.loads of the bytes: five times faster than marshal.load on the file
        with no_gc():
            header, saved_root, generation, next_id, rows = marshal.loads(data)
        del data
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged, truncated, not ours: built again. str(exc) in logs: a record holding
        # the exception would keep its frames, and so the caller's index (and its folder lock), alive
        log.warning("symbols: saved table %s is unreadable (%s: %s); building it again", path, type(exc).__name__, str(exc))
        return None
    if tuple(header) != tuple(_HEADER):  # expected after an upgrade: not a warning
        log.info("symbols: saved table %s was written by another version of aix-lsp or Python; building it again", path)
        return None
    if saved_root != os.path.realpath(root):
        log.warning("symbols: saved table %s belongs to another folder (%s); building it again", path, saved_root)
        return None
    try:
        files: dict[str, FileSymbols] = {}
        ids: dict[str, list[int]] = {}
        stats: Stats = {}
        new_def = tuple.__new__  # what Definition._make does, without the length check per row
        with no_gc():
            for rel, mtime, size, language, default_export, defs, imports, file_ids, packages in rows:
                files[rel] = FileSymbols(rel, language, [new_def(Definition, d) for d in defs],
                                         [ImportBinding._make(b) for b in imports], default_export, list(packages))
                ids[rel] = list(file_ids)
                stats[rel] = (mtime, size)
        return (files, ids, int(next_id), int(generation)), stats
    except Exception as exc:
        log.warning("symbols: saved table %s is damaged (%s: %s); building it again", path, type(exc).__name__, str(exc))
        return None


def save(folder: Path, root: Path, saved: SavedTable, stats: Stats) -> bool:
    """Write the table (atomically: a reader sees the old file or the new one). False when it cannot be written."""
    files, ids, next_id, generation = saved
    rows = [
        (rel, *stats.get(rel, (-1, -1)), s.language, s.default_export, [tuple(d) for d in s.definitions],
         [tuple(b) for b in s.imports], ids.get(rel, []), list(s.packages))
        for rel, s in files.items()
    ]
    path = Path(folder) / TABLE_FILE
    tmp = path.with_name(f"{TABLE_FILE}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            marshal.dump((_HEADER, os.path.realpath(root), generation, next_id, rows), f)
        os.replace(tmp, path)
        return True
    except Exception as exc:
        log.warning("symbols: cannot save the table of %s in %s: %s", root, folder, str(exc))
        try:
            tmp.unlink()
        except OSError:
            pass
        return False


@contextmanager
def no_gc() -> Iterator[None]:
    """No cyclic GC while ~100k tuples are made: they hold no cycles, and each collection pass would walk
    them all again (a third of the load time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def new_generation() -> int:
    return time.time_ns()

"""The BM25 (tantivy) index of a folder's definitions: one document per definition (its id, its file, the
code tokens of its name and snippet), persisted beside the saved table (``store.py``) and stamped with that
table's generation, so that a restart takes both back without indexing every definition again."""

from __future__ import annotations

import logging
from pathlib import Path

import tantivy

log = logging.getLogger(__name__)

STAMP_PATH = "\x00stamp"  # the path of the one document whose id is the generation of the saved table (store.py)


class DefinitionsBM25:
    """Not thread-safe: :class:`~aix_lsp.symbols.index.SymbolIndex` holds its lock around every call."""

    def __init__(self, store_dir: Path | None = None) -> None:
        """``store_dir``: on disk there; in memory when None or when that folder cannot be used (another
        process holds it, damaged, unwritable). :attr:`persistent` says which."""
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True)
        builder.add_text_field("path", stored=False, tokenizer_name="raw")
        builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
        self._schema = builder.build()
        self.persistent = False
        self._lock_file = None  # flock on the store folder: ours while the writer comes and goes (closed with us)
        self._closed = False
        self._tantivy, self._writer = self._open_tantivy(store_dir)
        self.uncommitted = False
        self._stamp: int | None = None  # generation of the saved table the disk index matches; None once changed

    def _open_tantivy(self, store_dir: Path | None):
        if store_dir is not None:
            try:
                Path(store_dir).mkdir(parents=True, exist_ok=True)
                self._take_lock(Path(store_dir))
                index = tantivy.Index(self._schema, path=str(store_dir), reuse=True)
                writer = index.writer(heap_size=15_000_000, num_threads=1)
                self.persistent = True
                return index, writer
            except Exception as exc:  # locked by another process, damaged, unwritable: the memory index works
                self._drop_lock()
                log.info("symbols: BM25 index of definitions kept in memory (%s: %s)", store_dir, str(exc))
        index = tantivy.Index(self._schema)
        return index, index.writer(heap_size=15_000_000, num_threads=1)

    def _take_lock(self, store_dir: Path) -> None:
        """Hold a lock file of ours on ``store_dir`` for this index's life, so that its tantivy writer (an
        arena and seven threads) can be let go of while idle without another process taking the folder."""
        try:
            import fcntl
        except ImportError:  # Windows: the writer is the lock and is kept (release_writer is a no-op)
            return
        # a file object, not a bare descriptor: an index dropped without close() still lets go of the lock
        lock_file = open(store_dir / "aix-lsp.lock", "a+b")
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock_file.close()
            raise
        self._lock_file = lock_file

    def _drop_lock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the descriptor releases the flock
            self._lock_file = None

    def _get_writer(self):
        """The writer, started again after :meth:`release_writer`; a closed index takes no more updates."""
        if self._writer is None:
            if self._closed:
                raise RuntimeError("the symbol index is closed")
            self._writer = self._tantivy.writer(heap_size=15_000_000, num_threads=1)
        return self._writer

    def release_writer(self) -> None:
        """Commit what is pending and let go of the writer while nothing is written: its arena and threads
        go back (200 idle folders held ~1,600 threads and ~1 GB in writers). The next update starts one.
        Kept where the writer is the only lock (a persisted index without flock)."""
        if self._writer is None or (self.persistent and self._lock_file is None):
            return
        if self.uncommitted:
            self.commit()
        self._writer = None

    def clear(self) -> None:
        """Drop every document, committed (what the disk index holds belongs to no table we have)."""
        self._get_writer().delete_all_documents()
        self._get_writer().commit()
        self._tantivy.reload()

    def add(self, ident: int, rel_path: str, body: str) -> None:
        self._get_writer().add_document(tantivy.Document(id=ident, path=rel_path, body=body))
        self.uncommitted = True

    def remove_file(self, rel_path: str) -> None:
        self._get_writer().delete_documents_by_term("path", rel_path)
        self.uncommitted = True

    def commit(self) -> None:
        if self._stamp is not None:  # the disk index no longer matches the saved table: a restore must not trust it
            self._get_writer().delete_documents_by_term("path", STAMP_PATH)
            self._stamp = None
        self._get_writer().commit()
        self._tantivy.reload()
        self.uncommitted = False

    def close(self) -> None:
        """Commit what is pending and let go of the writer, so that the next index on the same folder (a
        restarted workspace folder) opens the disk index instead of building one in memory. Searches still
        read the last commit; updates after this fail."""
        self._closed = True  # (a released writer left nothing uncommitted)
        writer, self._writer = self._writer, None
        if writer is None:
            self._drop_lock()
            return
        try:
            if self.uncommitted:
                if self._stamp is not None:  # as commit: the disk index no longer matches the saved table
                    writer.delete_documents_by_term("path", STAMP_PATH)
                    self._stamp = None
                writer.commit()
                self.uncommitted = False
                self._tantivy.reload()
        finally:
            del writer  # the last reference: tantivy's directory lock goes with it
            self._drop_lock()

    def stamp(self, generation: int) -> None:
        """Commit, and mark the disk index as the one of the table saved as ``generation``."""
        self.commit()
        self._get_writer().add_document(tantivy.Document(id=generation, path=STAMP_PATH))
        self._get_writer().commit()
        self._tantivy.reload()
        self._stamp = generation

    def restored(self, generation: int) -> None:
        """The table saved as ``generation`` was taken back: the disk index is still its."""
        self._stamp = generation

    def disk_generation(self) -> int | None:
        searcher = self._tantivy.searcher()
        hits = searcher.search(tantivy.Query.term_query(self._schema, "path", STAMP_PATH), 2).hits
        if len(hits) != 1:
            return None
        return int(searcher.doc(hits[0][1])["id"][0])

    def search(self, terms: list[str], limit: int) -> list[tuple[float, int]]:
        """(score, definition id) of the best ``limit`` definitions for any of ``terms``, best first."""
        if self.uncommitted:
            self.commit()
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self._schema, "body", t)) for t in terms]
        )
        searcher = self._tantivy.searcher()
        return [(score, searcher.doc(address)["id"][0]) for score, address in searcher.search(query, limit).hits]

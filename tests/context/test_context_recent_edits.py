"""The third source, recently edited code (setting retrieval_recent_edits, off by default): the last edited
lines of other open files come first; never the current file's, never a secret file's."""

from __future__ import annotations

from pathlib import Path

from aix_lsp.config import Settings
from aix_lsp.context_sources import open_context
from aix_lsp.recent_edits.source import edited_lines


def test_edited_lines() -> None:
    assert edited_lines("a\nb\nc\n", "a\nb\nc\n") is None
    assert edited_lines("a\nb\nc\n", "a\nB\nc\n") == (1, 2)
    assert edited_lines("a\nb\nc\n", "a\nb\nnew\nmore\nc\n") == (2, 4)  # an insertion
    assert edited_lines("a\nb\nc\n", "a\nc\n") == (1, 2)  # a deletion: the line where it happened
    assert edited_lines("", "x = 1") == (0, 1)


def words(text: str) -> int:
    return len(text.split())


def lines(n: int, name: str) -> str:
    return "".join(f"{name}_{i} = compute_{name}({i})\n" for i in range(n))


def test_the_last_edit_of_another_file_comes_first(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "billing.py").write_text(lines(60, "billing"))
    (root / "main.py").write_text(lines(5, "main"))
    (root / ".env").write_text("API_TOKEN=abc\n")
    main = (root / "main.py").read_text()
    for enabled in (False, True):
        svc = open_context(Settings(retrieval_mode="bm25", retrieval_recent_edits=enabled), cache_dir=tmp_path / f"cache{enabled}")
        try:
            svc.workspace.add_folder(root)
            assert svc.workspace.wait_ready(120)
            edited = lines(60, "billing").replace("billing_30 = compute_billing(30)", "invoice_total = apply_discount(30)")
            svc.on_document_edited(root / "billing.py", edited)
            svc.on_document_edited(root / ".env", "API_TOKEN=secret-value\n")
            svc.on_document_edited(root / "main.py", main + "edited_here = 1\n")
            found = svc.context_for(root / "main.py", main, len(main), words)
            recent = [f for f in found if f.source == "recent"]
            if not enabled:
                assert recent == []
                continue
            assert found[0].source == "recent" and found[0].path == "billing.py"
            assert "invoice_total = apply_discount(30)" in found[0].text and found[0].start_line <= 30 < found[0].end_line
            assert found[0].end_line - found[0].start_line <= 20
            assert all(f.path not in ("main.py", ".env") for f in recent)  # the current file, a secret file: never
        finally:
            svc.workspace.close(30)

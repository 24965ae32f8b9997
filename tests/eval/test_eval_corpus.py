"""The pinned corpus of benchmarks/symbols_eval.py (benchmarks/eval_corpus.py): an archive whose sha256 is not
the pinned one is refused, a member escaping the target refuses the archive, links are never created or
followed, and a second fetch downloads nothing. Local files only (file: URLs), no network."""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import eval_corpus as C  # noqa: E402


def _tar(path: Path, members: list[tuple[str, bytes | None, str | None]]) -> Path:
    """A .tar.gz of (name, content, link target): content None and a target make a symlink."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data, link in members:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tar.addfile(info)
            else:
                info.size = len(data or b"")
                tar.addfile(info, io.BytesIO(data or b""))
    return path


def _entry(archive: Path, sha: str | None = None, folder: str = "pkg") -> C.Entry:
    digest = sha or hashlib.sha256(archive.read_bytes()).hexdigest()
    return C.Entry("demo", "python", "new", f"file://{archive}", digest, folder, (".py",), prefix="demo")


def test_an_archive_whose_sha256_is_not_the_pinned_one_is_refused_and_not_kept(tmp_path):
    archive = _tar(tmp_path / "demo-1.0.tar.gz", [("pkg/a.py", b"def a():\n    pass\n", None)])
    entry = _entry(archive, sha="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(C.CorpusError, match="sha256 mismatch"):
        C.ensure(entry, cache)
    assert not any((cache / "archives").iterdir())  # neither the download nor a partial file stays
    assert not (cache / "src").exists()


def test_a_member_escaping_the_target_refuses_the_whole_archive(tmp_path):
    for bad in ("../evil.py", "pkg/../../evil.py", "/tmp/evil-abs.py"):
        archive = _tar(tmp_path / "bad.tar.gz", [("pkg/a.py", b"x = 1\n", None), (bad, b"owned = 1\n", None)])
        target = tmp_path / "out"
        with pytest.raises(C.CorpusError, match="escapes the target"):
            C.safe_extract(archive, target)
        assert not (tmp_path / "evil.py").exists() and not Path("/tmp/evil-abs.py").exists()
        assert not (target / "pkg/a.py").exists()  # checked before anything is written


def test_links_are_never_created_nor_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = _tar(tmp_path / "links.tar.gz", [
        ("pkg/a.py", b"x = 1\n", None),
        ("pkg/link.py", None, "/etc/passwd"),  # a link: never created
        ("pkg/up", None, str(outside)),  # a folder link, then a file "inside" it
        ("pkg/up/b.py", b"owned = 1\n", None),
    ])
    target = tmp_path / "out"
    written = C.safe_extract(archive, target)
    assert (target / "pkg/a.py").read_text() == "x = 1\n"
    assert not (target / "pkg/link.py").exists() and not (target / "pkg/link.py").is_symlink()
    assert not (target / "pkg/up").is_symlink() and not any(outside.iterdir())
    assert written == 2  # a.py, and up/b.py as a plain file inside the target


def test_a_second_fetch_downloads_nothing_and_the_files_keep_the_package_prefix(tmp_path):
    archive = _tar(tmp_path / "demo-1.0.tar.gz", [("pkg/a.py", b"def a():\n    pass\n", None),
                                                   ("pkg/sub/b.py", b"from demo.a import a\n", None),
                                                   ("pkg/notes.txt", b"-", None)])
    entry = _entry(archive)
    cache = tmp_path / "cache"
    root = C.ensure(entry, cache)
    assert C.load_files(entry, root) == {"demo/a.py": "def a():\n    pass\n", "demo/sub/b.py": "from demo.a import a\n"}
    archive.unlink()  # a second fetch would fail now: it must not need the source
    assert C.ensure(entry, cache) == root
    ok, = C.available([entry], cache)
    assert ok[1] == root


def test_excluded_folders_are_left_out_and_the_rest_is_read(tmp_path):
    """An entry's ``exclude`` (tests, vendored copies, generated tables) leaves those folders out."""
    archive = _tar(tmp_path / "demo-1.0.tar.gz", [("pkg/a.py", b"x = 1\n", None),
                                                   ("pkg/_vendored/click.py", b"y = 2\n", None),
                                                   ("pkg/sub/tables/t.py", b"z = 3\n", None),
                                                   ("pkg/sub/b.py", b"w = 4\n", None)])
    entry = C.Entry("demo", "python", "dev", f"file://{archive}", hashlib.sha256(archive.read_bytes()).hexdigest(),
                    "pkg", (".py",), prefix="demo", exclude=("_vendored", "sub/tables"))
    root = C.ensure(entry, tmp_path / "cache")
    assert C.load_files(entry, root) == {"demo/a.py": "x = 1\n", "demo/sub/b.py": "w = 4\n"}


def test_an_entry_that_cannot_be_fetched_is_one_clear_line_and_the_others_go_on(tmp_path, capsys):
    good = _tar(tmp_path / "good.tar.gz", [("pkg/a.py", b"x = 1\n", None)])
    missing = C.Entry("gone", "python", "new", f"file://{tmp_path}/missing.tar.gz", "1" * 64, "pkg", (".py",))
    got = C.available([missing, _entry(good)], tmp_path / "cache")
    assert [e.name for e, _ in got] == ["demo"]
    err = capsys.readouterr().err
    assert "(gone:" in err and "skipped)" in err and "Traceback" not in err


def test_the_dev_group_is_disjoint_from_old_and_new_and_has_every_language_but_rust():
    """Dev cases (misses may be read) come from pinned repositories of their own and the DEV_TIMING ones, in
    every language of the held-out group but Rust: never a tuned-on or held-out repository."""
    dev = C.entries({"dev"})
    languages = [e.language for e in dev]
    assert {lang: languages.count(lang) >= 3 for lang in ("python", "typescript", "java", "go", "c", "c++", "c#")} \
        == dict.fromkeys(("python", "typescript", "java", "go", "c", "c++", "c#"), True)
    assert "javascript" in languages
    assert {C.group_of(e) for e in dev} == {"dev"}
    assert not {e.name for e in dev} & {e.name for e in C.entries({"old", "new"})}
    assert not {e.url for e in dev} & {e.url for e in C.entries({"old", "new"})}  # not even another folder of one
    assert len({e.name for e in C.MANIFEST}) == len(C.MANIFEST)
    assert all(C.group_of(e) in ("old", "new") for e in C.entries({"old", "new"}))

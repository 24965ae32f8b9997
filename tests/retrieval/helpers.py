from __future__ import annotations

from pathlib import Path


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def rels(root: Path, paths) -> set[str]:
    return {Path(p).relative_to(root).as_posix() for p in paths}


def module(name: str, body_lines: int = 12) -> str:
    """A small Python module defining `name` with a distinctive body."""
    lines = [f"def {name}(value):", f'    """Compute {name}."""']
    lines += [f"    {name}_step_{i} = value + {i}" for i in range(body_lines)]
    lines += [f"    return {name}_step_0", ""]
    return "\n".join(lines)


def make_search_panic(tantivy_dir: Path, term: str, tries: int = 400) -> str:
    """Flip a few bytes of one file of the persisted tantivy index at ``tantivy_dir`` so that opening still
    works and tantivy *panics* when searching ``term`` (as a disk error would leave it). The flips are
    found by trial, with plain tantivy, on copies; returns the damaged file's name."""
    import random
    import shutil
    import tempfile

    import tantivy

    files = sorted(p for p in tantivy_dir.iterdir() if p.suffix in (".idx", ".term", ".pos", ".fieldnorm", ".store"))
    scratch = Path(tempfile.mkdtemp(prefix="aix-corrupt-"))
    try:
        for attempt in range(tries):
            target = files[attempt % len(files)]
            rng = random.Random(attempt)
            data = bytearray(target.read_bytes())
            for _ in range(8):
                i = rng.randrange(len(data))
                data[i] ^= 0xFF
            copy = scratch / str(attempt)
            shutil.copytree(tantivy_dir, copy)
            (copy / target.name).write_bytes(bytes(data))
            try:
                index = tantivy.Index.open(str(copy))
                searcher = index.searcher()
                query = tantivy.Query.term_query(index.schema, "terms", term)
                searcher.search(query, 10)
            except BaseException as exc:  # noqa: B036 - a PanicException is what we look for
                if type(exc).__name__ == "PanicException":
                    target.write_bytes(bytes(data))
                    return target.name
            finally:
                shutil.rmtree(copy, ignore_errors=True)
        raise AssertionError(f"no flip of {tries} made tantivy panic")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

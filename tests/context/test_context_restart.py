"""A warm restart of the symbol table does not walk the folder a second time: the C/C++ build files come
from the table's own crawl, with the same include roots as a walk finds (benchmarks/symbols_restart.py)."""

from __future__ import annotations

from pathlib import Path

from aix_lsp.crawl import iter_workspace_stats
from aix_lsp.symbols.context import FolderSymbols
from aix_lsp.symbols.langs import c_build


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_include_roots_from_the_crawl_equal_those_of_a_walk(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "CMakeLists.txt", "project(x)\ninclude_directories(${CMAKE_CURRENT_SOURCE_DIR}/lib/api)\nadd_subdirectory(core)\n")
    write(root, "core/CMakeLists.txt", "target_include_directories(core PUBLIC ${PROJECT_SOURCE_DIR}/include PRIVATE internal)\n")
    write(root, "core/b/Makefile", "CFLAGS += -Ifrom_b\n")
    write(root, "core/a/rules.mk", "CFLAGS += -Ifrom_a\n")  # a folder's files before its subfolders', by name
    write(root, "third_party/zlib/CMakeLists.txt", "include_directories(zlib_inc)\n")  # a skipped folder
    write(root, "a/b/c/d/e/Makefile", "CFLAGS += -Itoo_deep\n")  # below the depth searched
    write(root, "core/core.c", "int core(void) { return 0; }\n")
    for folder in ("lib/api", "include", "core/internal", "core/b/from_b", "core/a/from_a", "zlib_inc", "a/b/c/d/e/too_deep"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    walked = c_build.include_roots(root)
    assert walked == ["lib/api", "include", "core/internal", "core/a/from_a", "core/b/from_b"]
    crawled = [rel for rel, _ in iter_workspace_stats(root)]
    assert c_build.include_roots(root, crawled) == walked
    folder = FolderSymbols(root)
    assert folder.sync() == 1
    assert folder.index._modules.c_include_roots == walked


def test_a_folder_without_c_sources_reads_no_build_files(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "Makefile", "CFLAGS += -Iinclude\n")
    write(root, "app.py", "def main():\n    pass\n")
    (root / "include").mkdir()
    folder = FolderSymbols(root)
    assert folder.sync() == 1
    assert folder.index._modules.c_include_roots == []  # nothing to resolve #include for
    write(root, "lib.c", "int lib(void) { return 1; }\n")
    assert folder.sync() == 2
    assert folder.index._modules.c_include_roots == ["include"]

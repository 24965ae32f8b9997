"""The one fragment cache: one invalidation rule (the context version of the fragments' own files), reuse
for the same query window, or near the cursor for a sticky caller; and the one budget of compose."""

from __future__ import annotations

from aix_lsp.context import Fragment
from aix_lsp.context.cache import MAX_DOCUMENTS, REFRESH_LINES, FragmentCache
from aix_lsp.context.compose import compose

A, B, C = (Fragment(f"{n}.py", 0, 3, f"def {n}(): pass\n", 1.0) for n in "abc")


class Versions:
    """Versions per path, as the workspace keeps them (bumped when a file is re-indexed)."""

    def __init__(self) -> None:
        self.generation = 0
        self.changed: dict[str, int] = {}

    def __call__(self, paths: list[str]) -> tuple[int, int]:
        return self.generation, max((self.changed.get(p, 0) for p in paths), default=0)


def test_an_answer_is_reused_for_its_window_until_its_own_files_change() -> None:
    cache, versions = FragmentCache(), Versions()
    cache.put("doc", "window-1", 5, False, versions(["a.py"]), [A])
    assert cache.get("doc", "window-1", 5, False, versions) == [A]
    assert cache.get("doc", "window-2", 6, False, versions) is None  # another query window: asked again
    versions.changed["other.py"] = 3  # an edit elsewhere leaves it alone
    assert cache.get("doc", "window-1", 5, False, versions) == [A]
    versions.changed["a.py"] = 4  # its own file re-indexed: stale
    assert cache.get("doc", "window-1", 5, False, versions) is None
    cache.put("doc", "window-1", 5, False, versions(["a.py"]), [A])
    versions.generation += 1  # an index rebuilt, settings changed, a file deleted: everything stale
    assert cache.get("doc", "window-1", 5, False, versions) is None


def test_sticky_answers_stay_near_the_cursor_and_keep_their_order() -> None:
    cache, versions = FragmentCache(), Versions()
    cache.put("uri", "w5", 5, True, versions(["a.py", "b.py"]), [A, B])
    assert cache.get("uri", "w6", 6, True, versions) == [A, B]
    assert cache.get("uri", "w", 5 + REFRESH_LINES - 1, True, versions) == [A, B]
    assert cache.get("uri", "w", 5 + REFRESH_LINES, True, versions) is None  # moved far enough
    assert cache.get("uri", "w6", 6, False, versions) is None  # a plain caller wants its own window
    # refreshed with the same fragments reranked and one swapped: the kept ones first, in their old order
    assert cache.put("uri", "w40", 40, True, versions(["b.py", "c.py"]), [C, B]) == [B, C]


def test_forget_and_the_bound() -> None:
    cache, versions = FragmentCache(), Versions()
    for i in range(MAX_DOCUMENTS + 5):
        cache.put(f"doc{i}", "w", 0, True, versions([]), [A])
    assert len(cache) == MAX_DOCUMENTS and "doc0" not in cache and f"doc{MAX_DOCUMENTS + 4}" in cache
    cache.forget(f"doc{MAX_DOCUMENTS + 4}")
    assert f"doc{MAX_DOCUMENTS + 4}" not in cache


def test_compose_orders_by_mode_within_one_budget() -> None:
    windows = [Fragment("w1.py", 0, 10, "w1 = 1", 3.0, "window"), Fragment("w2.py", 0, 10, "w2 = 2", 2.0, "window")]
    definitions = [Fragment("d1.py", 0, 3, "def d1(): pass", 5.0, "definition"),
                   Fragment("w1.py", 2, 4, "def inside(): pass", 4.0, "definition")]
    words = lambda s: len(s.split())  # noqa: E731
    assert compose("bm25", iter(windows), definitions, 3, 100, words) == windows
    assert compose("symbols", windows, definitions, 3, 100, words) == definitions + windows[1:]  # w1 overlaps a definition
    assert compose("mixed", windows, definitions, 4, 100, words) == [definitions[0], windows[0], windows[1]]
    assert compose("mixed", windows, [], 4, 100, words) == windows  # no definitions: the windows
    assert compose("symbols", windows, definitions, 3, 6, words) == definitions  # 3 + 3 tokens: full
    assert compose("symbols", windows, definitions, 3, 4, words) == definitions[:1]  # too big for what is left: skipped, not cut
    copy = Fragment("copy.py", 0, 10, "w1 = 1", 1.0, "window")
    assert compose("bm25", windows + [copy], [], 5, 100, words) == windows  # the same text twice: once

"""Case extraction: the middle is one syntax node (or the contents of one bracketed node), the document is
the file without it, the sample is seeded, and the index the pipeline searches never holds the middle."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.eval.cases import NoSourceFiles, extract_cases, parse_languages, read_file_list, source_files
from aix_lsp.syntax import ParsedDocument
from tests.eval.sources import JS, JAVA, PY, write_repo

@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path)


def _node_spans(text: str, language: str) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(spans of all nodes, spans of the contents of bracketed nodes), in UTF-8 bytes == chars here (ASCII)."""
    doc = ParsedDocument(text, language)
    nodes, contents = set(), set()
    stack = [doc.tree.root_node]
    while stack:
        node = stack.pop()
        nodes.add((node.start_byte, node.end_byte))
        kids = [c for c in node.named_children if "comment" not in c.type]
        if kids and node.children and node.children[0].type in ("{", "("):
            contents.add((kids[0].start_byte, kids[-1].end_byte))
        stack.extend(node.children)
    return nodes, contents


@pytest.mark.parametrize("language,file", [("python", "greeter.py"), ("java", "Counter.java"), ("javascript", "describe.js")])
def test_the_middle_is_one_node_and_the_document_lacks_it(repo: Path, language: str, file: str):
    text = (repo / file).read_text()
    cases = [c for c in extract_cases(repo, limit=1000, seed=0) if c.path == file]
    assert cases, f"no case from {file}"
    nodes, contents = _node_spans(text, language)
    scenarios = set()
    for case in cases:
        assert case.language == language
        assert case.middle == text[case.start:case.end]
        assert case.document == text[: case.start] + text[case.end :]
        assert case.offset == case.start
        span = (case.start, case.end)
        if case.scenario in ("call_arguments",) or (case.scenario == "method_body" and language != "python"):
            assert span in contents, f"{case.id}: {case.middle!r} is not the contents of one node"
        else:
            assert span in nodes, f"{case.id}: {case.middle!r} is not one node"
        scenarios.add(case.scenario)
    expected = {"method_signature", "method_body", "if_block", "for_block", "comment", "call_arguments"}
    assert expected <= scenarios, f"{language}: missing {expected - scenarios}"


def test_scenario_names_and_cross_file_cases(repo: Path):
    cases = extract_cases(repo, limit=1000, seed=0)
    by_scenario = {}
    for c in cases:
        by_scenario.setdefault(c.scenario, []).append(c)
    assert {"while_block", "try_block", "switch_block", "line", "body_bottom"} <= by_scenario.keys()
    cross = by_scenario["cross_file"]
    assert any(c.path == "greeter.py" and "shared_helper" in c.names for c in cross)
    assert any(c.path == "describe.js" and "formatName" in c.names for c in cross)
    for c in cross:  # the name is defined elsewhere, not in the case's own file
        own = (repo / c.path).read_text()
        for name in c.names:
            assert f"def {name}" not in own and f"function {name}" not in own


def test_the_sample_is_seeded_balanced_and_limited(repo: Path):
    a = [c.id for c in extract_cases(repo, limit=12, seed=3)]
    b = [c.id for c in extract_cases(repo, limit=12, seed=3)]
    c = [c.id for c in extract_cases(repo, limit=12, seed=4)]
    assert a == b and len(a) == 12
    assert a != c
    scenarios = [i.rsplit(":", 1)[1] for i in a]
    assert len(set(scenarios)) == 12  # one per scenario before any scenario gets a second


def test_languages_and_file_lists(repo: Path, tmp_path_factory):
    assert parse_languages("py,java") == {"python", "java"}
    assert parse_languages("JavaScript") == {"javascript"}
    only_py = source_files(repo, parse_languages("py"))
    assert [p.name for p in only_py] == ["greeter.py", "helpers.py"]
    listed = tmp_path_factory.mktemp("lists") / "heldout.txt"
    listed.write_text("describe.js\n# a comment\n\n./format.js\n")
    names = read_file_list(listed.parent)
    assert names == ["describe.js", "./format.js"]
    assert [p.name for p in source_files(repo, None, names)] == ["describe.js", "format.js"]


def test_no_supported_files_is_a_clear_error(tmp_path: Path):
    (tmp_path / "README.md").write_text("# nothing\n")
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(NoSourceFiles, match="no source file"):
        extract_cases(tmp_path, limit=5)


def test_the_index_never_holds_the_middle(repo: Path, tmp_path_factory):
    """Through the public retrieval API: a BM25 query for the middle's rare words finds the case's file
    before the overlay, and nothing holding the middle once the overlay shows the file without it."""
    from aix_lsp.eval.runner import IndexOverlay, open_retrieval

    (repo / "greeter.py").write_text(PY.replace('print("many")', 'print(zebra_quokka_marker)'))
    settings = Settings(retrieval_mode="bm25", retrieval_top_k=5, retrieval_same_file=False)
    case = next(c for c in extract_cases(repo, limit=1000, seed=0) if "zebra_quokka_marker" in c.middle and c.scenario == "if_block")
    service = open_retrieval(repo, settings, tmp_path_factory.mktemp("index"))
    try:
        # the query comes from another file, so the case's file is a candidate for fragments
        query_text = "def probe():\n    zebra_quokka_marker = 1\n    print(zebra_quokka_marker)\n"
        (repo / "probe.py").write_text(query_text)
        service.workspace.on_files_changed([(repo / "probe.py", "created")])
        service.workspace.flush()

        def fragments():
            return service.context_for(repo / "probe.py", query_text, len(query_text), lambda s: len(s.split()))

        assert any("zebra_quokka_marker" in f.text for f in fragments()), "sanity: the full file is found"
        overlay = IndexOverlay(service, repo, settings)
        assert overlay.show(case)
        assert not any("zebra_quokka_marker" in f.text for f in fragments())
        overlay.restore()
        assert any("zebra_quokka_marker" in f.text for f in fragments()), "the file is read from disk again after"
    finally:
        service.workspace.close()

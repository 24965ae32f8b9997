"""A workspace opened through a symlink and documents named by their real path (or the reverse), as
editors that resolve links send them: the same definitions either way."""

import os

import pytest

from aix_lsp.config import Settings
from aix_lsp.context_sources import open_context

UTIL = "def slugify(text):\n    '''A URL-safe slug.'''\n    return text.lower().replace(' ', '-')\n"
MAIN = "from pkg.util import slugify\n\n\ndef title(x):\n    return slugify("


@pytest.fixture
def tree(tmp_path):
    real = tmp_path / "real"
    (real / "pkg").mkdir(parents=True)
    (real / "pkg" / "__init__.py").write_text("")
    (real / "pkg" / "util.py").write_text(UTIL)
    link = tmp_path / "link"
    os.symlink(real, link)
    return tmp_path, real, link


@pytest.mark.parametrize("opened, named", [("link", "real"), ("real", "link"), ("link", "link")])
def test_document_path_through_a_link_gets_the_folders_definitions(tree, opened, named):
    tmp_path, real, link = tree
    roots = {"real": real, "link": link}
    service = open_context(Settings(), cache_dir=tmp_path / "cache")
    try:
        service.workspace.add_folder(roots[opened])
        assert service.workspace.wait_ready(60)
        document = roots[named] / "pkg" / "main.py"
        assert service.workspace.document_path(document) == roots[opened] / "pkg" / "main.py"
        fragments = service.context_for(document, MAIN, len(MAIN), lambda t: len(t) // 3)
        assert [(f.path, f.source) for f in fragments][:1] == [("pkg/util.py", "definition")]
    finally:
        service.workspace.close()


def test_a_path_outside_every_folder_is_left_as_it_is(tree):
    tmp_path, real, link = tree
    service = open_context(Settings(), cache_dir=tmp_path / "cache")
    try:
        service.workspace.add_folder(real)
        outside = tmp_path / "elsewhere" / "x.py"
        assert service.workspace.document_path(outside) == outside
    finally:
        service.workspace.close()

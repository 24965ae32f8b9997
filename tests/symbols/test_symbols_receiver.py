"""Member access: ``obj.`` at the cursor where the buffer declares obj's type ranks that type's members first."""

import pytest

from aix_lsp.symbols.context import FolderSymbols
from aix_lsp.symbols.buffer import receiver_type

SHAPES = '''class Circle:
    def area(self):
        return 3.14 * self.r ** 2

    def scale(self, k):
        return Circle(self.r * k)


class Square:
    def area(self):
        return self.side ** 2

    def scale(self, k):
        return Square(self.side * k)
'''


@pytest.mark.parametrize("text, expected", [
    ("Cart cart = load();\n  cart.", ("Cart", "")),
    ("cart = new Cart(1);\nx = cart.ad", ("Cart", "ad")),
    ("def f(cart: Cart):\n    cart.", ("Cart", "")),
    ("c := &Config{}\n\tc.", ("Config", "")),
    ("func (s *Server) Run(c *Config) {\n\tc.", ("Config", "")),
    ("Shape* s = make();\n s->ar", ("Shape", "ar")),
    ("let cfg: &mut Config = x;\n cfg.", ("Config", "")),
    ("sq = Square(2)\nc = Circle(1)\nsq.", ("Square", "")),
    ("s = geo.shapes.Square(2)\ns.", ("Square", "")),
    ("self.", None),
    ("value.bar + 1", None),
    ("unknown.", None),
])
def test_receiver_type(text, expected):
    assert receiver_type(text, len(text)) == expected


def test_members_of_the_declared_type_rank_first(tmp_path):
    (tmp_path / "shapes.py").write_text(SHAPES)
    folder = FolderSymbols(tmp_path)
    folder.sync()
    for cls, other in (("Square", "Circle"), ("Circle", "Square")):
        buffer = f"import shapes\n\nshape = shapes.{cls}(2)\nbig = shape.sc"
        ranked = [c.definition for c in folder.index.rank_candidates("main.py", buffer, len(buffer))]
        members = [(d.name, d.container) for d in ranked if d.container is not None]
        assert members[0] == ("scale", cls)  # the declared type's member, not the other class's scale
        assert ("scale", cls) in [(d.name, d.container) for d in ranked[:2]]
        assert ("scale", other) not in [(d.name, d.container) for d in ranked[:3]]

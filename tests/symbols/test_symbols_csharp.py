"""C#: definitions, namespaces and ``using``, partial classes, and the definition a cursor needs in the top 3."""

from aix_lsp.symbols.context import FolderSymbols
from aix_lsp.symbols.extract import extract_file

STRINGS = '''namespace Acme.Util
{
    /// <summary>String helpers.</summary>
    public static class Strings
    {
        /// <summary>A URL-safe slug.</summary>
        public static string Slug(string text)
        {
            return text.ToLowerInvariant().Replace(' ', '-');
        }
    }
}
'''

CART_A = '''namespace Acme.Shop;

public partial class Cart
{
    private readonly List<Item> items = new();
    public int Count => items.Count;
}
'''

CART_B = '''namespace Acme.Shop;

public partial class Cart
{
    public decimal Total() { return 0m; }
}
'''

ORDER = '''using System;
using Acme.Util;

namespace Acme.Shop;

public class Order
{
    public string Label(Cart cart)
    {
        var id = Strings.'''


def cs_workspace(root):
    (root / "src" / "Util").mkdir(parents=True)
    (root / "src" / "Shop").mkdir(parents=True)
    (root / "src" / "Util" / "Strings.cs").write_text(STRINGS)
    (root / "src" / "Shop" / "Cart.cs").write_text(CART_A)
    (root / "src" / "Shop" / "Cart.Totals.cs").write_text(CART_B)
    (root / "extern").mkdir()
    (root / "extern" / "Strings.cs").write_text("namespace Other.Lib { public static class Strings { public static string Slug(string s) => s; } }\n")
    return "src/Shop/Order.cs"


def top(folder, rel, text, k=3):
    return [(s.path, s.text) for s in folder.index.candidates_for_cursor(rel, text, len(text), k)]


def test_csharp_definitions_and_usings():
    fs = extract_file("Strings.cs", STRINGS)
    assert fs.packages == ["Acme.Util"]
    got = {(d.name, d.kind, d.container) for d in fs.definitions}
    assert {("Strings", "class", None), ("Slug", "method", "Strings")} <= got
    slug = next(d for d in fs.definitions if d.name == "Slug")
    assert "<summary>A URL-safe slug" in slug.snippet and "ToLowerInvariant" in slug.snippet
    order = extract_file("Order.cs", ORDER + "Slug(cart.ToString());\n        return id;\n    }\n}\n")
    assert [(b.module, b.star) for b in order.imports] == [("System", True), ("Acme.Util", True)]
    alias = extract_file("X.cs", "using S = Acme.Util.Strings;\nusing static Acme.Util.Strings;\n")
    assert [(b.local, b.module, b.name, b.star) for b in alias.imports] == [
        ("S", "Acme.Util", "Strings", False), (None, "Acme.Util.Strings", None, True)]


def test_csharp_namespace_using_and_partial_classes_in_the_top_3(tmp_path):
    rel = cs_workspace(tmp_path)
    folder = FolderSymbols(tmp_path)
    assert folder.sync() == 4
    got = top(folder, rel, ORDER)
    assert any(p == "src/Util/Strings.cs" for p, _ in got)
    assert not any(p.startswith("extern/") for p, _ in got[:1])
    static = ORDER.replace("using Acme.Util;", "using static Acme.Util.Strings;").replace("var id = Strings.", "var id = Slug(cart.ToString());\n        return ")
    assert any(p == "src/Util/Strings.cs" and "Slug" in t for p, t in top(folder, rel, static))
    partial = ORDER.replace("var id = Strings.", "var sum = cart.Total(")
    assert any(p == "src/Shop/Cart.Totals.cs" for p, _ in top(folder, rel, partial))  # the other half of a partial class

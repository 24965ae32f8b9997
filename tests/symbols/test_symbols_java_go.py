"""Java and Go: definitions, imports to packages (folders), and the definition a cursor needs in the top 3."""

from aix_lsp.symbols.context import FolderSymbols
from aix_lsp.symbols.extract import extract_file

STRINGS = '''package com.acme.util;

/** String helpers. */
public final class Strings {
    private Strings() {}

    /** A URL-safe slug of {@code text}. */
    public static String slug(String text) {
        return text.toLowerCase().replace(' ', '-');
    }

    public static String pad(String s, int width) {
        return String.format("%-" + width + "s", s);
    }
}
'''

MONEY = '''package com.acme.shop;

import java.math.BigDecimal;

public record Money(BigDecimal amount, String currency) {
    public Money plus(Money other) {
        return new Money(amount.add(other.amount), currency);
    }
}
'''

ITEM = '''package com.acme.shop;

public class Item {
    private final String name;
    private final Money price;

    public Item(String name, Money price) {
        this.name = name;
        this.price = price;
    }

    public Money price() { return price; }

    public String name() { return name; }

    public enum Category { FOOD, TOOLS }
}
'''

CART = '''package com.acme.shop;

import java.util.ArrayList;
import java.util.List;
import com.acme.util.Strings;
import static com.acme.util.Strings.pad;

public class Cart {
    private final List<Item> items = new ArrayList<>();

    public String label(Item item) {
        String id = Strings.'''


def java_workspace(root):
    base = root / "shop" / "src" / "main" / "java" / "com" / "acme"
    (base / "util").mkdir(parents=True)
    (base / "shop").mkdir(parents=True)
    (base / "util" / "Strings.java").write_text(STRINGS)
    (base / "shop" / "Money.java").write_text(MONEY)
    (base / "shop" / "Item.java").write_text(ITEM)
    # another library's class of the same simple name, in a package that is not imported
    other = root / "vendor" / "src" / "org" / "other"
    other.mkdir(parents=True)
    (other / "Strings.java").write_text("package org.other;\n\npublic class Strings {\n    public static String slug(String s) { return s; }\n}\n")
    return "shop/src/main/java/com/acme/shop/Cart.java"


def top(folder, rel, text, k=3):
    return [(s.path, s.text.splitlines()[0] if s.text else "") for s in folder.index.candidates_for_cursor(rel, text, len(text), k)]


def test_java_definitions_and_imports():
    fs = extract_file("A.java", ITEM)
    got = {(d.name, d.kind, d.container) for d in fs.definitions}
    assert {("Item", "class", None), ("name", "attribute", "Item"), ("price", "method", "Item"), ("Category", "class", "Item"),
            ("FOOD", "constant", "Category")} <= got
    cart = extract_file("Cart.java", CART + "\n    }\n}\n")
    assert [(b.local, b.module, b.name, b.star) for b in cart.imports] == [
        ("ArrayList", "java.util.ArrayList", "ArrayList", False), ("List", "java.util.List", "List", False),
        ("Strings", "com.acme.util.Strings", "Strings", False), ("pad", "com.acme.util.Strings", "pad", False)]
    slug = next(d for d in extract_file("S.java", STRINGS).definitions if d.name == "slug")
    assert slug.snippet.startswith("    /** A URL-safe slug") and "toLowerCase" in slug.snippet  # javadoc + body


def test_java_imported_class_member_is_in_the_top_3(tmp_path):
    rel = java_workspace(tmp_path)
    folder = FolderSymbols(tmp_path)
    folder.sync()
    got = top(folder, rel, CART)
    assert ("shop/src/main/java/com/acme/util/Strings.java", "public final class Strings {") in got \
        or any(p.endswith("com/acme/util/Strings.java") for p, _ in got)
    assert not any(p.startswith("vendor/") for p, _ in got[:1])  # the imported package wins over the same name elsewhere


def test_java_same_package_and_star_and_static_imports(tmp_path):
    rel = java_workspace(tmp_path)
    folder = FolderSymbols(tmp_path)
    folder.sync()
    same_package = CART.replace("String id = Strings.", "Money total = item.price().")
    assert any(p.endswith("shop/Money.java") for p, _ in top(folder, rel, same_package))  # no import needed
    star = CART.replace("import com.acme.util.Strings;", "import com.acme.util.*;")
    assert any(p.endswith("com/acme/util/Strings.java") for p, _ in top(folder, rel, star))
    static = CART.replace("String id = Strings.", "String shown = pad(")
    shown = folder.index.candidates_for_cursor(rel, static, len(static), 3)  # pad's row, in Strings' outline or its own
    assert any(f.path.endswith("com/acme/util/Strings.java") and "String pad(" in f.text for f in shown)


GO_MOD = "module github.com/acme/tool\n\ngo 1.21\n\nrequire github.com/spf13/cobra v1.8.0\n"

CONFIG = '''package config

import "os"

// Config is the tool's configuration.
type Config struct {
	Path    string
	Verbose bool
}

// Load reads the configuration at path.
func Load(path string) (*Config, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return &Config{Path: path}, nil
}

func (c *Config) Validate() error {
	return nil
}

func helper() {}
'''

MAIN = '''package main

import (
	"fmt"

	"github.com/acme/tool/internal/config"
)

func main() {
	cfg, err := config.'''

UTIL = '''package main

// banner prints the tool's banner.
func banner(name string) string {
	return "== " + name + " =="
}
'''


def go_workspace(root, go_mod=GO_MOD):
    (root / "internal" / "config").mkdir(parents=True)
    (root / "cmd" / "tool").mkdir(parents=True)
    (root / "go.mod").write_text(go_mod)
    (root / "internal" / "config" / "config.go").write_text(CONFIG)
    (root / "cmd" / "tool" / "util.go").write_text(UTIL)
    # a folder of the same last name elsewhere (a vendored copy) must not win with the go.mod module path
    (root / "third_party" / "config").mkdir(parents=True)
    (root / "third_party" / "config" / "config.go").write_text("package config\n\nfunc Load(p string) {}\n")
    return "cmd/tool/main.go"


def test_go_definitions_and_imports():
    fs = extract_file("config.go", CONFIG)
    got = {(d.name, d.kind, d.container) for d in fs.definitions}
    assert {("Config", "class", None), ("Load", "function", None), ("Validate", "method", "Config"), ("helper", "function", None)} <= got
    load = next(d for d in fs.definitions if d.name == "Load")
    assert load.snippet.startswith("// Load reads") and "os.Stat" in load.snippet
    main = extract_file("main.go", MAIN + "Load(\"x\")\n}\n")
    assert [(b.local, b.module) for b in main.imports] == [("fmt", "fmt"), ("config", "github.com/acme/tool/internal/config")]


def test_go_package_import_through_go_mod_is_in_the_top_3(tmp_path):
    rel = go_workspace(tmp_path)
    folder = FolderSymbols(tmp_path)
    folder.sync()
    got = top(folder, rel, MAIN)
    assert got and got[0][0] == "internal/config/config.go"
    assert not any(p.startswith("third_party/") for p, _ in got[:3])
    same_package = MAIN.replace("cfg, err := config.", 'fmt.Println(banner(')
    assert any(p == "cmd/tool/util.go" for p, _ in top(folder, rel, same_package))  # same package, no import


def test_broken_go_mod_still_indexes_and_resolves_by_folder(tmp_path):
    rel = go_workspace(tmp_path, go_mod="modul\x00e ((( broken\n" + "x" * 5000)
    folder = FolderSymbols(tmp_path)
    assert folder.sync() == 3
    got = top(folder, rel, MAIN)
    assert any(p.endswith("config/config.go") for p, _ in got)  # by folder name, without the module path


def test_long_java_class_outline_shows_the_member_the_cursor_uses(tmp_path):
    """A class with 30 methods: its outline in the prompt keeps the header and the rows of the members the
    code near the cursor names, even the 28th (the outline once stopped after 15 rows)."""
    methods = "\n".join(f"    public int step{i}(int x) {{ return x + {i}; }}" for i in range(30))
    base = tmp_path / "src" / "main" / "java" / "com" / "acme"
    base.mkdir(parents=True)
    (base / "Steps.java").write_text(f"package com.acme;\n\n/** Many steps. */\npublic class Steps {{\n{methods}\n}}\n")
    rel = "src/main/java/com/acme/Runner.java"
    text = ("package com.acme;\n\npublic class Runner {\n    int run() {\n"
            "        Steps s = new Steps();\n        return s.step27(1) + Steps.")
    folder = FolderSymbols(tmp_path)
    folder.sync()
    outlines = [s.text for s in folder.index.candidates_for_cursor(rel, text, len(text), 5) if "class Steps" in s.text]
    assert outlines, "the class is among the candidates"
    shown = outlines[0]
    assert "public class Steps {" in shown and "step27" in shown
    assert shown.count("\n") < 16  # cut to the snippet size at query time

"""Java and C# causes found on benchmarks/symbols_eval.py's old (javapoet), dev (commons-io, jackson-core,
commons-codec, commons-collections4, keepasslib, opentk, repetier-host, hyena) and timing (tomcat, nunit) cases,
each a general rule of the language. Real tree-sitter parses over small in-memory workspaces."""

from aix_lsp.symbols import SymbolIndex


def index_of(files: dict[str, str]) -> SymbolIndex:
    index = SymbolIndex()
    index.update_files(files.items())
    return index


def ranked(files: dict[str, str], path: str, text: str, lookalikes: list[str] | None = None) -> list:
    offset = text.index("<|>")
    return index_of(files).rank_candidates(path, text.replace("<|>", ""), offset, lookalikes=lookalikes)


def prompt(files: dict[str, str], path: str, text: str, k: int = 3) -> list:
    offset = text.index("<|>")
    return index_of(files).candidates_for_cursor(path, text.replace("<|>", ""), offset, k)


# ------------------------------------------------------------- constructors are their class, not more candidates

TYPE_NAME = """package poet;

public class TypeName {
  public static final TypeName VOID = new TypeName("void");
  public static final TypeName INT = new TypeName("int");
  private final String keyword;

  private TypeName(String keyword) {
    this(keyword, null);
  }

  private TypeName(String keyword, Object annotations) {
    this.keyword = keyword;
  }

  TypeName(Object annotations) {
    this(null, annotations);
  }

  public TypeName box() {
    return this;
  }
}
"""

CLASS_NAME = """package poet;

public final class ClassName extends TypeName {
  final String simpleName;

  private ClassName(String packageName, String simpleName) {
    super(null);
    this.simpleName = simpleName;
  }

  private ClassName(String packageName, String simpleName, Object annotations) {
    super(annotations);
    this.simpleName = simpleName;
  }

  public static ClassName get(String packageName, String simpleName) {
    return new ClassName(packageName, simpleName);
  }
}
"""

TYPES_TEST = """package poet;

public class TypesTest {
  @Test public void boxing() {
    ClassName a = ClassName.get("java.lang", "Object");
    ClassName b = ClassName.get("java.lang", "Integer");
    assertThat(TypeName.INT.box()).isEqualTo(b);
    assertThat(ClassName.get("java.lang", "Void")).isEqualTo(a);
    <|>
  }
}
"""


def test_java_constructors_are_ranked_as_their_class_and_leave_the_prompt_to_it():
    # javapoet: TypeName.VOID on the line; ClassName's two and TypeName's three constructors (each a "method"
    # named for the class, used all around) took the three fragments, and neither class's outline came
    files = {"src/poet/TypeName.java": TYPE_NAME, "src/poet/ClassName.java": CLASS_NAME}
    got = ranked(files, "src/poet/TypesTest.java", TYPES_TEST)
    assert not [c for c in got if c.definition.container == c.definition.name]  # no constructor of its own
    assert ("ClassName", "class") in [(c.definition.name, c.definition.kind) for c in got[:3]]
    fragments = prompt(files, "src/poet/TypesTest.java", TYPES_TEST)
    assert not [f for f in fragments if f.text.lstrip().startswith(("private ClassName(", "private TypeName("))]
    assert any(f.text.lstrip().startswith("public final class ClassName") for f in fragments)


def test_csharp_constructors_are_ranked_as_their_class():
    files = {"src/Point.cs": "namespace Geo\n{\n    public class Point\n    {\n        public int X;\n"
                             "        public Point(int x) { X = x; }\n        public Point() : this(0) { }\n"
                             "        public static Point Origin = new Point();\n    }\n}\n"}
    text = ("namespace Geo\n{\n    class Use\n    {\n        void Run()\n        {\n            var p = new Point(1);\n"
            "            var q = new Point();\n            <|>\n        }\n    }\n}\n")
    got = ranked(files, "src/Use.cs", text)
    assert [(c.definition.name, c.definition.kind) for c in got[:1]] == [("Point", "class")]
    assert not [c for c in got if c.definition.container == c.definition.name]


# ------------------------------------------------- two members of one class: its outline, cut to them, in one slot

def test_two_members_of_one_class_share_one_fragment_its_outline_cut_to_them():
    # TypeName.INT and TypeName's box() both ranked: two one-member fragments left one slot for the rest; the
    # class's outline shows both heads (and the class's other members the code names) in one
    files = {"src/poet/TypeName.java": TYPE_NAME, "src/poet/ClassName.java": CLASS_NAME}
    fragments = prompt(files, "src/poet/TypesTest.java", TYPES_TEST)
    from_type_name = [f for f in fragments if f.path == "src/poet/TypeName.java"]
    assert len(from_type_name) == 1
    shown = from_type_name[0].text
    assert shown.lstrip().startswith("public class TypeName") and "INT = new TypeName" in shown and "box()" in shown
    assert "VOID = new TypeName" in shown


def test_a_long_class_outline_taken_for_two_members_is_cut_to_them():
    fields = "".join(f"  public static final int F{i} = {i};\n" for i in range(40))
    holder = f"package p;\n\npublic class Holder {{\n{fields}  public static int twice(int x) {{\n    return 2 * x;\n  }}\n}}\n"
    text = ("package q;\n\nimport static p.Holder.*;\n\nclass Use {\n  int run() {\n    int a = twice(F33);\n"
            "    <|>\n    return a;\n  }\n}\n")
    fragments = prompt({"src/p/Holder.java": holder}, "src/q/Use.java", text)
    assert len(fragments) == 1
    shown = fragments[0].text.split("\n")
    assert len(shown) <= 15 and "  public static final int F33 = 33;" in shown and "  public static int twice(int x) {" in shown


# ------------------------------- Java: bare names are members of the buffer's types and their supertypes only

PARSER_BASE = """package json.base;

public abstract class ParserBase extends ParserMinimalBase {
    protected int _inputPtr;
    protected int _currInputRow;
    protected int _currInputRowStart;

    protected void _reportEOF() {
    }
}
"""
MINIMAL_BASE = """package json.base;

public abstract class ParserMinimalBase {
    protected final static int INT_TAB = '\\t';
    protected final static int INT_LF = '\\n';
    protected final static int INT_CR = '\\r';
}
"""
# unrelated classes with members of the names the parser's code uses bare: its own locals and inherited fields
OTHERS = {f"src/json/util/Other{i}.java": f"package json.util;\n\npublic class Other{i} {{\n    private int ch;\n"
                                           f"    private char[] buf;\n    public int i;\n    public int count;\n}}\n"
          for i in range(3)}
READER = """package json;

import json.base.ParserBase;

public class ReaderParser extends ParserBase {
    private char[] buf;

    void skipLine(int count) {
        for (int i = 0; i < count; ++i) {
            int ch = buf[_inputPtr++];
            if (ch == INT_LF) {
                ++_currInputRow;
                <|>
                break;
            } else if (ch == INT_CR || ch == INT_TAB) {
                continue;
            }
        }
    }
}
"""


def test_java_bare_names_mean_the_members_of_the_buffers_supertypes_not_other_classes_fields():
    # jackson-core: _currInputRowStart = _inputPtr; in a parser extending ParserBase extends ParserMinimalBase;
    # other classes' fields named ch, buf, i, count (the method's own locals) ranked above the inherited ones
    files = {"src/json/base/ParserBase.java": PARSER_BASE, "src/json/base/ParserMinimalBase.java": MINIMAL_BASE,
             **OTHERS}
    got = ranked(files, "src/json/ReaderParser.java", READER)
    others = [c for c in got if (c.definition.container or "").startswith("Other")]
    assert others and not [c for c in others if "used" in c.origins or c.signals["name_proximity"] > 0]
    top = [(c.definition.name, c.definition.container) for c in got[:4]]
    assert ("_currInputRow", "ParserBase") in top and ("INT_LF", "ParserMinimalBase") in top
    # written after x. near the cursor, another class's member is a candidate again
    qualified = READER.replace("int ch = buf[_inputPtr++];", "int ch = other.count + other.buf[_inputPtr++];")
    got = ranked(files, "src/json/ReaderParser.java", qualified)
    assert {"count", "buf"} <= {c.definition.name for c in got if (c.definition.container or "").startswith("Other")}


def test_java_an_anonymous_class_body_sees_its_types_members_bare():
    listener = ("package ui;\n\npublic abstract class Listener {\n    protected int clicks;\n"
                "    public abstract void onClick(int x);\n}\n")
    text = ("package app;\n\nimport ui.Listener;\n\nclass Screen {\n    void wire() {\n"
            "        button.add(new Listener() {\n            public void onClick(int x) {\n                clicks++;\n"
            "                <|>\n            }\n        });\n    }\n}\n")
    files = {"src/ui/Listener.java": listener, **OTHERS, "src/ui/Counter.java":
             "package ui;\n\npublic class Counter {\n    public int clicks;\n}\n"}
    got = ranked(files, "src/app/Screen.java", text)
    clicks = {c.definition.container: c for c in got if c.definition.name == "clicks"}
    assert clicks["Listener"].signals["name_proximity"] > 0
    assert "Counter" not in clicks or clicks["Counter"].signals["name_proximity"] == 0


def test_java_type_heads_give_the_types_they_extend():
    from aix_lsp.symbols.langs._supertypes import declared_types

    text = ("/** A fully-qualified class name for top-level classes. */\n"
            "public final class ClassName extends TypeName implements Comparable<ClassName> {\n"
            "  static class Entry<K extends Key<K>> extends Base<K> implements java.io.Serializable, Map.Entry<K, V> {\n"
            "  }\n  Runnable r = new Runnable() {\n  };\n}\n"
            "public sealed interface Shape permits Circle, Square {}\nrecord Point(int x, int y) implements Cmp<Point> {}\n")
    assert declared_types(text) == {"ClassName": ["TypeName", "Comparable"], "Entry": ["Base", "Serializable", "Entry"],
                                    "Shape": [], "Point": ["Cmp"], "Runnable": []}


def test_csharp_bare_names_mean_members_of_the_class_its_bases_its_initializers_and_attributes():
    base = ("namespace Gfx\n{\n    public abstract class WindowBase\n    {\n        protected int width;\n"
            "        protected int height;\n    }\n}\n")
    native = ("namespace Gfx\n{\n    public class NativeAttribute : System.Attribute\n    {\n"
              "        public string EntryPoint;\n    }\n}\n")
    person = "namespace Gfx\n{\n    public class Options\n    {\n        public string Title { get; set; }\n    }\n}\n"
    # unrelated classes whose fields share the names the window's code writes bare (its own locals, its base's)
    others = {f"Other{i}.cs": f"namespace Gfx\n{{\n    class Other{i}\n    {{\n        int width;\n        int index;\n"
                              f"        string Title;\n        string EntryPoint;\n    }}\n}}\n" for i in range(3)}
    files = {"WindowBase.cs": base, "Native.cs": native, "Options.cs": person, **others}
    text = ("namespace Gfx\n{\n    class Window : WindowBase\n    {\n        void Resize(int index)\n        {\n"
            "            width = index * 2;\n            var o = new Options { Title = \"x\" };\n            <|>\n"
            "        }\n\n        [Native(EntryPoint = \"resize\")]\n        static extern void Native();\n    }\n}\n")
    got = ranked(files, "Window.cs", text)
    by = {(c.definition.name, c.definition.container): c for c in got}
    assert by[("width", "WindowBase")].signals["name_proximity"] > 0
    assert by[("Title", "Options")].signals["name_proximity"] > 0
    assert by[("EntryPoint", "NativeAttribute")].signals["name_proximity"] > 0
    assert not [c for key, c in by.items() if (key[1] or "").startswith("Other") and c.signals["name_proximity"] > 0]


# ------------------------------------ the members ranked past the prompt's last fragment still pick outline rows

def test_a_shown_class_outline_keeps_its_members_ranked_after_the_last_fragment():
    # a settings class of 40 fields; the code writes 14 of them just above the line, the one it needs (written
    # often, and by the look-alike code) further up: ranked, but after the prompt's third fragment, so the outline
    # showed the 14 nearest instead
    fields = "".join(f"        public static string text{i};\n" for i in range(40))
    settings = f"namespace App\n{{\n    static class Settings\n    {{\n{fields}        public static string textTarget;\n    }}\n}}\n"
    helpers = {f"Helper{i}.cs": f"namespace App\n{{\n    public static class Helper{i}\n    {{\n"
                                f"        public static string Read{i}(string key) {{ return key; }}\n    }}\n}}\n"
               for i in range(3)}
    far = "".join("            Settings.textTarget = Helper0.Read0(\"t\");\n" for _ in range(6))
    near = "".join(f"            Settings.text{i} = Helper{i % 3}.Read{i % 3}(\"k{i}\");\n" for i in range(14))
    text = ("namespace App\n{\n    class Loader\n    {\n        void Load()\n        {\n" + far + "\n" * 30 + near +
            "            <|>\n        }\n    }\n}\n")
    files = {"Settings.cs": settings, **helpers}
    look = ["            Settings.textTarget = Helper0.Read0(\"x\");\n            Settings.text3 = y;"] * 3
    index = index_of(files)
    offset = text.index("<|>")
    buffer = text.replace("<|>", "")
    ranks = [c.definition.name for c in index.rank_candidates("Loader.cs", buffer, offset, lookalikes=look)]
    assert "textTarget" in ranks[:40]
    fragments = index.candidates_for_cursor("Loader.cs", buffer, offset, 3, lookalikes=look)
    outline = [f.text for f in fragments if "static class Settings" in f.text]
    assert outline and "public static string textTarget;" in outline[0]

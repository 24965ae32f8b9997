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

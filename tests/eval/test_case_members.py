"""benchmarks/symbols_eval.py's key check for Java and C# members written bare where the language cannot mean
them (issue 23): a bare name inside a type's code is a local, a parameter, a member of that type or of its
supertypes (or of a type it instantiates with a body, an attribute it writes with arguments, a static import), or
a library's; keepasslib's ``new List<string>()`` keyed to its enum constant ``PwIcon.List`` is a wrong answer key.
Dropped from drawn and pinned cases alike. Local files only."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import symbols_eval as E  # noqa: E402

FILES = {
    "src/Enums.cs": "namespace K\n{\n    public enum PwIcon\n    {\n        Key,\n        List,\n    }\n}\n",
    "src/Base.cs": "namespace K\n{\n    public class Base\n    {\n        protected int count;\n    }\n}\n",
    "src/Native.cs": ("namespace K\n{\n    public class NativeAttribute : Attribute\n    {\n"
                      "        public string EntryPoint;\n    }\n}\n"),
    "src/Use.cs": ("namespace K\n{\n    public class Use : Base\n    {\n        void F()\n        {\n"
                   "            var l = new List<string>();\n            count++;\n            var k = PwIcon.List;\n"
                   "        }\n\n        [Native(EntryPoint = \"f\")]\n        static extern void G();\n    }\n}\n"),
    "src/Other.cs": ("namespace K\n{\n    public class Other\n    {\n        void H()\n        {\n"
                     "            count = 2;\n        }\n    }\n}\n"),
}


def _case(path: str, row: int, name: str, def_path: str) -> E.Case:
    def_line = next(i for i, line in enumerate(FILES[def_path].split("\n")) if name in line)
    return E.Case("demo", path, row, name, def_path, def_line, FILES[def_path].split("\n")[def_line].strip())


def test_csharp_members_written_bare_outside_their_types_are_wrong_keys():
    wrong = [_case("src/Use.cs", 6, "List", "src/Enums.cs"),  # the library's List<T>, not the enum constant
             _case("src/Other.cs", 6, "count", "src/Base.cs")]  # Other is no Base: a local or another's
    kept = [_case("src/Use.cs", 7, "count", "src/Base.cs"),  # Use : Base, inherited
            _case("src/Use.cs", 8, "List", "src/Enums.cs"),  # PwIcon.List, qualified
            _case("src/Use.cs", 11, "EntryPoint", "src/Native.cs")]  # [Native(EntryPoint = ...)]: NativeAttribute's
    assert [E.member_outside_types(FILES, c) for c in wrong] == [True, True]
    assert [E.member_outside_types(FILES, c) for c in kept] == [False, False, False]
    dropped: list = []
    assert E.drop_locals(FILES, wrong + kept, dropped) == kept
    assert [reason for reason, _ in dropped] == ["outside", "outside"]


def test_java_static_imports_enum_constants_and_generic_calls_keep_their_cases():
    files = {"src/p/Util.java": ("package p;\n\npublic final class Util {\n    public static <E> E first(E e) {\n"
                                 "        return e;\n    }\n    public static int twice(int x) {\n        return 2 * x;\n"
                                 "    }\n}\n"),
             "src/p/Mode.java": "package p;\n\npublic enum Mode {\n    FAST,\n    SLOW\n}\n",
             "src/q/Use.java": ("package q;\n\nimport static p.Util.twice;\n\nclass Use {\n    int f(Mode m) {\n"
                                "        switch (m) {\n            case FAST:\n                return twice(1);\n"
                                "        }\n        return Util.<Integer>first(2);\n    }\n}\n")}

    def case(row: int, name: str, def_path: str) -> E.Case:
        def_line = next(i for i, line in enumerate(files[def_path].split("\n")) if name in line)
        return E.Case("demo", "src/q/Use.java", row, name, def_path, def_line, files[def_path].split("\n")[def_line].strip())

    assert not E.member_outside_types(files, case(8, "twice", "src/p/Util.java"))  # import static p.Util.twice
    assert not E.member_outside_types(files, case(7, "FAST", "src/p/Mode.java"))  # an enum constant in a case label
    assert not E.member_outside_types(files, case(10, "first", "src/p/Util.java"))  # Util.<Integer>first: qualified

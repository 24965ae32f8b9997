"""C and C++: definitions, #include resolution, and hostile input (include cycles, huge generated headers)."""

import threading

from aix_lsp.symbols.context import FolderSymbols
from aix_lsp.symbols.extract import extract_file

SHAPE_H = '''#ifndef GEO_SHAPE_H
#define GEO_SHAPE_H

#include "geo/config.h"

namespace geo {

/** A closed figure. */
class Shape {
 public:
  explicit Shape(int sides);
  virtual ~Shape();
  /** Area in square units. */
  virtual double area() const = 0;
  int sides() const { return sides_; }

 private:
  int sides_;
};

double perimeter_of(const Shape& s, double side);

}  // namespace geo

#endif
'''

CONFIG_H = '''#ifndef GEO_CONFIG_H
#define GEO_CONFIG_H
#include "geo/shape.h"
#define GEO_EPSILON 1e-9
#define GEO_SQUARE(x) ((x) * (x))
typedef struct geo_options { int precision; int strict; } geo_options_t;
#endif
'''

SHAPE_CC = '''#include "geo/shape.h"

namespace geo {

Shape::Shape(int sides) : sides_(sides) {}

double perimeter_of(const Shape& s, double side) {
  return s.sides() * side;
}

}  // namespace geo
'''

MAIN_CC = '''#include <cstdio>
#include "geo/shape.h"

int main() {
  geo::Square sq(2.0);
  double p = '''

LIST_C = '''#include "list.h"

struct list *list_push(struct list *head, int value) {
  struct list *node = malloc(sizeof *node);
  node->value = value;
  node->next = head;
  return node;
}
'''

LIST_H = '''#pragma once
struct list {
  int value;
  struct list *next;
};
struct list *list_push(struct list *head, int value);
'''


def c_workspace(root):
    (root / "include" / "geo").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "app").mkdir()
    (root / "include" / "geo" / "shape.h").write_text(SHAPE_H)
    (root / "include" / "geo" / "config.h").write_text(CONFIG_H)  # shape.h <-> config.h: an include cycle
    (root / "src" / "shape.cc").write_text(SHAPE_CC)
    (root / "src" / "square.cc").write_text('#include "geo/shape.h"\nnamespace geo {\nclass Square : public Shape {\n public:\n  explicit Square(double s);\n};\n}\n')
    (root / "third_party" / "geo").mkdir(parents=True)  # a vendored header of the same name, never included here
    (root / "third_party" / "geo" / "shape.h").write_text("double perimeter_of(int x);\n")
    (root / "lib").mkdir()
    (root / "lib" / "list.h").write_text(LIST_H)
    (root / "lib" / "list.c").write_text(LIST_C)
    return "app/main.cc"


def top(folder, rel, text, k=3):
    return [(s.path, s.text) for s in folder.index.candidates_for_cursor(rel, text, len(text), k)]


def test_cpp_definitions():
    fs = extract_file("include/geo/shape.h", SHAPE_H)
    got = {(d.name, d.kind, d.container) for d in fs.definitions}
    assert {("Shape", "class", None), ("area", "method", "Shape"), ("sides", "method", "Shape"), ("sides_", "attribute", "Shape"),
            ("perimeter_of", "function", None)} <= got
    assert "GEO_SHAPE_H" not in {d.name for d in fs.definitions}  # an include guard is no definition
    area = next(d for d in fs.definitions if d.name == "area")
    assert area.snippet.strip().startswith("/** Area in square units. */")
    assert [(b.module, b.star) for b in fs.imports] == [("geo/config.h", True)]
    cc = {(d.name, d.kind, d.container) for d in extract_file("src/shape.cc", SHAPE_CC).definitions}
    assert {("Shape", "method", "Shape"), ("perimeter_of", "function", None)} <= cc
    config = {(d.name, d.kind) for d in extract_file("include/geo/config.h", CONFIG_H).definitions}
    assert {("GEO_EPSILON", "constant"), ("GEO_SQUARE", "function"), ("geo_options_t", "type"), ("geo_options", "class")} <= config


def test_c_definitions():
    fs = extract_file("lib/list.h", LIST_H)
    assert {("list", "class", None), ("value", "attribute", "list"), ("list_push", "function", None)} <= \
        {(d.name, d.kind, d.container) for d in fs.definitions}


def test_include_resolves_through_include_root_and_cycles_end(tmp_path):
    rel = c_workspace(tmp_path)
    folder = FolderSymbols(tmp_path)
    assert folder.sync() == 7
    got = top(folder, rel, MAIN_CC + "perimeter_of(")
    # the header the file includes (through include/), not the vendored one nor the .cc's definition first
    assert got[0][0] == "include/geo/shape.h" and "perimeter_of" in got[0][1]
    assert not any(p.startswith("third_party/") for p, _ in got)
    # the definition of a class used at the cursor, from a file that is not included (a sibling .cc)
    got = top(folder, rel, MAIN_CC.replace("double p = ", "sq."))
    assert any(p == "src/square.cc" for p, _ in got)
    # a C file includes its header from its own folder
    buffer = '#include "list.h"\n\nint sum(struct list *l) {\n  struct list *n = list_push('
    assert any(p == "lib/list.h" and "list_push" in t for p, t in top(folder, "lib/sum.c", buffer))


def test_huge_generated_header_is_skipped_or_parsed_without_hanging(tmp_path):
    rel = c_workspace(tmp_path)
    body = "".join(f"#define GEN_CONST_{i} {i}\nint gen_fn_{i}(int a, int b);\n" for i in range(250_000))
    (tmp_path / "include" / "generated.h").write_text(body)  # ~10 MB
    assert (tmp_path / "include" / "generated.h").stat().st_size > 9_000_000
    folder = FolderSymbols(tmp_path)
    done = threading.Event()
    result = {}

    def run():
        result["files"] = folder.sync()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(300), "indexing a workspace with a 10 MB header hung"
    assert result["files"] == 7  # over the crawl's size cap: not indexed, the rest is
    assert top(folder, rel, MAIN_CC + "perimeter_of(")
    # an editor may still send such a file's text: it is indexed as far as it goes
    fs = extract_file("include/generated.h", body[: 2_000_000])
    assert fs is not None and len(fs.definitions) > 50_000


def test_macro_heavy_c_with_parse_errors_is_indexed_as_far_as_it_goes():
    text = ('#include "x.h"\n#define DECL(n) int n##_get(void);\nDECL(foo)\nDECL(bar)\n'
            'static int FN_ATTR helper(int x) { return x + ; }\n'
            'int ok_function(int a) {\n  return a * 2;\n}\n#if defined(X\nint broken(\n')
    fs = extract_file("weird.c", text)
    names = {d.name for d in fs.definitions}
    assert "ok_function" in names and "DECL" in names
    assert [b.module for b in fs.imports] == ["x.h"]

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
    # a header main.cc does not include (a class defined in a .cc is seen by no other file: see below)
    (root / "src" / "square.h").write_text('#include "geo/shape.h"\nnamespace geo {\nclass Square : public Shape {\n public:\n  explicit Square(double s);\n};\n}\n')
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
    # the definition of a class used at the cursor, from a header that is not included
    got = top(folder, rel, MAIN_CC.replace("double p = ", "sq."))
    assert any(p == "src/square.h" for p, _ in got)
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


# ------------------------------------------------------------------ export macros, out-of-line methods

TABLE_H = '''#include "port/export.h"
namespace store {

class Block;  // a forward declaration: no definition
struct ReadOptions;

class STORE_EXPORT Table final : public Base {
 public:
  /** Reads the filter block. */
  void ReadFilter(const Slice& handle);
  int Size() const;

 private:
  struct Rep;
  Rep* rep_;
};

STORE_EXPORT Status DestroyTable(const std::string& name);

}  // namespace store
'''

TABLE_CC = '''#include "store/table.h"
namespace store {

void Table::ReadFilter(const Slice& handle) {
  rep_->filter = handle;
}

int Table::Size() const { return 3; }

}  // namespace store
'''

UV_H = '''#define UV_REQ_FIELDS                                                         \\
  /* public */                                                                \\
  void* data;                                                                 \\
  /* read-only */                                                             \\
  uv_req_type type;                                                           \\

struct uv_shutdown_s {
  UV_REQ_FIELDS
  uv_stream_t* handle;
  int ipc; /* non-zero for ipc */
  UV_SHUTDOWN_PRIVATE_FIELDS
};

typedef enum {
  UV_RUN_DEFAULT = 0,
  UV_RUN_ONCE,
  UV_RUN_NOWAIT
} uv_run_mode;

UV_EXTERN int uv_shutdown(uv_shutdown_t* req, uv_stream_t* handle);
'''


def test_export_macros_do_not_turn_classes_into_functions():
    fs = extract_file("include/store/table.h", TABLE_H)
    got = {(d.name, d.kind, d.container) for d in fs.definitions}
    assert {("Table", "class", None), ("ReadFilter", "method", "Table"), ("Size", "method", "Table"),
            ("rep_", "attribute", "Table"), ("DestroyTable", "function", None)} <= got
    assert not any(name in ("Block", "ReadOptions", "Rep") for name, _, _ in got)  # forward declarations
    table = next(d for d in fs.definitions if d.name == "Table")
    assert "class STORE_EXPORT Table final" in table.snippet  # the snippet keeps the text as written


def test_enumerators_live_in_the_enclosing_scope_unless_the_enum_is_scoped():
    text = "enum Mode { kFast, kSlow };\nclass Prog {\n public:\n  enum Anchor { kAnchored };\n};\nenum class Kind { kA, kB };\n"
    got = {(d.name, d.container) for d in extract_file("m.h", text).definitions if d.kind == "constant"}
    assert got == {("kFast", None), ("kSlow", None), ("kAnchored", "Prog"), ("kA", "Kind"), ("kB", "Kind")}


def test_field_list_macros_and_comments_in_defines_keep_fields_in_their_struct():
    got = {(d.name, d.kind, d.container) for d in extract_file("include/uv.h", UV_H).definitions}
    assert {("uv_shutdown_s", "class", None), ("handle", "attribute", "uv_shutdown_s"), ("ipc", "attribute", "uv_shutdown_s"),
            ("UV_RUN_NOWAIT", "constant", None), ("uv_shutdown", "function", None)} <= got
    # no field of the define or of the struct leaks out as a global
    assert not {n for n, kind, c in got if kind == "variable"} & {"type", "data", "handle", "ipc"}


def test_out_of_line_definitions_are_tied_to_their_header_declarations(tmp_path):
    (tmp_path / "include" / "store").mkdir(parents=True)
    (tmp_path / "table").mkdir()
    (tmp_path / "include" / "store" / "table.h").write_text(TABLE_H)
    (tmp_path / "table" / "table.cc").write_text(TABLE_CC)
    (tmp_path / "table" / "reader.cc").write_text("// another file\n")
    folder = FolderSymbols(tmp_path)
    folder.sync()
    index = folder.index
    assert index._modules.c_matching_sources("include/store/table.h") == ["table/table.cc"]
    cls = next(d for d in index.definitions("Table") if d.kind == "class")
    members = [(d.name, d.path) for d in index._lookup.class_members(cls)]
    # the header's declarations first, then their bodies in the matching source file
    assert members.index(("ReadFilter", "include/store/table.h")) < members.index(("ReadFilter", "table/table.cc"))
    # obj-> / Type:: at the cursor ranks the members of obj's declared type first
    buffer = '#include "store/table.h"\n\nvoid Load(Table* table) {\n  table->Read'
    got = top(folder, "table/reader.cc", buffer, k=2)
    # shown once, as the header's declaration (its comment says what it does), not again as its body
    assert got[0][0] == "include/store/table.h" and "ReadFilter" in got[0][1]
    assert not any(p == "table/table.cc" and "ReadFilter" in t for p, t in top(folder, "table/reader.cc", buffer, k=5))
    # in a method of Table defined out of line, Table's members declared in the header are candidates
    inside = '#include "store/table.h"\nnamespace store {\nint Table::Twice() const {\n  return 2 * '
    names = {c.definition.name for c in index.rank_candidates("table/other.cc", inside, len(inside))}
    assert {"rep_", "Size"} <= names


# ----------------------------------------------------------------------------- include roots


def _include_workspace(root):
    (root / "lib" / "api" / "net").mkdir(parents=True)
    (root / "lib" / "api" / "net" / "socket.h").write_text("int net_connect(const char* host);\n")
    (root / "other" / "net").mkdir(parents=True)  # same relative name under another folder
    (root / "other" / "net" / "socket.h").write_text("int net_connect(int fd);\n")
    (root / "app").mkdir()
    return 'int main(void) {\n  return net_connect('


def test_compile_commands_gives_the_include_roots(tmp_path):
    import json

    from aix_lsp.symbols.langs.c_build import include_roots

    buffer = _include_workspace(tmp_path)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "compile_commands.json").write_text(json.dumps([
        {"directory": str(tmp_path / "build"), "file": "../app/main.c",
         "arguments": ["cc", "-I../lib/api", "-isystem", "/usr/include", "-iquote", "../app", "-c", "../app/main.c"]},
        {"directory": str(tmp_path), "file": "app/x.c", "command": "cc -I lib/api -DX=1 -c app/x.c"},
    ]))
    assert include_roots(tmp_path) == ["lib/api", "app"]  # /usr/include: outside the workspace
    folder = FolderSymbols(tmp_path)
    folder.sync()
    got = top(folder, "app/main.c", '#include "net/socket.h"\n\n' + buffer)
    assert got[0][0] == "lib/api/net/socket.h"  # through -I, not the same-named header elsewhere


def test_broken_huge_or_fifo_compile_commands_is_ignored_with_a_log_line(tmp_path, caplog):
    import logging
    import os

    from aix_lsp.symbols.langs import c_build

    _include_workspace(tmp_path)
    (tmp_path / "include").mkdir()
    (tmp_path / "compile_commands.json").write_text('[{"directory": "/x", "arguments": ["cc", "-Ia"')  # cut short
    with caplog.at_level(logging.INFO, logger=c_build.__name__):
        assert c_build.include_roots(tmp_path) == ["include"]  # the common folders instead
    assert "not valid JSON" in caplog.text
    (tmp_path / "compile_commands.json").unlink()
    os.mkfifo(tmp_path / "compile_commands.json")  # reading it would block for ever
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=c_build.__name__):
        assert c_build.include_roots(tmp_path) == ["include"]
    assert "not a regular file" in caplog.text
    (tmp_path / "compile_commands.json").unlink()
    (tmp_path / "compile_commands.json").write_text("[" + ",".join(["{}"] * 10) + "]")
    c_build_limit = c_build.MAX_COMPILE_COMMANDS
    c_build.MAX_COMPILE_COMMANDS = 8
    try:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger=c_build.__name__):
            assert c_build.include_roots(tmp_path) == ["include"]
        assert "over 8" in caplog.text
    finally:
        c_build.MAX_COMPILE_COMMANDS = c_build_limit
    folder = FolderSymbols(tmp_path)
    assert folder.sync() == 2  # the index still works


def test_cmake_and_makefile_include_flags(tmp_path):
    from aix_lsp.symbols.langs.c_build import include_roots

    (tmp_path / "lib" / "api").mkdir(parents=True)
    (tmp_path / "core").mkdir()
    (tmp_path / "CMakeLists.txt").write_text(
        "project(x)\ninclude_directories(${CMAKE_CURRENT_SOURCE_DIR}/lib/api)  # the public API\n"
        "add_subdirectory(core)\n")
    (tmp_path / "core" / "CMakeLists.txt").write_text(
        "add_library(core core.c)\ntarget_include_directories(core PUBLIC\n"
        "  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>\n  $<INSTALL_INTERFACE:include>\n  PRIVATE internal ${UNKNOWN_DIR})\n")
    assert include_roots(tmp_path) == ["lib/api", "include", "core/internal"]
    cmake_free = tmp_path / "make"
    (cmake_free / "src").mkdir(parents=True)
    (cmake_free / "Makefile").write_text("CFLAGS += -Iinclude -I $(srcdir)/third/api -I/usr/local/include\n"
                                         "ACLOCAL_AMFLAGS = -I m4\n")
    assert include_roots(cmake_free) == ["include", "third/api"]
    (cmake_free / "Makefile").unlink()
    assert include_roots(cmake_free) == ["src"]  # no build file: the common folders that exist


def test_a_member_declared_in_the_header_types_its_receiver(tmp_path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "version_set.h").write_text(
        "class VersionSet {\n public:\n  /** The last sequence number. */\n  uint64_t LastSequence() const;\n"
        "  void SetLastSequence(uint64_t s);\n};\n")
    (tmp_path / "db" / "db_impl.h").write_text(
        '#include "db/version_set.h"\nclass DBImpl {\n public:\n  void Write();\n private:\n'
        "  VersionSet* const versions_;\n  int pending_;\n};\n")
    (tmp_path / "db" / "other.h").write_text("class Other {\n public:\n  uint64_t LastSequence() const;\n};\n")
    folder = FolderSymbols(tmp_path)
    folder.sync()
    buffer = '#include "db/db_impl.h"\n\nvoid DBImpl::Write() {\n  uint64_t last = versions_->'
    got = top(folder, "db/db_impl.cc", buffer, k=5)  # after versions_ itself and DBImpl's members near the cursor
    assert any(p == "db/version_set.h" and "LastSequence" in t for p, t in got)
    paths = [p for p, _ in got]  # another class's LastSequence ranks below (members share their class's fragment
    assert "db/other.h" not in paths or paths.index("db/other.h") > paths.index("db/version_set.h")  # so 5 reach it)
    names = {c.definition.name: c for c in folder.index.rank_candidates("db/db_impl.cc", buffer, len(buffer))}
    assert "receiver" in names["SetLastSequence"].origins and names["SetLastSequence"].definition.path == "db/version_set.h"


def test_what_a_source_file_keeps_to_itself_is_no_candidate_elsewhere(tmp_path):
    # pool.c's static helper, its macro and the struct it defines (with its fields) are seen by no other file:
    # another file that writes `count` or `grow(` means its own local or a function of its own
    (tmp_path / "pool.h").write_text("/** Make a pool. */\nstruct pool *pool_new(int size);\nint pool_size(struct pool *p);\n")
    (tmp_path / "pool.c").write_text(
        '#include "pool.h"\n#define POOL_GROWTH 2\nstruct pool {\n  int count;\n  int capacity;\n};\n'
        "static int grow(struct pool *p) {\n  return p->capacity * POOL_GROWTH;\n}\n"
        "int pool_size(struct pool *p) {\n  return p->count;\n}\n")
    folder = FolderSymbols(tmp_path)
    folder.sync()
    buffer = '#include "pool.h"\n\nint main(void) {\n  int count = 0;\n  int capacity = 1;\n  grow(count, POOL_GROWTH);\n  '
    cands = folder.index.rank_candidates("main.c", buffer, len(buffer))
    got = {(c.definition.name, c.definition.path) for c in cands}
    assert not got & {("count", "pool.c"), ("capacity", "pool.c"), ("grow", "pool.c"), ("POOL_GROWTH", "pool.c"),
                      ("pool", "pool.c")}
    assert ("pool_new", "pool.h") in got  # what the header declares still comes
    # a function of the source file that is not static is seen by the linker: still a candidate by use (shown as
    # its header's declaration); without a header, as its body
    buffer = "int main(void) {\n  return pool_size(0);\n}\n"
    assert ("pool_size", "pool.h") in {(c.definition.name, c.definition.path)
                                       for c in folder.index.rank_candidates("other.c", buffer, 20)}
    (tmp_path / "pool.h").write_text("struct pool *pool_new(int size);\n")
    folder.sync()
    assert ("pool_size", "pool.c") in {(c.definition.name, c.definition.path)
                                       for c in folder.index.rank_candidates("other.c", buffer, 20)}


def test_lower_case_c_types_and_typedef_struct_names_type_their_receivers(tmp_path):
    from aix_lsp.symbols.buffer import receiver_type

    assert receiver_type("int f(uv_loop_t* loop) {\n  loop->", 35, "c") == ("uv_loop_t", "")
    assert receiver_type("struct list *n = head;\n  n->ne", 32, "c") == ("list", "ne")
    assert receiver_type("uv_loop_t* loop;\n  return loop;\n  loop->", 40, "c") == ("uv_loop_t", "")
    assert receiver_type("int f(uv_loop_t* loop) {\n  loop->", 35) is None  # other languages: types are capitalized
    (tmp_path / "uv.h").write_text(
        "typedef struct uv_loop_s uv_loop_t;\ntypedef struct uv_handle_s uv_handle_t;\n"
        "struct uv_handle_s {\n  void* data;\n  int flags;\n};\n"
        "struct uv_loop_s {\n  /* User data - use this for whatever. */\n  void* data;\n  unsigned int active_handles;\n};\n")
    folder = FolderSymbols(tmp_path)
    folder.sync()
    buffer = '#include "uv.h"\n\nint count(uv_loop_t* loop) {\n  return loop->'
    cands = folder.index.rank_candidates("core.c", buffer, len(buffer))
    receivers = {(c.definition.name, c.definition.container) for c in cands if "receiver" in c.origins}
    assert receivers == {("data", "uv_loop_s"), ("active_handles", "uv_loop_s")}
    assert receivers <= {(c.definition.name, c.definition.container) for c in cands[:3]}  # with uv_loop_t itself


def test_what_an_included_header_includes_is_a_candidate(tmp_path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "log_format.h").write_text("enum RecordType {\n  kZeroType = 0,\n  kFullType = 1,\n};\n"
                                                 "static const int kBlockSize = 32768;\n")
    (tmp_path / "db" / "log_reader.h").write_text('#include "db/log_format.h"\nclass Reader {\n public:\n  bool ReadRecord();\n};\n')
    folder = FolderSymbols(tmp_path)
    folder.sync()
    buffer = '#include "db/log_reader.h"\n\nbool Reader::ReadRecord() {\n  int n = kBlockSize;\n  '
    lookalike = "if (type == kZeroType && length == 0) {"  # a window of code like the cursor's
    got = {(c.definition.name, c.definition.path): c
           for c in folder.index.rank_candidates("db/log_reader.cc", buffer, len(buffer), lookalikes=[lookalike])}
    assert "included" in got[("kBlockSize", "db/log_format.h")].origins
    assert "included" in got[("kZeroType", "db/log_format.h")].origins
    assert got[("kZeroType", "db/log_format.h")].signals["imported_name"] == 0  # not as strong as a direct include
    # what neither the buffer nor its look-alikes write would rank nowhere: not gathered at all
    assert ("kFullType", "db/log_format.h") not in got

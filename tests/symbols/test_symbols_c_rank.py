"""C/C++ ranking causes found on the old (leveldb, libuv, re2) and dev (curl, redis) groups' misses, each a general
rule of how C and C++ are written. Real tree-sitter parses over small in-memory workspaces."""

from aix_lsp.symbols import SymbolIndex


def index_of(files: dict[str, str]) -> SymbolIndex:
    index = SymbolIndex()
    index.update_files(files.items())
    return index


def ranked(files: dict[str, str], path: str, text: str) -> list:
    offset = text.index("<|>")
    return index_of(files).rank_candidates(path, text.replace("<|>", ""), offset)


def names(cands: list) -> list[tuple[str, str | None]]:
    return [(c.definition.name, c.definition.container) for c in cands]


STATUS_H = """#ifndef STATUS_H_
#define STATUS_H_
namespace db {
class Status {
 public:
  Status() noexcept : state_(nullptr) {}
  Status(const Status& rhs);
  Status(Status&& rhs) noexcept : state_(rhs.state_) { rhs.state_ = nullptr; }
  ~Status() { delete[] state_; }
  static Status OK() { return Status(); }
  bool ok() const { return state_ == nullptr; }
 private:
  const char* state_;
};
}
#endif
"""

CODING_H = """#ifndef CODING_H_
#define CODING_H_
namespace db {
inline unsigned long DecodeFixed64(const char* ptr) {
  return *reinterpret_cast<const unsigned long*>(ptr);
}
inline unsigned int DecodeFixed32(const char* ptr) {
  return *reinterpret_cast<const unsigned int*>(ptr);
}
}
#endif
"""


def test_cpp_constructors_are_no_candidates_of_their_own():
    # leveldb: a class's three constructors, each "used" wherever the class name is written, filled the top 3
    # (each with the class's uses, plus its owner's); the class is the candidate and its outline shows them
    # the copy constructor is defined out of line, in the source file beside the header
    status_cc = ('#include "util/status.h"\nnamespace db {\nStatus::Status(const Status& rhs) {\n'
                 "  state_ = rhs.state_;\n}\n}\n")
    files = {"util/status.h": STATUS_H, "util/status.cc": status_cc, "util/coding.h": CODING_H}
    text = ('#include "util/status.h"\n#include "util/coding.h"\nnamespace db {\n'
            "Status Read(const char* p, unsigned long* out) {\n  Status s;\n  if (!s.ok()) return s;\n"
            "  *out = DecodeFixed64(p);\n  <|>\n  return Status::OK();\n}\n}\n")
    got = ranked(files, "db/read.cc", text)
    assert not [n for n in names(got) if n == ("Status", "Status")]  # no constructor, in the header or out of line
    assert ("Status", None) in names(got)[:3]
    assert ("DecodeFixed64", None) in names(got)[:3]
    fragments = index_of(files).candidates_for_cursor("db/read.cc", text.replace("<|>", ""), text.index("<|>"), 3)
    assert any("DecodeFixed64" in f.text for f in fragments)


def test_java_constructors_are_no_candidates_of_their_own():
    # the same in Java (and C#): the constructors share the class's uses; the class is the one candidate
    item = ("package shop;\n\npublic class Item {\n  private final int price;\n  public Item() { this(0); }\n"
            "  public Item(int price) { this.price = price; }\n  public Item(Item other) { this(other.price); }\n"
            "  public int price() { return price; }\n}\n")
    tax = "package shop;\n\npublic final class Tax {\n  public static int withTax(int price) { return price * 2; }\n}\n"
    text = ("package shop;\n\npublic class Cart {\n  int total(Item a, Item b) {\n    Item c = new Item(a);\n"
            "    int sum = Tax.withTax(a.price());\n    <|>\n    return sum + new Item(b).price();\n  }\n}\n")
    got = ranked({"src/shop/Item.java": item, "src/shop/Tax.java": tax}, "src/shop/Cart.java", text)
    assert not [n for n in names(got) if n == ("Item", "Item")]
    assert ("Item", None) in names(got)[:3]


def test_c_functions_with_a_parenthesized_name_after_an_export_macro_are_extracted():
    # Lua (vendored by redis and many others): ``LUA_API int (lua_gettop) (lua_State *L);`` keeps a function-like
    # macro of that name from expanding; tree-sitter read the macro as the type and ``int``/``void`` as the name
    from aix_lsp.symbols.extract import extract_file

    header = ("#define LUA_API extern\ntypedef struct lua_State lua_State;\n"
              "LUA_API int   (lua_gettop) (lua_State *L);\nLUA_API void  (lua_settop) (lua_State *L, int idx);\n"
              "LUA_API const char *(lua_tolstring) (lua_State *L, int idx, size_t *len);\n")
    source = ("#define LUALIB_API extern\nLUALIB_API void (luaL_register) (lua_State *L, const char *libname) {\n"
              "  luaI_openlib(L, libname, 0);\n}\n\nLUALIB_API int (luaL_loadstring) (lua_State *L, const char *s) {\n"
              "  return luaL_loadbuffer(L, s, strlen(s), s);\n}\n")
    got = {d.name for d in extract_file("lua.h", header).definitions if d.kind == "function"}
    # (a header parses as C++, where ``int (lua_gettop) (lua_State *L);`` may also read as a call: not asserted)
    assert {"lua_settop", "lua_tolstring"} <= got and not got & {"int", "void", "char"}
    got = {d.name for d in extract_file("lauxlib.c", source).definitions if d.kind == "function"}
    assert got == {"luaL_register", "luaL_loadstring"}


def test_cpp_members_written_bare_are_of_the_cursors_class_or_its_bases():
    # re2: a local ``re`` near the cursor made WalkState's member ``re`` (another class, never written x.re) rank
    # first; C++ writes a member bare only in the methods of its class and of classes derived from it
    walker = "struct WalkState {\n  Regexp* re;\n  int n;\n};\n"
    base = "class Walker {\n public:\n  int max_visits_;\n  void Reset();\n};\n"
    parser_h = ('#include "walker.h"\n#include "base.h"\nclass Parser : public Walker {\n public:\n'
                "  bool Parse(const char* s);\n private:\n  int depth_;\n};\n")
    files = {"walker.h": walker, "base.h": base, "parser.h": parser_h}
    text = ('#include "parser.h"\n\nbool Parser::Parse(const char* s) {\n  Regexp* re = Compile(s);\n'
            "  if (re == nullptr) return false;\n  depth_ = 0;\n  max_visits_ = 10;\n  <|>\n  Run(re);\n"
            "  return depth_ > 0;\n}\n")
    used = {(c.definition.name, c.definition.container) for c in ranked(files, "parser.cc", text) if "used" in c.origins}
    assert ("re", "WalkState") not in used
    assert {("depth_", "Parser"), ("max_visits_", "Walker")} <= used  # its own class's and its base's
    # written after x-> it is a member of anything
    again = ranked(files, "parser.cc", text.replace("Run(re);", "Run(w->re);"))
    assert ("re", "WalkState") in {(c.definition.name, c.definition.container) for c in again if "used" in c.origins}


def test_c_plain_enum_constants_share_their_enums_fragment():
    # jq: ``case JV_KIND_ARRAY:`` among other cases; the constants of a plain enum have no container (they live in
    # the enclosing scope), so each took a fragment of its own; two of them make one fragment, the enum's outline
    header = ("typedef enum {\n  KIND_INVALID,\n  KIND_NULL,\n  KIND_FALSE,\n  KIND_TRUE,\n  KIND_NUMBER,\n  KIND_STRING,\n"
              "  KIND_ARRAY,\n  KIND_OBJECT\n} kind_t;\n\ntypedef struct value { kind_t kind; } value;\n\n"
              "kind_t get_kind(value v);\nvoid print_number(value v);\nvoid print_string(value v);\n")
    text = ('#include "value.h"\n\nvoid dump(value v) {\n  switch (get_kind(v)) {\n  case KIND_NULL:\n    break;\n'
            "  case KIND_NUMBER:\n    print_number(v);\n    break;\n  case KIND_STRING:\n    print_string(v);\n"
            "    break;\n  <|>\n  }\n}\n")
    fragments = index_of({"value.h": header}).candidates_for_cursor("dump.c", text.replace("<|>", ""),
                                                                   text.index("<|>"), 3)
    enum = [f for f in fragments if f.text.startswith("typedef enum")]
    assert enum and "KIND_NUMBER" in enum[0].text and "KIND_STRING" in enum[0].text
    assert not [f for f in fragments if f.text.strip().startswith("KIND_")]  # no constant alone


def test_c_macros_of_one_define_block_share_a_fragment():
    # redis: {"graph",...,CMD_LOADING,...}: CMD_DOC_NONE, CMD_NOSCRIPT took fragments of their own beside the one
    # needed; two macros a few rows apart in a header are one block, shown as one fragment of its #define lines
    header = ("#ifndef SERVER_H\n#define SERVER_H\n#define CMD_WRITE (1ULL<<0)\n#define CMD_READONLY (1ULL<<1)\n"
              "#define CMD_DENYOOM (1ULL<<2)\n#define CMD_ADMIN (1ULL<<4)\n#define CMD_PUBSUB (1ULL<<5)\n"
              "#define CMD_NOSCRIPT (1ULL<<6)\n#define CMD_LOADING (1ULL<<9)\n\nstruct cmd { const char *name; long flags; };\n"
              "void register_cmd(struct cmd *c);\nvoid unregister_cmd(struct cmd *c);\n#endif\n")
    text = ('#include "server.h"\n\nstruct cmd table[] = {\n  {"get", CMD_READONLY},\n  {"set", CMD_WRITE|CMD_DENYOOM},\n'
            '  {"publish", CMD_PUBSUB|CMD_LOADING},\n  <|>\n};\n\nvoid init(void) {\n  register_cmd(&table[0]);\n}\n')
    fragments = index_of({"server.h": header}).candidates_for_cursor("table.c", text.replace("<|>", ""),
                                                                    text.index("<|>"), 3)
    blocks = [f for f in fragments if f.text.count("#define CMD_") >= 2]
    assert len(blocks) == 1 and "CMD_NOSCRIPT" in blocks[0].text  # a row between those taken shows too
    assert sum(f.text.count("#define CMD_") for f in fragments) == blocks[0].text.count("#define CMD_")

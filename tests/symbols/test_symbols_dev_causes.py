"""Causes found on benchmarks/symbols_eval.py's dev group (neither tuned on nor held out: x/tools, curl, redis,
@trpc/server), each a general rule. Real tree-sitter parses over small in-memory workspaces."""

from aix_lsp.symbols import SymbolIndex


def ranked(files: dict[str, str], path: str, text: str, lookalikes: list[str] | None = None) -> list:
    index = SymbolIndex()
    index.update_files(files.items())
    offset = text.index("<|>")
    return index.rank_candidates(path, text.replace("<|>", ""), offset, lookalikes=lookalikes)


def names(cands: list) -> list[tuple[str, str | None]]:
    return [(c.definition.name, c.definition.container) for c in cands]


# ------------------------------------------------------ Go: a type's methods live in any file of its package

def test_go_methods_declared_in_other_files_of_the_package_are_the_receivers_members():
    # gopls: type Server in server.go, its helper beginFileRequest in general.go, the handler in a third file
    # writes s.beginFileRequest(...) first thing; 70 generated methods in server_gen.go come before it
    server = "package lsp\n\ntype Server struct {\n\tclient Client\n\tsession Session\n}\n"
    gen = "package lsp\n\n" + "".join(f"func (s *Server) Handler{i}(ctx Context) error {{\n\treturn nil\n}}\n\n"
                                       for i in range(70))
    general = ("package lsp\n\n// beginFileRequest checks preconditions for a file-oriented request.\n"
               "func (s *Server) beginFileRequest(ctx Context, uri string) (Snapshot, bool, error) {\n"
               "\treturn nil, false, nil\n}\n")
    handler = ("package lsp\n\nfunc (s *Server) selectionRange(ctx Context, uri string) ([]Range, error) {\n"
               "\t<|>\n\tif !ok {\n\t\treturn nil, err\n\t}\n\treturn snapshot.Ranges(ctx), nil\n}\n")
    files = {"lsp/server.go": server, "lsp/server_gen.go": gen, "lsp/general.go": general,
             # another package's functions that share every word of the code around the cursor (BM25 brings them)
             **{f"other/f{i}.go": f"package other\n\nfunc selectionRanges{i}(ctx Context, uri string, snapshot Snapshot, "
                                  f"ok bool, err error) ([]Range, error) {{\n\treturn snapshot.Ranges(ctx), err\n}}\n"
                for i in range(30)}}
    look = ["\tsnapshot, ok, err := s.beginFileRequest(ctx, uri)\n\tif !ok {\n\t\treturn nil, err\n\t}"]
    got = ranked(files, "lsp/selection_range.go", handler)
    assert ("beginFileRequest", "Server") in names(got)[:3]
    # a plain function of the same file is in no method: Server's members are not brought for it
    plain = handler.replace("func (s *Server) selectionRange(", "func selectionRange(s *Other, ")
    other = ranked(files, "lsp/selection_range.go", plain)
    assert not any("member" in c.origins for c in other if c.definition.container == "Server")


def test_a_large_types_members_past_the_cap_are_candidates_when_the_look_alike_code_writes_them():
    # the same handler, but the helper sits in a file after the 70 generated methods: past the first 60 members;
    # the look-alike windows (the other handlers) write s.beginFileRequest
    server = "package lsp\n\ntype Server struct {\n\tclient Client\n}\n"
    gen = "package lsp\n\n" + "".join(f"func (s *Server) Handler{i}(ctx Context) error {{\n\treturn nil\n}}\n\n"
                                       for i in range(70))
    helper = ("package lsp\n\nfunc (s *Server) beginFileRequest(ctx Context, uri string) (Snapshot, bool, error) {\n"
              "\treturn nil, false, nil\n}\n")
    handler = ("package lsp\n\nfunc (s *Server) selectionRange(ctx Context, uri string) ([]Range, error) {\n"
               "\t<|>\n\tif !ok {\n\t\treturn nil, err\n\t}\n\treturn snapshot.Ranges(ctx), nil\n}\n")
    files = {"lsp/server.go": server, "lsp/server_gen.go": gen, "lsp/zz_requests.go": helper,
             **{f"other/f{i}.go": f"package other\n\nfunc selectionRanges{i}(ctx Context, uri string, snapshot Snapshot, "
                                  f"ok bool, err error) ([]Range, error) {{\n\treturn snapshot.Ranges(ctx), err\n}}\n"
                for i in range(30)}}
    look = ["\tsnapshot, ok, err := s.beginFileRequest(ctx, uri)\n\tif !ok {\n\t\treturn nil, err\n\t}"] * 3
    got = ranked(files, "lsp/selection_range.go", handler, look)
    assert ("beginFileRequest", "Server") in names(got)[:3]
    cand = next(c for c in got if c.definition.name == "beginFileRequest")
    assert "member" in cand.origins



# ------------------------------------------- TypeScript: a barrel's export list names what its module exports

def test_a_line_inside_an_export_list_names_what_the_module_exports_and_the_list_does_not_yet():
    router = ("export type AnyRouter = Router<any, any>;\nexport interface Router<A, B> {\n  a: A;\n  b: B;\n}\n"
              "export function createRouter() {\n  return {};\n}\nexport type RouterRecord = Record<string, unknown>;\n")
    procedure = "export type AnyProcedure = Procedure<any>;\nexport interface Procedure<T> {\n  t: T;\n}\n"
    middleware = "export type AnyMiddlewareFunction = () => void;\nexport type MiddlewareResult = unknown;\n"
    # the barrel: one list per module; the blanked line sits in the router's list
    barrel = ("export {\n  AnyMiddlewareFunction,\n  MiddlewareResult,\n} from './core/middleware';\n"
              "export {\n  AnyProcedure,\n  Procedure,\n} from './core/procedure';\n"
              "export {\n  <|>\n  Router,\n  RouterRecord,\n  createRouter,\n} from './core/router';\n")
    files = {"src/core/router.ts": router, "src/core/procedure.ts": procedure, "src/core/middleware.ts": middleware}
    got = ranked(files, "src/index.ts", barrel)
    assert ("AnyRouter", None) == names(got)[0]
    assert ("Router", None) not in names(got)[:3]  # listed already


def test_a_barrel_list_puts_the_missing_name_in_its_sorted_gap_and_drops_names_listed_above_the_cursor():
    # @trpc/server's observable/index.ts: the list is sorted, so of the module's unlisted exports (which tie)
    # the one between the names around the cursor is the line's; the names listed above it are written already
    types = ("export interface Unsubscribable {\n  unsubscribe(): void;\n}\n"
             "export type UnaryFunction<A, B> = (a: A) => B;\n"
             "export type OperatorFunction<A, B> = UnaryFunction<A, B>;\n"
             "export type MonoTypeOperatorFunction<T> = OperatorFunction<T, T>;\n"
             "export interface Observer<T> {\n  next: (value: T) => void;\n}\n"
             "export interface Observable<T> {\n  subscribe(o: Observer<T>): Unsubscribable;\n}\n"
             "export type TeardownLogic = Unsubscribable | (() => void);\n")
    barrel = ("export type {\n  Observable,\n  Observer,\n  /**\n   * @deprecated use `Cleanup` instead\n   */\n"
              "  <|>\n  Unsubscribable,\n} from './types';\n")
    got = ranked({"src/observable/types.ts": types}, "src/observable/index.ts", barrel)
    assert names(got)[0] == ("TeardownLogic", None)
    assert ("Observable", None) not in names(got)[:3] and ("Observer", None) not in names(got)[:3]


def test_an_edit_to_a_sibling_file_of_the_package_is_seen_by_the_next_query():
    # the type's method list and the package's name table are cached (by the files they read): a method or a
    # function added or removed in another file of the package shows in the next query
    files = {"lsp/server.go": "package lsp\n\ntype Server struct {\n\tclient Client\n}\n",
             "lsp/general.go": "package lsp\n\nfunc (s *Server) beginFileRequest(uri string) bool {\n\treturn true\n}\n"}
    handler = ("package lsp\n\nfunc (s *Server) hover(uri string) bool {\n\tok := newHoverRequest(uri)\n"
               "\treturn s.<|>\n}\n")
    index = SymbolIndex()
    index.update_files(files.items())
    text, offset = handler.replace("<|>", ""), handler.index("<|>")

    def query() -> list[tuple[str, str | None]]:
        return names(index.rank_candidates("lsp/hover.go", text, offset))

    first = query()
    assert ("beginFileRequest", "Server") in first and ("newHoverRequest", None) not in first
    index.update_file("lsp/general.go", files["lsp/general.go"].replace("beginFileRequest", "endFileRequest")
                      + "\nfunc newHoverRequest(uri string) bool {\n\treturn false\n}\n")
    second = query()
    assert ("endFileRequest", "Server") in second and ("beginFileRequest", "Server") not in second
    assert ("newHoverRequest", None) in second
    index.update_file("lsp/general.go", files["lsp/general.go"])
    third = query()
    assert ("beginFileRequest", "Server") in third and ("newHoverRequest", None) not in third

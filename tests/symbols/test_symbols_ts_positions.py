"""Two causes of TypeScript misses (issue 23): code repeats within a file (a class's methods each write the same
generic list, overloads repeat their heads), so the lines next to the other copies of the line above the cursor
say what the cursor's line writes; and a line in a generic list, a function's parameters, an interface body or at
the module's top level writes types, not values. Real tree-sitter parses over small in-memory workspaces."""

from aix_lsp.symbols import SymbolIndex
from aix_lsp.symbols.buffer import repeated_neighbours
from aix_lsp.symbols.langs._type_position import type_position

TYPES = ("export type DefaultError = Error\n\n"
         "export type QueryKey = ReadonlyArray<unknown>\n\n"
         "export interface QueryOptions<TData, TError> {\n  retry: number\n  data?: TData\n  error?: TError\n}\n")
UTILS = ("export function hashKey(key: unknown): string {\n  return JSON.stringify(key)\n}\n\n"
         "export function noop(): void {}\n")


def ranked(files: dict[str, str], path: str, text: str) -> list[str]:
    index = SymbolIndex()
    index.update_files(files.items())
    offset = text.index("<|>")
    return [c.definition.name for c in index.rank_candidates(path, text.replace("<|>", ""), offset)]


def test_the_lines_next_to_the_other_copies_of_the_line_above_say_what_the_line_writes():
    # every method of the client writes the same generic list; the cursor is in a new one, after its first row
    client = ("import { DefaultError, QueryKey, QueryOptions } from './types'\n"
              "import { hashKey, noop } from './utils'\n\n"
              "export class Client {\n"
              "  fetch<\n    TData = unknown,\n    TError = DefaultError,\n    TKey extends QueryKey = QueryKey,\n"
              "  >(key: TKey, options: QueryOptions<TData, TError>): void {\n    noop()\n  }\n\n"
              "  prefetch<\n    TData = unknown,\n    TError = DefaultError,\n    TKey extends QueryKey = QueryKey,\n"
              "  >(key: TKey, options: QueryOptions<TData, TError>): void {\n    noop()\n  }\n\n"
              "  ensure<\n    TData = unknown,\n<|>\n    TKey extends QueryKey = QueryKey,\n"
              "  >(key: TKey): string {\n    return hashKey(key)\n  }\n}\n")
    got = ranked({"src/types.ts": TYPES, "src/utils.ts": UTILS}, "src/client.ts", client)
    assert got[0] == "DefaultError"  # not QueryKey, used on the next line and more often


def test_repeated_neighbours_reads_copies_of_the_lines_around_the_cursor():
    lines = ["f(", "  a: A,", "  b: B,", ")", "g(", "  a: A,", "", "  c: C,", ")"]
    got = repeated_neighbours("\n".join(lines), lines, 6)
    assert got["b"] == 1.0 and got["B"] == 1.0  # the copy of "a: A," above is followed by "b: B,"
    assert "C" not in got  # the cursor's own neighbours are no copies
    brace = ["{", "  x()", "}", "{", "", "}"]
    assert repeated_neighbours("\n".join(brace), brace, 4) == {}  # "{" and "}" say nothing


def at(text: str) -> bool:
    return type_position(text.replace("<|>", ""), text.index("<|>"))


def test_type_positions_of_typescript():
    assert at("export class C {\n  find<\n    TData = unknown,\n<|>\n  >(key: string) {}\n}\n")  # a generic list
    assert at("export function run(\n  key: string,\n<|>\n): void {\n  go(key)\n}\n")  # a function's parameters
    assert at("class C {\n  run(\n    key: string,\n<|>\n  ): void {\n    go(key)\n  }\n}\n")  # a method's
    assert at("const f = (\n  key: string,\n<|>\n) => key\n")  # an arrow function's
    assert at("export interface Options {\n  retry: number\n<|>\n}\n")  # an interface body
    assert at("export type Options = {\n  retry: number\n<|>\n}\n")  # a type literal
    assert at("function f(opts: {\n  retry: number\n<|>\n}) {}\n")  # a parameter's type literal
    assert at("import { a } from './a'\n\n<|>\n\nexport const b = 1\n")  # the module's top level declares
    assert not at("function f(key: string) {\n  const x = key\n<|>\n  return x\n}\n")  # a function body
    assert not at("function f(key: string) {\n  go(\n    key,\n<|>\n  )\n}\n")  # a call's arguments
    assert not at("class C {\n  run(): void {\n    this.go(\n<|>\n    )\n  }\n}\n")  # a call in a method
    assert not at("function f() {\n  return {\n    retry: {\n<|>\n    },\n  }\n}\n")  # an object literal's value
    assert not at("function f() {\n  if (a < b) {\n<|>\n  }\n}\n")  # a comparison is no generic list
    # the body of a generic function, its head's extends clause notwithstanding; a type literal in a generic list is one
    assert not at("export function f<T extends Input<any>>(a: T): Output<T> {\n<|>\n  return go(a)\n}\n")
    assert at("function f<T extends {\n  id: string\n<|>\n}>(a: T) {}\n")
    assert not at("function f() {\n  // see (\n  const s = '{ ('\n<|>\n}\n")  # brackets in comments and strings


def test_a_type_outranks_a_function_used_nearby_in_a_parameter_list():
    client = ("import { QueryOptions } from './types'\n"
              "import { hashKey, noop } from './utils'\n\n"
              "export function build(options: QueryOptions<unknown, Error>) {\n  noop()\n  return hashKey(options)\n}\n\n"
              "export function fetchQuery(\n  key: string,\n<|>\n): string {\n  noop()\n  return hashKey(key)\n}\n")
    got = ranked({"src/types.ts": TYPES, "src/utils.ts": UTILS}, "src/client.ts", client)
    assert got[0] == "QueryOptions"
    body = client.replace("<|>\n): string {\n  noop()\n", "): string {\n  noop()\n<|>\n")  # in the body, values stay ahead
    assert ranked({"src/types.ts": TYPES, "src/utils.ts": UTILS}, "src/client.ts", body)[0] != "QueryOptions"

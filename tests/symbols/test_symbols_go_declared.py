"""Go declares every local before its use (issue 23, Go): a name the code below the cursor uses that its function
never wrote above is declared on the cursor's line, and the members written after it below say its type; that
type and its package's functions returning it (``func New() *Viper``) are what the line writes. Real tree-sitter
parses over small in-memory workspaces."""

from aix_lsp.symbols import SymbolIndex


def ranked(files: dict[str, str], path: str, text: str) -> list:
    index = SymbolIndex()
    index.update_files(files.items())
    offset = text.index("<|>")
    return index.rank_candidates(path, text.replace("<|>", ""), offset)


def top(cands: list, k: int = 3) -> list[str]:
    return [c.definition.name for c in cands[:k]]


VIPER = ("package viper\n\ntype Viper struct {\n\tconfigFile string\n}\n\n// New returns an initialized Viper instance.\n"
         "func New() *Viper {\n\treturn &Viper{}\n}\n\nfunc (v *Viper) SetConfigFile(in string) {\n\tv.configFile = in\n}\n\n"
         "func (v *Viper) ReadInConfig() error {\n\treturn nil\n}\n\nfunc (v *Viper) GetString(key string) string {\n"
         "\treturn key\n}\n\nfunc Reset() {}\n\nfunc decode(input string) error {\n\treturn nil\n}\n")
# another type with a GetString of its own, and helpers the test file uses all around
OTHER = ("package viper\n\ntype RemoteResponse struct {\n\tValue string\n}\n\nfunc (r RemoteResponse) GetString(k string) string "
         "{\n\treturn k\n}\n\nfunc initConfigs() {}\n\nfunc checkIt(t T, s string) {}\n")


def test_a_local_the_cursor_line_declares_is_made_by_a_function_returning_the_type_its_members_belong_to():
    test = ("package viper\n\nfunc TestReadInConfig(t T) {\n\t<|>\n\tv.SetConfigFile(\"config.yaml\")\n"
            "\terr := v.ReadInConfig()\n\tcheckIt(t, v.GetString(\"key\"), err)\n}\n")
    got = ranked({"viper.go": VIPER, "remote.go": OTHER}, "viper_test.go", test)
    assert "New" in top(got)  # func New() *Viper: SetConfigFile and ReadInConfig are Viper's
    new = next(c for c in got if c.definition.name == "New")
    assert "declares" in new.origins
    # written above the cursor, v is not declared on its line: nothing is inferred for it
    above = test.replace("\t<|>\n", "\tv := New()\n\t<|>\n")
    assert not any("declares" in c.origins for c in ranked({"viper.go": VIPER, "remote.go": OTHER}, "viper_test.go", above))


def test_a_function_head_on_the_cursor_line_declares_the_parameters_its_body_uses():
    graph = ("package cache\n\ntype metadataGraph struct {\n\tmetadata map[string]int\n\tids map[string][]string\n}\n\n"
             "func (g *metadataGraph) Clone() *metadataGraph {\n\treturn g\n}\n\ntype snapshot struct {\n\tid int\n}\n")
    load = ("package cache\n\nfunc loadOne(s *snapshot) {\n\ts.id++\n}\n\n<|>\n\tfor id := range g.ids {\n"
            "\t\tif g.metadata[id] == 0 {\n\t\t\treturn false\n\t\t}\n\t}\n\treturn true\n}\n")
    got = ranked({"cache/graph.go": graph, "cache/snapshot.go": "package cache\n\nfunc keep(s *snapshot) {}\n"},
                 "cache/load.go", load)
    assert "metadataGraph" in top(got)


def test_the_local_s_name_picks_among_the_constructors_of_an_interface():
    fs = ("package afero\n\ntype Fs interface {\n\tCreate(name string) (File, error)\n\tOpen(name string) (File, error)\n}\n")
    ctors = "package afero\n\n" + "".join(f"func New{n}Fs() Fs {{\n\treturn nil\n}}\n\n" for n in ("Mem", "Os", "ReadOnly", "Base"))
    test = ("package afero\n\nfunc TestOpen(t T) {\n\t<|>\n\tf, err := osFs.Create(\"x\")\n\tg, err := osFs.Open(\"x\")\n"
            "\tuse(f, g, err)\n}\n")
    got = ranked({"afero.go": fs, "ctors.go": ctors}, "afero_test.go", test)
    assert top(got, 1) == ["NewOsFs"]


def test_the_first_result_type_of_a_go_signature():
    from aix_lsp.symbols.langs.go import result_type

    assert result_type("func New() *Viper {") == "Viper"
    assert result_type("func Open(name string) (*File, error) {") == "File"
    assert result_type("func (c *C) Get[T any](k string) (v pkg.Value, err error) {") == "Value"
    assert result_type("func Walk(fn func(int) bool) Fs {") == "Fs"
    assert result_type("func Names() []string {") is None
    assert result_type("func Run() {") is None

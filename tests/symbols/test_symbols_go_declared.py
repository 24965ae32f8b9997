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


FS = ("package afero\n\ntype Fs interface {\n\tCreate(name string) (File, error)\n\tOpen(name string) (File, error)\n}\n\n"
      + "".join(f"type {n}Fs struct{{}}\n\nfunc (f *{n}Fs) Create(name string) (File, error) {{\n\treturn nil, nil\n}}\n\n"
                f"func (f *{n}Fs) Open(name string) (File, error) {{\n\treturn nil, nil\n}}\n\n"
                f"func New{n}Fs() Fs {{\n\treturn &{n}Fs{{}}\n}}\n\n" for n in ("Mem", "Os", "ReadOnly", "Base", "Cache")))


def test_the_interface_its_implementations_share_and_the_local_s_name_pick_the_constructor():
    # Create and Open are the interface's and each of its five implementations': the interface is the type, and
    # of the constructors returning it, the one named like the local
    test = ("package afero\n\nfunc TestOpen(t T) {\n\t<|>\n\tf, err := osFs.Create(\"x\")\n\tg, err := osFs.Open(\"x\")\n"
            "\tuse(f, g, err)\n}\n")
    got = ranked({"afero.go": FS}, "afero_test.go", test)
    assert top(got, 1) == ["NewOsFs"]


def test_a_local_used_only_as_a_value_below_is_named_for_what_makes_it():
    test = ("package afero\n\nfunc TestBase(t T) {\n\t<|>\n\tbase := NewBasePathFs(osFs, \"/tmp\")\n\tcheck(t, base)\n"
            "\tcleanup(t)\n}\n")
    files = {"afero.go": FS, "base.go": "package afero\n\nfunc NewBasePathFs(source Fs, path string) Fs {\n\treturn nil\n}\n",
             "util_test.go": "package afero\n\nfunc check(t T, fs Fs) {}\n\nfunc cleanup(t T) {}\n"}
    assert "NewOsFs" in top(ranked(files, "afero_test.go", test))  # osFs: os, fs


def test_names_declared_below_the_cursor_or_written_above_it_are_not_the_line_s():
    from aix_lsp.symbols.buffer import declared_at_cursor
    from aix_lsp.symbols.langs import language

    text = ("package a\n\nfunc f(p *P) {\n\tq := p.Q()\n\t\n\tfor _, fs := range list {\n\t\tfs.Open(q)\n\t}\n"
            "\tconst file = \"x\"\n\tuse(file, ufs.Name, Cfg{Use: 1})\n}\n")
    found = declared_at_cursor(text, text.index("\t\n") + 1, language("go").method_head)
    assert found == {"list": set(), "use": set(), "ufs": {"Name"}, "Cfg": set()}


def test_the_first_result_type_of_a_go_signature():
    from aix_lsp.symbols.langs.go import result_type

    assert result_type("func New() *Viper {") == "Viper"
    assert result_type("func Open(name string) (*File, error) {") == "File"
    assert result_type("func (c *C) Get[T any](k string) (v pkg.Value, err error) {") == "Value"
    assert result_type("func Walk(fn func(int) bool) Fs {") == "Fs"
    assert result_type("func Names() []string {") is None
    assert result_type("func Run() {") is None


def test_another_package_s_top_level_name_written_bare_is_not_its_use():
    # cobra: doc/cmd_test.go (package doc) has a top-level rootCmd; command_test.go (package cobra) writes its own
    # local rootCmd everywhere: Go reaches doc's only through an import, so those uses are not its
    doc = "package doc\n\nvar rootCmd = &Command{}\n"
    command = ("package cobra\n\ntype Command struct {\n\tUse string\n}\n\nfunc (c *Command) AddCommand(cmds ...*Command) {}\n\n"
               "func executeCommand(root *Command, args ...string) (string, error) {\n\treturn \"\", nil\n}\n")
    test = ("package cobra\n\nfunc TestChild(t T) {\n\trootCmd := &Command{Use: \"root\"}\n\tchild := &Command{Use: \"c\"}\n"
            "\trootCmd.AddCommand(child)\n\t<|>\n\tcheck(t, rootCmd, rootCmd, rootCmd)\n}\n")
    got = ranked({"doc/cmd_test.go": doc, "command.go": command, "check_test.go": "package cobra\n\nfunc check(t T, c ...*Command) {}\n"},
                 "command_test.go", test)
    foreign = next(c for c in got if c.definition.name == "rootCmd")
    assert "foreign" in foreign.origins and not foreign.signals["name_proximity"] and not foreign.signals["frequency"]
    assert "rootCmd" not in top(got)

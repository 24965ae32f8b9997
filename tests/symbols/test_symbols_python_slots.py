"""What the cursor's Python line is, read from the lines around it (a parameter's annotation inside a ``def``'s
parameter list, a decorator above a ``def``), decides between the many names a module imports: a type for an
annotation, a name the buffer's decorators write for a decorator. Real tree-sitter parses over small in-memory
workspaces; each test fails without the slot signal."""

from aix_lsp.symbols import SymbolIndex

MODELS = ("class Widget:\n    \"\"\"A widget.\"\"\"\n\n    def draw(self):\n        pass\n\n\n"
          "Size = tuple[int, int]\n\n\n"
          "def make_widget(size):\n    return Widget()\n\n\n"
          "def render(widget):\n    return widget.draw()\n\n\n"
          "def layout(widgets):\n    return widgets\n\n\n"
          "DEFAULT_NAME = 'w'\n")
HELPERS = ("def cached(fn):\n    return fn\n\n\n"
           "def log_calls(fn):\n    return fn\n\n\n"
           "def measure(text):\n    return len(text)\n\n\n"
           "def wrap(text, width):\n    return text\n\n\n"
           "def pad(text):\n    return text\n")


def ranked(files: dict[str, str], path: str, text: str) -> list[str]:
    index = SymbolIndex()
    index.update_files(files.items())
    offset = text.index("<|>")
    return [c.definition.name for c in index.rank_candidates(path, text.replace("<|>", ""), offset)]


def test_a_line_in_a_def_parameter_list_wants_a_type_not_the_functions_used_nearby():
    filler = "".join(f"\n\ndef step{i}(x):\n    return x + {i}\n" for i in range(8))
    buffer = ("from models import Widget, Size, make_widget, render, layout, DEFAULT_NAME\n\n"
              f"KINDS = (Widget, Size)\n{filler}\n\n"
              "def build(name=DEFAULT_NAME):\n    w = make_widget((1, 2))\n    render(w)\n    layout([w])\n"
              "    return render(w)\n\n\n"
              "def place(\n    self,\n<|>\n    size: int = 0,\n) -> None:\n"
              "    layout([render(make_widget(size))])\n")
    got = ranked({"models.py": MODELS}, "app.py", buffer)
    assert got.index("Widget") < 3 and got.index("Size") < 3  # the two types before the functions used around


def test_the_line_that_closes_a_parameter_list_wants_a_type_and_a_body_line_does_not():
    from aix_lsp.symbols.langs.python import cursor_slot

    text = "def f(\n    a: int,\n) -> X:\n    return a\n"
    closing = text.index(") -> X")
    assert cursor_slot(text, closing) is not None  # still inside the def's parentheses
    assert cursor_slot(text, text.index("    return")) is None  # the body: no slot
    assert cursor_slot("def f(a=')'):\n    x = 1\n", len("def f(a=')'):\n    ")) is None  # a ')' in a string
    assert cursor_slot("x = g(\n    1,\n", len("x = g(\n    ")) is None  # a call's arguments: no def


def test_a_line_above_a_def_wants_a_name_the_buffers_decorators_write():
    buffer = ("from helpers import cached, log_calls, measure, wrap, pad\n\n\n"
              "@cached\ndef width(text):\n    return measure(wrap(pad(text), 10))\n\n\n"
              "def height(text):\n    return measure(pad(text)) + measure(wrap(text, 3))\n\n\n"
              "<|>\ndef depth(text):\n    return measure(text)\n")
    got = ranked({"helpers.py": HELPERS}, "app.py", buffer)
    # the decorator the file already writes, before measure/wrap/pad used all around (log_calls, imported and not
    # used yet, may lead: the unused-import signal says the next lines will likely use it)
    assert "cached" in got[:2] and got.index("cached") < min(got.index(n) for n in ("measure", "wrap", "pad"))


def test_a_parameter_line_also_wants_what_the_signatures_other_parameters_default_to():
    helpers = ("def Default(value):\n    return value\n\n\n" + MODELS)
    buffer = ("from typing_extensions import Annotated, Doc\n"
              "from models import Default, make_widget, render, layout\n\n\n"
              "def build(\n    name: Annotated[\n        str,\n        Doc('the name'),\n    ] = Default(None),\n"
              "    size: Annotated[\n        int,\n        Doc('the size'),\n<|>\n) -> None:\n"
              "    w = make_widget(size)\n    render(w)\n    layout([render(w)])\n")
    got = ranked({"models.py": helpers}, "app.py", buffer)
    assert got[0] == "Default"  # typer's "] = Default(None)," before the functions the body calls


WIDGETS = ("def get_app():\n    return None\n\n\n"
           "class Dialog:\n    pass\n\n\n"
           "class Button:\n    pass\n\n\n"
           "class Label:\n    pass\n")


def test_a_line_that_declares_the_local_the_code_below_uses_wants_the_definition_named_for_it():
    filler = "".join(f"\n\ndef step{i}(x):\n    return x + {i}\n" for i in range(8))
    buffer = ("from widgets import get_app, Dialog, Button, Label\n\n"
              f"FACTORY = get_app\n{filler}\n\n"
              "def run(title):\n    dialog = Dialog(Button(), Label())\n    title = title.strip()\n"
              "    size = len(title)\n<|>\n    app.exit(dialog, size)\n    return dialog\n")
    got = ranked({"widgets.py": WIDGETS}, "app.py", buffer)
    assert got[0] == "get_app"  # ``app`` is used below and never written above: the line declares it


def test_the_names_a_line_declares_skip_strings_keyword_arguments_builtins_and_later_assignments():
    from aix_lsp.symbols.langs.python import declared_here

    text = ("import os\n\n\ndef f(a):\n    b = 1\n\n    app.exit(b, key=a, path=os.sep)\n"
            "    print(len(items), '''a quoted word''')  # a commented word\n    items = 3\n    later = 1\n"
            "    print(later)\n\n\ndef g():\n    return other\n")
    cursor = text.index("\n\n    app") + 1
    # not key, print, len, later, the quoted or commented words, g's other (os: an import, which the index drops)
    assert declared_here(text, cursor) == {"app", "items", "os"}


def test_the_line_above_a_docstring_is_a_head_that_writes_types():
    filler = "".join(f"\n\ndef step{i}(x):\n    return x + {i}\n" for i in range(8))
    buffer = ("from models import Widget, make_widget, render, layout\n\n"
              f"KINDS = (Widget,)\n{filler}\n\n"
              "def build():\n    w = make_widget((1, 2))\n    render(w)\n    layout([w])\n\n\n"
              "<|>\n    \"\"\"A widget that draws itself twice.\"\"\"\n\n"
              "    def draw(self):\n        return render(self)\n")
    got = ranked({"models.py": MODELS}, "app.py", buffer)
    assert got[0] == "Widget"  # a class head's base, before the functions used just above

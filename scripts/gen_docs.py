"""Writes the generated parts of the docs from the code: the settings table of docs/configuration.md (from
aix_lsp/config.py's Settings) and the command reference of docs/commands.md (from aix_lsp/cli.py's parser).

    python scripts/gen_docs.py          # rewrite the generated parts in place
    python scripts/gen_docs.py --check  # exit 1 when a page is stale (tests/test_docs.py runs this check)

Only the text between a page's ``<!-- generated:NAME:begin -->`` and ``<!-- generated:NAME:end -->`` markers
is written; the prose around them is edited by hand.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout: import this tree's aix_lsp
    sys.path.insert(0, str(ROOT))

from aix_lsp.cli import build_parser  # noqa: E402
from aix_lsp.config import Settings, _snake  # noqa: E402

CONFIGURATION = ROOT / "docs" / "configuration.md"
COMMANDS = ROOT / "docs" / "commands.md"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def setting_flag(name: str, default: Any, metadata: Any = None) -> str:
    flag = "--" + name.replace("_", "-")
    if isinstance(default, bool):  # argparse.BooleanOptionalAction: both spellings
        return f"`{flag}` / `--no-{flag[2:]}`"
    if metadata and "booleans" in metadata:  # a choice that was a boolean: --flag [VALUE] and --no-flag
        return f"`{flag}` / `{flag} VALUE` / `--no-{flag[2:]}`"
    return f"`{flag}`"


def show_default(value: Any) -> str:
    """The default as it is written in a JSON settings object (initializationOptions, settings.json)."""
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, tuple):
        return "`[]`" if not value else "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def settings_table() -> str:
    rows = ["| setting | CLI flag | VS Code | default | what it does |", "|---|---|---|---|---|"]
    for f in fields(Settings):
        assert _snake(camel(f.name)) == f.name, f.name  # the server reads the camelCase spelling back
        meaning = f.metadata.get("help", "")
        choices = f.metadata.get("choices")
        if choices:
            meaning += " (" + ", ".join(f"`{c}`" for c in choices) + ")"
        if "min" in f.metadata:
            meaning += f"; at least {f.metadata['min']}"
        rows.append(f"| `{f.name}` | {setting_flag(f.name, f.default, f.metadata)} | `aix.{camel(f.name)}` | "
                    f"{show_default(f.default)} | {_cell(meaning)} |")
    return "\n".join(rows)


def _setting_dests() -> set[str]:
    return {f.name for f in fields(Settings)}


def commands_reference() -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    settings = _setting_dests()
    out: list[str] = []
    for name, command in sub.choices.items():
        positionals = [a for a in command._actions if not a.option_strings]
        options = [a for a in command._actions
                   if a.option_strings and a.dest not in settings and not isinstance(a, argparse._HelpAction)]
        takes_settings = any(a.dest in settings for a in command._actions)
        usage = " ".join(["aix-lsp", name, *(a.metavar or a.dest.upper() for a in positionals if a.nargs != "?"),
                          *(f"[{a.metavar or a.dest.upper()}]" for a in positionals if a.nargs == "?")])
        if options:
            usage += " [options]"
        if takes_settings:
            usage += " [settings]"
        out += [f"## `aix-lsp {name}`", "", _cell(helps.get(name) or "") + ".", "", "```", usage, "```", ""]
        if positionals or options:
            out += ["| argument | what it is |", "|---|---|"]
            for a in positionals:
                help_text = (a.help or "").replace("%%", "%") or ("optional" if a.nargs == "?" else "required")
                out.append(f"| `{a.metavar or a.dest.upper()}` | {_cell(help_text)} |")
            for a in options:
                spelled = ", ".join(f"`{o}`" for o in a.option_strings)
                metavar = " ".join(a.metavar) if isinstance(a.metavar, tuple) else a.metavar
                if metavar or (a.nargs != 0 and not isinstance(a, (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse.BooleanOptionalAction))):
                    spelled += f" `{metavar or a.dest.upper()}`"
                help_text = (a.help or "").replace("%%", "%")
                if not help_text and a.default not in (None, False):
                    help_text = f"default {a.default}"
                if a.choices:
                    help_text += " (" + ", ".join(f"`{c}`" for c in a.choices) + ")"
                out.append(f"| {spelled} | {_cell(help_text) or '–'} |")
            out.append("")
        if takes_settings:
            out += ["Every [setting](configuration.md) is also a flag of this command.", ""]
    return "\n".join(out).rstrip() + "\n"


def reload_settings() -> str:
    """The settings whose change reloads the engine (aix_lsp/session.py's tables)."""
    from aix_lsp import session

    names = list(session.ENGINE_SETTINGS)
    llama = [n for n in getattr(session, "LLAMA_CPP_SETTINGS", ()) if n not in names]
    text = ", ".join(f"`{n}`" for n in names)
    if llama:
        text += "; with `engine` = `llama.cpp` also " + ", ".join(f"`{n}`" for n in llama)
    return text + "."


GENERATED = {CONFIGURATION: {"reload": reload_settings, "settings": settings_table}, COMMANDS: {"commands": commands_reference}}


def render(text: str, parts: dict[str, Any]) -> str:
    for name, make in parts.items():
        begin, end = f"<!-- generated:{name}:begin -->", f"<!-- generated:{name}:end -->"
        start, stop = text.index(begin) + len(begin), text.index(end)
        text = text[:start] + "\n" + make().rstrip("\n") + "\n" + text[stop:]
    return text


def stale_pages() -> list[Path]:
    return [page for page, parts in GENERATED.items() if render(page.read_text(encoding="utf-8"), parts) != page.read_text(encoding="utf-8")]


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--check", action="store_true", help="exit 1 when a generated page is stale; write nothing")
    check = args.parse_args(argv).check
    stale = stale_pages()
    if check:
        for page in stale:
            print(f"{page.relative_to(ROOT)} is stale: run python scripts/gen_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for page in stale:
        page.write_text(render(page.read_text(encoding="utf-8"), GENERATED[page]), encoding="utf-8")
        print(f"wrote {page.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

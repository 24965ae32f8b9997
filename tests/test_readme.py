"""The README's configuration table lists every setting, with its real default."""

from dataclasses import fields
from pathlib import Path

from aix_lsp.config import Settings, _show_default

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_with_its_default():
    text = README.read_text()
    for f in fields(Settings):
        row = f"| `{f.name}` | `--{f.name.replace('_', '-')}` | `{_show_default(f.default)}` |"
        assert row in text, f"README lacks the row for {f.name}"

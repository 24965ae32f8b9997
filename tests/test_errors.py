"""The one "exception -> reason" line every message uses (aix_lsp/errors.py)."""

from aix_lsp.errors import reason


def test_the_first_line_of_the_message_or_the_type_name() -> None:
    assert reason(ValueError("bad value\n  at line 3\n")) == "bad value"
    assert reason(ValueError("  \n padded first line \n")) == "padded first line"
    assert reason(RuntimeError()) == "RuntimeError"
    assert reason(OSError("   ")) == "OSError"

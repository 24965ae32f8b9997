"""The line gate in front of detect-secrets' provider plugins (aix_lsp/secrets.py ``_TOK_HINT`` and
``_NAME_HINT``) lets through every line a plugin would report, for every plugin detect-secrets ships: a
plugin added by a new detect-secrets release, or a new regex of an old one, fails here until the gate
covers it (issue 26 item 7). Lines are drawn from each plugin's own denylist regexes by hypothesis."""

from __future__ import annotations

import string

import pytest
from detect_secrets.plugins.base import RegexBasedDetector
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aix_lsp import secrets

PROVIDERS = {type(p).__name__: p for p in secrets._PROVIDERS}
ALPHABET = string.ascii_letters + string.digits + " _-=:./+'\"[]@"


def test_every_provider_plugin_is_regex_based():
    """The gate is written against regex plugins; another kind needs its own hint."""
    for name, plugin in PROVIDERS.items():
        assert isinstance(plugin, RegexBasedDetector), f"{name}: not a RegexBasedDetector; add a hint for it to the gate"
        assert list(plugin.denylist), name


def passes_gate(name: str, line: str) -> bool:
    hints = 0
    for _start, _end, bits in secrets._flagged_lines(line):
        hints |= bits
    return bool(hints & secrets._TOK) or (bool(hints & secrets._NAME) and name in secrets._ASSIGNMENT_PROVIDERS)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
@given(data=st.data())
def test_the_gate_passes_every_line_a_plugin_reports(name, data):
    plugin = PROVIDERS[name]
    regex = data.draw(st.sampled_from(list(plugin.denylist)), label="regex")
    found = data.draw(st.from_regex(regex, alphabet=st.sampled_from(ALPHABET)), label="line")
    line = found.replace("\n", " ")
    values = [v for v in plugin.analyze_string(line) if v]
    if values:
        assert passes_gate(name, line), f"{name} reports {values} in {line!r} but the gate drops the line"

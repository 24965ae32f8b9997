"""Secret values found in text and replaced by a placeholder of the same shape, before text is indexed or
put into a prompt.

Detection is detect-secrets' (Yelp's maintained rule set, used as a library, never its global settings):
every provider-token plugin (GitHub, GitLab, AWS, Slack, Stripe, SendGrid, JWT, basic-auth URLs, private
keys ...), its keyword detector (``password = "..."``, ``SECRET_KEY: ...``) with its own false-positive
heuristics, and high-entropy strings assigned to names such as token / key / credential. A private key
block is redacted whole, from its BEGIN line to its END line.

Speed: three RE2 (DFA) passes over the text find the few lines that could hold a secret (a secret-sounding
name, a name followed by a long value, a provider's token prefix); only those lines run the detectors,
and their results are cached by line text, so the prompt path (a new prefix on every keystroke) runs
no detector on a line it saw before. benchmarks/secrets_eval.py measures it.

The placeholder keeps the text's shape: same length and the same line breaks (offsets, line numbers and
chunk ranges stay valid), letters become ``x``, digits ``0``, and punctuation, quotes and backslash
escapes stay (the code around it still parses and reads like code), so the model sees that a value is
there, never what it was.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.filters import heuristic
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
from detect_secrets.plugins.ip_public import IPPublicDetector
from detect_secrets.plugins.keyword import (
    CONFIG_DENYLIST_REGEX_TO_GROUP,
    DENYLIST_REGEX,
    GOLANG_DENYLIST_REGEX_TO_GROUP,
    QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    REGEX_BY_FILETYPE,
    KeywordDetector,
)
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.util.filetype import FileType, determine_file_type


@dataclass(frozen=True)
class Redacted:
    text: str  # the input with every secret value replaced (same length, same line breaks)
    count: int  # secret values replaced


# --- detectors -------------------------------------------------------------------------------------------

# Every provider plugin detect-secrets ships (a new one runs on the lines _TOK_HINT flags), except:
# public IP addresses are not secrets; the keyword and entropy plugins run below with names attached; the
# private key plugin finds the BEGIN line, and the whole block is masked by _key_blocks.
_SKIPPED_PLUGINS = (IPPublicDetector, KeywordDetector, HighEntropyStringsPlugin, PrivateKeyDetector)
_PROVIDERS: tuple[BasePlugin, ...] = tuple(
    cls()
    for cls in sorted(get_mapping_from_secret_type_to_class().values(), key=lambda c: c.__name__)
    if not issubclass(cls, _SKIPPED_PLUGINS)
)
_KEYWORD = KeywordDetector()

# Names whose quoted value is a secret when it looks random (the keyword detector's list has no token).
_ENTROPY_ASSIGNMENT = RegexBasedDetector.build_assignment_regex(
    prefix_regex=r"[\w.-]{0,40}?",
    secret_keyword_regex=r"(?:token|api_?key|access_?key|secret_?key|signing_?key|private_?key|key|credentials?|auth|salt|signature|passphrase)",
    secret_regex=r"([A-Za-z0-9+/=_.~-]{16,})",
)
_HEX = frozenset("0123456789abcdef")
_ENTROPY_CHARSET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.~-")

# Lines worth running the detectors on, by what they hold:
#   kw:   a word of detect-secrets' keyword list (password, secret, api_key, ...): the keyword detector;
#   name: a name whose value may be a token (token, key, credential, auth ...) followed by a long value:
#         the entropy rule and the providers that look for assignments (AWS secret keys, Cloudant, IBM ...);
#   tok:  a provider's token prefix (ghp_, AKIA, xoxb-, sk_live_, eyJ, PRIVATE KEY ...).
# One DFA pass (RE2) over the text finds the lines with any of them; Python's re then sorts out which,
# on those few lines only. tests/test_secrets.py checks that every planted secret passes this gate.
_KW_HINT = (
    r"(?i:password|passwd|pwd|secret|contrase|(?:api|auth|service|account|db|database|priv|private|client)[_-]?key"
    r"|(?:db|database|key)[_-]?pass)"
)
_NAME_HINT = r"(?i:token|key|cred|auth|salt|signature|pass|pw)[^\n]*?[\w+/=.~-]{16}"
_TOK_HINT = (
    r"A3T|AKIA|ASIA|ABIA|ACCA|AKC|AP[0-9A-F][a-zA-Z0-9]{8}|://[^\s/@:]+:[^\s/@]+@|gh[pousr]_|gl[a-z]{2,6}-"
    r"|GR1348941|eyJ|-us\d|npm_|_authToken|T3BlbkFJ|PRIVATE KEY|PuTTY|pypi-|SG\.|sq0csp-|k_live_"
    r"|AC[a-z0-9]{32}|SK[a-z0-9]{32}|\d{8,10}:[\w-]{35}|[MNO][a-zA-Z\d_-]{23,25}\.|AccountKey"
    r"|(?i:xox|hooks\.slack|cloudant|softlayer)"  # these plugins' regexes ignore case
)
# tests/test_secrets_gate.py draws lines from every provider plugin's own regexes: a line a plugin reports
# that this gate drops (a new plugin, a new regex) fails there.
# rest: the forms detect-secrets has no plugin for (see _FORMS): URL passwords with an empty user, credential
#       headers, curl -u, --password flags, mysql -p, query strings, connection strings, SQL IDENTIFIED BY,
#       provider tokens with a prefix of their own (hf_, sk-ant-, AIza ...) wherever they stand.
_FORM_HINT = (
    r"://[^\s/@:]*:[^\s/@]+@|(?i:bearer|basic |authorization|api-key|curl|--pass|--token|--secret|--api|mysql"
    r"|identified|[?&;](?:password|passwd|pwd|pass|secret|token|api_?key|access_?token)=|password\s*=|pwd\s*=)"
    r"|hf_|sk-|AIza|xai-|ya29\.|dop_v1_|shpat_|npm_"
)
_KW, _NAME, _TOK, _FORM = 1, 2, 4, 8  # bits of a line's hints
try:  # RE2 is a DFA: one linear pass whatever the number of words; Python's re tries each at each position
    import re2 as _re2

    _compile = _re2.compile
except ImportError:  # pragma: no cover - google-re2 has wheels for the usual platforms
    _compile = re.compile
# one pass per kind: a DFA for each is faster than one for their union (fewer states)
_HINT_PASSES = ((_KW, _compile(_KW_HINT.encode())), (_NAME, _compile(_NAME_HINT.encode())), (_TOK, _compile(_TOK_HINT.encode())),
                (_FORM, _compile(_FORM_HINT.encode())))

# Each form: a regex whose group ``v`` is the secret, and whether the value must look random (a token) or
# only be a literal (a password: any word that is not a reference, a template or a placeholder).
_NOT_TEMPLATE = r"(?![{$%<]|\w+\()"
_FORMS: tuple[tuple[re.Pattern, bool], ...] = (
    # scheme://user:password@host, the user may be empty (redis://:pw@host)
    (re.compile(r"\b[A-Za-z][\w+.-]*://[^\s/@:'\"`]*:" + _NOT_TEMPLATE + r"(?P<v>[^\s/@'\"`]{3,})@"), False),
    # credential headers in any syntax: "Authorization: Bearer x", {"Authorization": "Bearer x"}, ("x-api-key", "x")
    (re.compile(r"(?i)\b(?:proxy-)?authorization[\"'`]?\s*[:=,]\s*[\"'`]?(?:bearer|basic|token|bot|digest)\s+" + _NOT_TEMPLATE
                + r"(?P<v>[A-Za-z0-9._~+/=-]{12,})"), False),
    (re.compile(r"(?i)[\"'`\s](?:bearer|token)\s+" + _NOT_TEMPLATE + r"(?P<v>[A-Za-z0-9._~+/-]{20,}=*)[\"'`]"), True),
    (re.compile(r"(?i)\b(?:x-api-key|api-key|x-auth-token)[\"'`]?\s*[:=,]\s*[\"'`]" + _NOT_TEMPLATE + r"(?P<v>[^\s\"'`]{12,})[\"'`]"), True),
    # curl -u user:password, curl --user user:password
    (re.compile(r"(?i)\bcurl\b[^\n]*?\s(?:-u|--user)[=\s]+[\"']?[^\s:\"']*:" + _NOT_TEMPLATE + r"(?P<v>[^\s\"']{3,})"), False),
    # command-line flags: --password=x, --password x, mysql -px
    (re.compile(r"(?i)(?<![\w-])--(?:password|passwd|pass|token|api-key|apikey|secret|client-secret)[=\s]+[\"']?" + _NOT_TEMPLATE
                + r"(?P<v>[^\s\"',)]{4,})"), False),
    (re.compile(r"(?i)\bmysql(?:dump|admin|import)?\b[^\n]*?\s-p" + _NOT_TEMPLATE + r"(?P<v>[^\s\"'-][^\s\"']{2,})"), False),
    # query strings: jdbc:mysql://db/x?user=a&password=x, https://api/x?access_token=x
    (re.compile(r"(?i)[?&;](?:password|passwd|pwd|pass|secret|token|api_?key|access_?token)=" + _NOT_TEMPLATE + r"(?P<v>[^&;\s\"'#`]{3,})"), False),
    # connection strings (ADO.NET, ODBC): ...;User Id=sa;Password=x;
    (_CONNECTION_PASSWORD := re.compile(r"(?i)(?:^|[;\"'`])\s*(?:password|pwd)\s*=\s*" + _NOT_TEMPLATE
                                        + r"(?P<v>[^;\"'`\s][^;\"'`]{2,}?)\s*(?=;|[\"'`]|$)"), False),
    # SQL: CREATE USER ... IDENTIFIED BY 'x' (MySQL, Oracle)
    (re.compile(r"(?i)\bidentified\s+by\s+(?:password\s+)?[\"']" + _NOT_TEMPLATE + r"(?P<v>[^\"'`]{3,})[\"']"), False),
    # tokens whose prefix names their provider, wherever they stand (a positional argument too)
    (re.compile(r"\b(?P<v>hf_[A-Za-z]{30,40}|sk-ant-[A-Za-z0-9_-]{32,}|sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{40,}|AIza[0-9A-Za-z_-]{35}"
                r"|xai-[A-Za-z0-9]{40,}|ya29\.[0-9A-Za-z_-]{30,}|dop_v1_[a-f0-9]{64}|shpat_[a-fA-F0-9]{32}|npm_[A-Za-z0-9]{36})\b"), True),
)
# connection-string rule: only on lines that read as one (a server or user key next to the password)
_CONNECTION_KEYS = re.compile(r"(?i)(?:server|data source|host|database|initial catalog|user id|uid|username|user)\s*=\s*[^;]*;")

# Providers that look for an assignment to a name (``aws_secret = "..."``, ``cloudant_password: ...``),
# not for a token prefix: run on lines with a name and a long value.
_ASSIGNMENT_PROVIDERS = frozenset({"AWSKeyDetector", "CloudantDetector", "IbmCloudIamDetector", "IbmCosHmacDetector", "SoftlayerDetector"})

# Extensions whose values are unquoted (``password: hunter2``): the keyword detector's config rules.
_CONFIG_EXTENSIONS = frozenset({".sh", ".bash", ".zsh", ".env", ".envrc", ".xml", ".gradle", ".rb", ".exs", ".ex"})


def _keyword_rules(path: str | None) -> dict:
    if not path:
        return QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
    name = os.path.basename(path).lower()
    if os.path.splitext(name)[1] in _CONFIG_EXTENSIONS or name.startswith(".env"):  # .env.production too
        return CONFIG_DENYLIST_REGEX_TO_GROUP
    filetype = determine_file_type(path)
    if filetype == FileType.GO:
        return GOLANG_DENYLIST_REGEX_TO_GROUP
    return REGEX_BY_FILETYPE.get(filetype, QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)


def _rules_kind(path: str | None) -> str:
    """A short key naming the keyword rules for ``path`` (the line cache is keyed by it)."""
    rules = _keyword_rules(path)
    if rules is CONFIG_DENYLIST_REGEX_TO_GROUP:
        return "config"
    if rules is GOLANG_DENYLIST_REGEX_TO_GROUP:
        return "go"
    if rules is QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP:
        return "quoted"
    for filetype, value in REGEX_BY_FILETYPE.items():
        if value is rules:
            return filetype.name
    return "quoted"


_RULES_BY_KIND = {
    "config": CONFIG_DENYLIST_REGEX_TO_GROUP,
    "go": GOLANG_DENYLIST_REGEX_TO_GROUP,
    "quoted": QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    **{filetype.name: rules for filetype, rules in REGEX_BY_FILETYPE.items()},
}


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(value: str) -> bool:
    """A token-like value: long, letters and digits mixed, and close to the entropy of random text of its
    length (identifiers and words fall well below it)."""
    if len(value) < 16 or not set(value) <= _ENTROPY_CHARSET:
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    if set(value.lower()) <= _HEX:  # 16 symbols at most: detect-secrets' hex limit
        return _entropy(value) >= 3.0
    return _entropy(value) >= min(4.0, math.log2(len(value)) - 0.6)


_TRAILING_COMMENT = re.compile(r"\s+(?:#|;|//).*$")
# The keyword rules read assignments; XML and HTML config hold values as elements: <password>...</password>
_XML_ELEMENT = re.compile(r"<(?P<name>[\w.:-]*%s)>(?P<value>[^<\s]+)</(?P=name)>" % DENYLIST_REGEX, re.IGNORECASE)

# Values the keyword detector takes for secrets that are code, not secrets: references (``self.secret``,
# ``os.environ``), placeholders, prose ("Enter your password:"), and short words.
_CODE_VALUE = re.compile(r"^[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+$|^[A-Z_][A-Z0-9_]*$|^(?:None|null|nil|true|false|True|False|undefined)$")
_PLACEHOLDER = re.compile(r"(?i)^(?:x+|\*+|\.+|-+|changeme|change_me|password|passwd|secret|example|dummy|test|testing|fake|todo|none|null|empty|redacted|placeholder|your[\w-]*|my[\w-]*|<[^>]*>|\{[^}]*\}|%\(?\w*\)?s?|\$\w+)$")


def _keyword_value_is_secret(value: str, line: str, references: bool = True) -> bool:
    """``references``: apply detect-secrets' indirect-reference rule (``secret = get_secret()``), which reads
    the line as one assignment (the forms of _FORMS say where the value is)."""
    value = value.strip()
    if len(value) < 4 or " " in value:
        return False
    if (
        heuristic.is_sequential_string(value)
        or heuristic.is_potential_uuid(value)
        or heuristic.is_templated_secret(value)
        or heuristic.is_prefixed_with_dollar_sign(value)
        or heuristic.is_not_alphanumeric_string(value)
        # ``secret = get_secret()`` refers to a secret; ``db = connect(password="...")`` holds a literal one
        or (references and heuristic.is_indirect_reference(line) and f'"{value}"' not in line and f"'{value}'" not in line)
        or heuristic.is_likely_id_string(value, line, _KEYWORD)
    ):
        return False
    if _CODE_VALUE.match(value) or _PLACEHOLDER.match(value):
        return False
    return not value.startswith(("%(", "{{", "#{", "@{", "${", "<%", "os.", "env.", "process.env", "ENV["))


def _form_values(line: str) -> list[str]:
    found = []
    for pattern, token in _FORMS:
        for match in pattern.finditer(line):
            value = match["v"]
            if pattern is _CONNECTION_PASSWORD and not _CONNECTION_KEYS.search(line):
                continue
            if token:
                if not (any(c.isdigit() for c in value) or (any(c.isupper() for c in value) and any(c.islower() for c in value))):
                    continue
                if value[:3] != "hf_" and not looks_random(value.rstrip("=")) and not re.match(r"[a-z]+[_-]", value):
                    continue
            elif not _keyword_value_is_secret(value, line, references=False):
                continue
            found.append(value)
    return found


@lru_cache(maxsize=8192)
def line_secrets(line: str, kind: str = "quoted", hints: int = _KW | _NAME | _TOK | _FORM) -> tuple[str, ...]:
    """The secret values in one line (``kind``: which keyword rules apply, see :func:`_rules_kind`;
    ``hints``: which detectors to run, see :data:`_KW_HINT`). Cached by line text: the prompt path asks
    again for every line it already saw."""
    keyword, long_value, token = bool(hints & _KW), bool(hints & _NAME), bool(hints & _TOK)
    found: list[str] = []
    for plugin in _PROVIDERS:
        if token or (long_value and type(plugin).__name__ in _ASSIGNMENT_PROVIDERS):
            # a template (``://{user}:{password}@``, ``${TOKEN}``) is a reference to a secret, not one
            found.extend(v for v in plugin.analyze_string(line) if v and isinstance(v, str)
                         and not heuristic.is_templated_secret(v) and not heuristic.is_prefixed_with_dollar_sign(v))
    if keyword:
        rules = _RULES_BY_KIND.get(kind, QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
        for value in _KEYWORD.analyze_string(line, denylist_regex_to_group=rules):
            value = _TRAILING_COMMENT.sub("", value or "").strip().strip("`")  # unquoted: ``password: s3cr3t  # prod``
            if value and _keyword_value_is_secret(value, line):
                found.append(value)
        for match in _XML_ELEMENT.finditer(line):
            if _keyword_value_is_secret(match["value"], line):
                found.append(match["value"])
    if long_value:
        for match in _ENTROPY_ASSIGNMENT.finditer(line):
            # in code an unquoted value is an expression (``key = win32api.RegEnumKey``); in config, a string
            quoted = line[match.start(1) - 1:match.start(1)] in ("'", '"', "`")
            if (quoted or kind == "config") and looks_random(match.group(1)):
                found.append(match.group(1))
    if hints & _FORM:
        found.extend(_form_values(line))
    # the longest first, so a value inside another is covered by the outer one
    return tuple(sorted(set(found), key=len, reverse=True))


# --- private key blocks ----------------------------------------------------------------------------------

_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----|PuTTY-User-Key-File-\d")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
# A body line without its END (the key is cut off, or still being typed): base64, quotes, escapes.
_PEM_BODY_LINE = re.compile(r"""^[\s"'`+(),]*(?:[A-Za-z0-9+/=]{8,}|[\w-]+: .*|Private-Lines: \d+|\\n)[\s"'`+(),\\n;]*$""")
_PEM_MAX_LINES = 200


def _key_blocks(text: str) -> list[tuple[int, int]]:
    """Spans of private key bodies: from after each BEGIN marker to the start of its END marker."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        begin = _PEM_BEGIN.search(text, pos)
        if begin is None:
            return spans
        if not any(True for _ in PrivateKeyDetector().analyze_string(begin.group(0))):
            pos = begin.end()
            continue
        end = _PEM_END.search(text, begin.end())
        limit = begin.end()
        for _ in range(_PEM_MAX_LINES):  # the body ends at END, or where lines stop looking like key data
            nl = text.find("\n", limit)
            stop = len(text) if nl < 0 else nl
            if end is not None and end.start() <= stop:
                limit = end.start()
                break
            line = text[limit:stop]
            if limit != begin.end() and line.strip() and not _PEM_BODY_LINE.match(line):
                break
            limit = stop if nl < 0 else nl + 1
            if nl < 0:
                break
        spans.append((begin.end(), limit))
        pos = max(limit, begin.end())


# --- redaction -------------------------------------------------------------------------------------------

_UNMASKED = re.compile(r"(?<!\\)[A-Za-wyz1-9]")  # a character the mask never writes (escapes are kept)
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_+/=.-]*")
_REDACT_CHAR = re.compile(r"\\.|[A-Za-z]|[0-9]|[^\x00-\x7f]")


def _placeholder(match: re.Match) -> str:
    ch = match.group(0)
    if len(ch) == 2:  # a backslash escape (\n inside a key string) stays, so the string stays valid
        return ch
    return "0" if ch.isdigit() else "x"


def mask(value: str) -> str:
    """``value`` with letters as ``x`` and digits as ``0``; punctuation, whitespace and escapes kept."""
    return _REDACT_CHAR.sub(_placeholder, value)


def _flagged_lines(text: str) -> list[tuple[int, int, int]]:
    """(start, end, hints) of each line holding a hint, in order."""
    # RE2 scans UTF-8 bytes; given a str it converts offsets match by match, which costs more than the scan
    ascii = text.isascii()
    data = text.encode("ascii") if ascii else text.encode("utf-8", "surrogatepass")
    lines: dict[int, list[int]] = {}  # byte offset of the line start -> [end, hints]
    for bit, pattern in _HINT_PASSES:
        line_end = -1
        for match in pattern.finditer(data):
            at = match.start()
            if at <= line_end:
                continue  # another hint on a line already taken
            start = data.rfind(b"\n", 0, at) + 1
            line_end = data.find(b"\n", at)
            if line_end < 0:
                line_end = len(data)
            lines.setdefault(start, [line_end, 0])[1] |= bit
    if ascii:
        return [(start, end, hints) for start, (end, hints) in sorted(lines.items())]
    out: list[tuple[int, int, int]] = []
    chars, seen = 0, 0  # the char offset of byte offset ``seen``
    for start, (end, hints) in sorted(lines.items()):
        chars += len(data[seen:start].decode("utf-8", "surrogatepass"))
        seen = start
        out.append((chars, chars + len(data[start:end].decode("utf-8", "surrogatepass")), hints))
    return out


_ESCAPED_QUOTE = re.compile(r"""\\(["'])""")


def _unescaped(line: str) -> str | None:
    """``line`` with its escaped quotes unescaped (``password = \\"x\\"`` inside a JSON string, a
    notebook's cell, a string of code), or None when it has none: the detectors read quotes."""
    if "\\" not in line:
        return None
    plain = _ESCAPED_QUOTE.sub(r"\1", line)
    return plain if plain != line else None


@lru_cache(maxsize=4)  # the prompt path masks the same open notebook on every keystroke
def _notebook_values(text: str) -> tuple[str, ...]:
    """Secret values in a Jupyter notebook's cells, each read as what it is: code cells as code (Python's
    quoted rules), markdown and outputs as config text (``AWS_SECRET_ACCESS_KEY=...`` printed by a cell)."""
    import json

    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError):
        return ()
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return ()

    def joined(value: Any) -> str:
        if isinstance(value, list):
            return "".join(v for v in value if isinstance(v, str))
        return value if isinstance(value, str) else ""

    pieces: list[tuple[str, str]] = []  # (text, path whose rules apply)
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        pieces.append((joined(cell.get("source")), "cell.py" if cell.get("cell_type") == "code" else "cell.env"))
        for output in cell.get("outputs") or ():
            if isinstance(output, dict):
                pieces.append((joined(output.get("text")), "output.env"))
                data = output.get("data")
                if isinstance(data, dict):
                    pieces += [(joined(v), "output.env") for k, v in data.items() if k.startswith("text/")]
    values: list[str] = []
    for piece, rules in pieces:
        if piece:
            values += [piece[s:e] for s, e in secret_spans(piece, rules)]
    return tuple(values)


def _value_spans(text: str, values: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence in ``text`` of each value, as written in a JSON string."""
    import json

    spans = []
    for value in values:
        for form in {value, json.dumps(value, ensure_ascii=False)[1:-1]}:
            at = text.find(form)
            while at >= 0:
                spans.append((at, at + len(form)))
                at = text.find(form, at + len(form))
    return spans


# Adjacent string literals (``"ghp_abc" "def"``, ``"-----BEGIN RSA " + "PRIVATE KEY-----"``, Python's implicit
# concatenation over lines): the detectors read them joined, so a value split in two is found whole.
_JOIN = re.compile(r"""(["'`])(?=[ \t\n+])[ \t]*\+?[ \t]*(?:\n[ \t]*\+?[ \t]*)?\1""")
LONG_LINE = 4000  # longer lines (minified code) are read in windows: the detectors' regexes are not linear
_WINDOW, _WINDOW_STEP = 1000, 800


def _line_values(line: str, kind: str, hints: int) -> tuple[str, ...]:
    values = line_secrets(line, kind, hints)
    plain = _unescaped(line)
    if plain is not None:
        values = tuple(sorted(set(values) | set(line_secrets(plain, kind, hints)), key=len, reverse=True))
    return values


def _long_line_values(line: str, kind: str) -> set[str]:
    """The secret values of a line over LONG_LINE characters, read in overlapping windows."""
    found: set[str] = set()
    for at in range(0, len(line), _WINDOW_STEP):
        window = line[at:at + _WINDOW]
        data = window.encode("utf-8", "surrogatepass")
        hints = sum(bit for bit, pattern in _HINT_PASSES if pattern.search(data))
        if hints:
            found.update(_line_values(window, kind, hints))
        if at + _WINDOW >= len(line):
            break
    return found


def _spans_in_lines(text: str, kind: str, keep: Callable[[int, int], bool] | None = None) -> list[tuple[int, int]]:
    spans = []
    for start, end, hints in _flagged_lines(text):
        if keep is not None and not keep(start, end):
            continue
        line = text[start:end]
        values = _long_line_values(line, kind) if len(line) > LONG_LINE else _line_values(line, kind, hints)
        for value in sorted(values, key=len, reverse=True):
            at = line.find(value)
            while at >= 0:
                # a detector's match can stop short of its token (detect-secrets' JWT rule leaves out the
                # signature): the span runs on over token characters
                end_at = _TOKEN_TAIL.match(line, at + len(value)).end()
                spans.append((start + at, start + end_at))
                at = line.find(value, at + len(value))
    return spans


def _joined_spans(text: str, kind: str) -> list[tuple[int, int]]:
    """Secret spans found only when adjacent string literals are read joined, in ``text``'s offsets. Only
    the lines around the joins are read again (a chain of literals over many lines is one region)."""
    spans: list[tuple[int, int]] = []
    region: list[re.Match] = []
    for match in _JOIN.finditer(text):
        if region and text.rfind("\n", 0, match.start()) > region[-1].end():
            spans += _region_spans(text, region, kind)
            region = []
        region.append(match)
    if region:
        spans += _region_spans(text, region, kind)
    return spans


# A region of joined literals is read again only when its lines name or hint at a secret (most joins are
# ``" ".join`` or a long message split over lines).
_REGION_HINT = _compile(f"{_KW_HINT}|(?i:token|key|cred|auth|salt|signature|pass|pw)|{_TOK_HINT}|{_FORM_HINT}".encode())


def _region_spans(text: str, joins: list[re.Match], kind: str) -> list[tuple[int, int]]:
    start = text.rfind("\n", 0, joins[0].start()) + 1
    end = text.find("\n", joins[-1].end())
    end = len(text) if end < 0 else end
    if not _REGION_HINT.search(text[start:end].encode("utf-8", "surrogatepass")):
        return []
    pieces, starts, origins = [], [0], [start]  # region offset where each piece starts, and its offset in text
    last = start
    for match in joins:
        pieces.append(text[last:match.start()])
        starts.append(starts[-1] + match.start() - origins[-1])
        last = match.end()
        origins.append(last)
    pieces.append(text[last:end])
    joined = "".join(pieces)
    points = starts[1:]  # where a join is, in the joined region

    def original(offset: int) -> int:
        i = bisect.bisect_right(starts, offset) - 1
        return origins[i] + offset - starts[i]

    def has_join(s: int, e: int) -> bool:
        i = bisect.bisect_left(points, s)
        return i < len(points) and points[i] <= e

    spans = _spans_in_lines(joined, kind, has_join)
    if "PRIVATE KEY" in joined:
        spans += [span for span in _key_blocks(joined) if has_join(*span)]
    return [(original(s), original(e - 1) + 1) for s, e in spans if e > s]


def secret_spans(text: str, path: str | None = None) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) offsets of the secret values in ``text``."""
    kind = _rules_kind(path)
    spans = _key_blocks(text) if "PRIVATE KEY" in text or "PuTTY" in text else []
    if path is not None and path.lower().endswith(".ipynb"):
        spans += _value_spans(text, _notebook_values(text))
    spans += _spans_in_lines(text, kind)
    spans += _joined_spans(text, kind)
    # text masked before (a fragment from the index) is not masked, nor counted, twice
    spans = [(s, e) for s, e in spans if _UNMASKED.search(text, s, e)]
    if not spans:
        return []
    spans.sort()
    merged = [spans[0]]
    for s, e in spans[1:]:
        if s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def redact(text: str, path: str | None = None) -> Redacted:
    """``text`` with every secret value masked (see :func:`mask`); ``path`` picks the keyword rules of its
    file type (quoted values in code, unquoted ones in YAML, .properties, .ini ...)."""
    spans = secret_spans(text, path)
    return Redacted(_masked(text, spans), len(spans))


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    pieces: list[str] = []
    last = 0
    for s, e in spans:
        pieces.append(text[last:s])
        pieces.append(mask(text[s:e]))
        last = e
    pieces.append(text[last:])
    return "".join(pieces)


def redact_prompt_parts(prefix: str, suffix: str, fragments: list[Any], path: str | None) -> tuple[str, str, list[Any], dict[str, int]]:
    """The open document's ``prefix`` and ``suffix`` and the cross-file ``fragments`` with secret values
    masked, and how many were masked where (``prefix``, ``suffix``, ``fragments``: for --explain, which
    says that something was redacted, never what).

    The document is scanned whole (prefix and suffix joined): a key block cut by the cursor is still one
    block. Fragments come from the indexes, masked when indexed; they are checked again because an index
    persisted by an older version, or a fragment source that does not mask, must not leak either."""
    text, cut = prefix + suffix, len(prefix)
    spans = secret_spans(text, path)
    counts = {"prefix": 0, "suffix": 0, "fragments": 0}
    if spans:
        for start, _ in spans:
            counts["prefix" if start < cut else "suffix"] += 1
        text = _masked(text, spans)
        prefix, suffix = text[:cut], text[cut:]
    masked: list[Any] = []
    for fragment in fragments:
        text = getattr(fragment, "text", None)
        found = redact(text, getattr(fragment, "path", None)) if isinstance(text, str) else None
        if found is not None and found.count and dataclasses.is_dataclass(fragment):
            counts["fragments"] += found.count
            fragment = dataclasses.replace(fragment, text=found.text)
        masked.append(fragment)
    return prefix, suffix, masked, {where: n for where, n in counts.items() if n}

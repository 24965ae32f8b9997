"""Per-keystroke cost of the syntax layer: incremental parse + cursor scope, against a full re-parse.

For each main language a 5,000-line file (Python: real stdlib modules concatenated; Java, C++ and
JavaScript: synthesized, realistic code) is "typed into": at random lines inside bodies a short
statement is typed character by character and then deleted with backspace. Every keystroke is timed:

  incremental = ParsedDocument.apply_change (Tree.edit) + reading .tree (reparse with the old tree)
                + cursor_scope
  scope       = cursor_scope alone
  full        = a fresh parse of the whole text + cursor_scope (what we avoid)

Prints p50 / p95 in milliseconds. Usage: python benchmarks/syntax_bench.py [--keystrokes N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import sysconfig
import time
from pathlib import Path

from _percentile import pct  # this folder: on sys.path as the script's own
from aix_lsp.syntax import ParsedDocument, cursor_scope, new_parser

LINES = 5000


def python_source() -> str:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    out: list[str] = []
    for name in ("argparse.py", "tarfile.py", "inspect.py", "textwrap.py", "difflib.py", "pathlib.py"):
        path = stdlib / name
        if path.exists():
            out.extend(path.read_text(encoding="utf-8").splitlines())
        if len(out) >= LINES:
            break
    if len(out) < LINES:  # no stdlib sources here: synthesize
        i = 0
        while len(out) < LINES:
            out += [f"def func_{i}(items, limit=10):", f'    """Filter {i}."""', "    result = []",
                    "    for item in items:", "        if item > limit:", "            result.append(item * 2)",
                    "    return result", ""]
            i += 1
    return "\n".join(out[:LINES]) + "\n"


def java_source() -> str:
    out = ["package com.example.bench;", "", "import java.util.*;", "import java.util.function.Function;", ""]
    i = 0
    while len(out) < LINES - 1:
        out += [
            f"/** Service number {i}. */",
            f"public class Service{i} implements Comparable<Service{i}> {{",
            "    private final Map<String, List<Integer>> index = new HashMap<>();",
            f"    private int counter{i} = {i};",
            "",
            "    public int process(List<String> names, Function<String, Integer> scorer) {",
            "        int total = 0;",
            "        for (String name : names) {",
            "            if (name == null || name.isEmpty()) {",
            "                continue;",
            "            }",
            "            int score = scorer.apply(name);",
            '            index.computeIfAbsent(name, k -> new ArrayList<>()).add(score);',
            "            total += score;",
            "        }",
            "        try {",
            '            System.out.println("total {" + total + "}");',
            "        } catch (RuntimeException e) {",
            "            throw new IllegalStateException(e);",
            "        }",
            "        return total;",
            "    }",
            "",
            "    @Override",
            f"    public int compareTo(Service{i} other) {{",
            f"        return Integer.compare(counter{i}, other.counter{i});",
            "    }",
            "}",
            "",
        ]
        i += 1
    return "\n".join(out[: LINES - 1] + ["}"]) + "\n"


def cpp_source() -> str:
    out = ["#include <vector>", "#include <string>", "#include <map>", "#include <iostream>", "", "namespace bench {", ""]
    i = 0
    while len(out) < LINES - 1:
        out += [
            f"// Accumulator {i}: sums values above a threshold.",
            f"class Accumulator{i} {{",
            " public:",
            f"  explicit Accumulator{i}(int threshold) : threshold_(threshold) {{}}",
            "",
            "  long sum(const std::vector<int>& values) const {",
            "    long total = 0;",
            "    for (size_t i = 0; i < values.size(); ++i) {",
            "      if (values[i] > threshold_) {",
            "        total += values[i];",
            "      } else if (values[i] < 0) {",
            '        std::cerr << "negative: {" << values[i] << "}\\n";',
            "      }",
            "    }",
            "    switch (total % 3) {",
            "      case 0: return total;",
            "      default: break;",
            "    }",
            "    return total + 1;",
            "  }",
            "",
            " private:",
            "  int threshold_;",
            "  std::map<std::string, int> names_;",
            "};",
            "",
        ]
        i += 1
    return "\n".join(out[: LINES - 1] + ["}  // namespace bench"]) + "\n"


def javascript_source() -> str:
    out = ["'use strict';", "", "const fs = require('fs');", "const path = require('path');", ""]
    i = 0
    while len(out) < LINES:
        out += [
            "/**",
            f" * Handler {i}: groups records by key.",
            " */",
            f"async function handler{i}(records, options = {{}}) {{",
            "  const groups = new Map();",
            "  for (const record of records) {",
            "    if (!record || record.skip) {",
            "      continue;",
            "    }",
            "    const key = `${record.type}:${record.id}`;",
            "    const list = groups.get(key) || [];",
            "    list.push({ ...record, seen: Date.now() });",
            "    groups.set(key, list);",
            "  }",
            "  try {",
            "    await fs.promises.writeFile(path.join(options.dir || '.', 'out.json'), JSON.stringify([...groups]));",
            "  } catch (err) {",
            "    console.error(err);",
            "  }",
            "  return [...groups.values()].map((g) => g.length);",
            "}",
            "",
            f"module.exports.handler{i} = handler{i};",
            "",
        ]
        i += 1
    return "\n".join(out[:LINES]) + "\n"


SOURCES = {"python": python_source, "java": java_source, "c++": cpp_source, "javascript": javascript_source}
TYPED = {"python": "total = compute(x, 1)", "java": "int y = compute(x, 1);", "c++": "int y = compute(x, 1);",
         "javascript": "const y = compute(x, 1);"}


def body_lines(text: str) -> list[int]:
    """Line-start offsets of indented, non-blank lines (inside bodies), where typing is realistic."""
    starts, offset = [], 0
    for line in text.split("\n"):
        if line.startswith(("    ", "  ", "\t")) and line.strip() and not line.strip().startswith(("*", "/", "#")):
            starts.append(offset)
        offset += len(line) + 1
    return starts


def typing_edits(snippet: str, pos: int, autoclose: bool) -> list[tuple[int, int, str, int]]:
    """(start, end, new text, cursor after) per keystroke: type ``snippet`` at ``pos``, then backspace it.

    With ``autoclose`` the editor behaves like VS Code's defaults: an opening bracket inserts its pair,
    typing the closer steps over it (no change, no reparse), backspace on an empty pair deletes both.
    """
    pairs = {"(": ")", "[": "]", "{": "}"}
    buf, cur, edits = "", 0, []
    for ch in snippet:
        if autoclose and ch in pairs:
            buf = buf[:cur] + ch + pairs[ch] + buf[cur:]
            edits.append((pos + cur, pos + cur, ch + pairs[ch], pos + cur + 1))
        elif autoclose and buf[cur:cur + 1] == ch and ch in pairs.values():
            pass  # typed over the closer
        else:
            buf = buf[:cur] + ch + buf[cur:]
            edits.append((pos + cur, pos + cur, ch, pos + cur + 1))
        cur += 1
    while buf:
        if autoclose and cur >= 1 and buf[cur - 1] in pairs and buf[cur:cur + 1] == pairs[buf[cur - 1]]:
            buf = buf[: cur - 1] + buf[cur + 1:]
            edits.append((pos + cur - 1, pos + cur + 1, "", pos + cur - 1))
            cur -= 1
        elif cur == 0:
            buf = buf[1:]
            edits.append((pos, pos + 1, "", pos))
        else:
            buf = buf[: cur - 1] + buf[cur:]
            edits.append((pos + cur - 1, pos + cur, "", pos + cur - 1))
            cur -= 1
    return edits


def bench_language(language: str, keystrokes: int, rng: random.Random, autoclose: bool) -> dict[str, object]:
    text = SOURCES[language]()
    doc = ParsedDocument(text, language)
    parser = new_parser(language)
    candidates = body_lines(text)
    snippet = TYPED[language]
    incremental: list[float] = []
    scope_only: list[float] = []
    full: list[float] = []
    done = 0
    while done < keystrokes:
        line_start = rng.choice(candidates)
        line_end = doc.text.find("\n", line_start)
        line = doc.text[line_start:line_end]
        indent = line[: len(line) - len(line.lstrip())]
        # Enter (auto-indented) at the end of a body line, the snippet typed key by key, backspaced
        # key by key, and the new line removed again: the file ends each round as it began.
        newline = "\n" + indent
        pos = line_end + len(newline)
        edits = [(line_end, line_end, newline, pos)] + typing_edits(snippet, pos, autoclose)
        edits += [(line_end, pos, "", line_end)]
        for start, end, new_text, cursor in edits:
            t0 = time.perf_counter()
            doc.apply_change(start, end, new_text)
            doc.tree  # the incremental reparse (lazy: it runs on the first read of the tree)
            t1 = time.perf_counter()
            cursor_scope(doc, cursor)
            t2 = time.perf_counter()
            incremental.append((t2 - t0) * 1000)
            scope_only.append((t2 - t1) * 1000)
            # the same keystroke served by a full re-parse
            f0 = time.perf_counter()
            fresh = parser.parse(doc.text.encode("utf-8"))
            saved, doc.tree = doc.tree, fresh
            cursor_scope(doc, cursor)
            doc.tree = saved
            full.append((time.perf_counter() - f0) * 1000)
            done += 1
    assert doc.text == text, "typing and deleting must leave the file as it was"
    return {
        "language": language, "lines": text.count("\n"), "kib": len(text.encode()) / 1024, "n": len(incremental),
        "inc50": statistics.median(incremental), "inc95": pct(incremental, 0.95),
        "scope50": statistics.median(scope_only), "scope95": pct(scope_only, 0.95),
        "full50": statistics.median(full), "full95": pct(full, 0.95),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keystrokes", type=int, default=400, help="keystrokes timed per language")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--languages", default="python,java,c++,javascript")
    args = ap.parse_args(argv)
    for autoclose in (False, True):
        rng = random.Random(args.seed)
        rows = [bench_language(lang, args.keystrokes, rng, autoclose) for lang in args.languages.split(",")]
        mode = "brackets auto-closed (VS Code default)" if autoclose else "plain typing (no auto-closed brackets)"
        print(f"\nper keystroke, milliseconds; {mode}; {args.keystrokes}+ keystrokes per language; Python {sys.version.split()[0]}")
        print_table(rows)
    return 0


def print_table(rows: list[dict[str, object]]) -> None:
    header = f"{'language':<11} {'lines':>5} {'KiB':>5} | {'incr+scope p50':>14} {'p95':>6} | {'scope p50':>9} {'p95':>6} | {'full+scope p50':>14} {'p95':>6} | {'speed-up p50':>12}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['language']:<11} {r['lines']:>5} {r['kib']:>5.0f} | {r['inc50']:>14.3f} {r['inc95']:>6.3f} | "
              f"{r['scope50']:>9.3f} {r['scope95']:>6.3f} | {r['full50']:>14.3f} {r['full95']:>6.3f} | "
              f"{r['full50'] / max(r['inc50'], 1e-9):>11.1f}x")


if __name__ == "__main__":
    raise SystemExit(main())

"""Small real sources in three languages, for the eval and finetune tests."""

from __future__ import annotations

from pathlib import Path

PY = '''import os
from helpers import shared_helper


class Greeter:
    def __init__(self, name):
        self.name = name

    def greet(self, times):
        # repeat the greeting
        out = []
        for i in range(times):
            out.append("hi " + self.name)
        if times > 3:
            print("many")
        while out and len(out) > 5:
            out.pop()
        try:
            value = shared_helper(out)
        except ValueError:
            value = None
        return value
'''

HELPERS = '''def shared_helper(items):
    return len(items)
'''

JAVA = '''package demo;

public class Counter {
    private int total;

    public int add(int a, int b) {
        // add both
        int sum = compute(a, b);
        if (sum > 10) {
            total += sum;
        }
        for (int i = 0; i < a; i++) {
            total -= 1;
        }
        switch (a) {
            case 1: total = 0; break;
            default: break;
        }
        return total;
    }

    private int compute(int x, int y) {
        return x + y;
    }
}
'''

JS = '''import { formatName } from "./format.js";

export function describe(user, verbose) {
  // build the description
  const name = formatName(user.first, user.last);
  if (verbose) {
    console.log(name);
  }
  for (const key of Object.keys(user)) {
    console.log(key);
  }
  try {
    JSON.stringify(user);
  } catch (e) {
    return null;
  }
  return name + "!";
}
'''

FORMAT_JS = '''export function formatName(first, last) {
  return first + " " + last;
}
'''


def write_repo(root: Path) -> Path:
    """A tiny repository: Python, Java and JavaScript files that use names from each other, and a text file."""
    (root / "greeter.py").write_text(PY)
    (root / "helpers.py").write_text(HELPERS)
    (root / "Counter.java").write_text(JAVA)
    (root / "describe.js").write_text(JS)
    (root / "format.js").write_text(FORMAT_JS)
    (root / "notes.txt").write_text("not code\n")
    return root

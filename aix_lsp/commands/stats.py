"""``aix-lsp stats``: the acceptance figures the server recorded on this machine (a table, or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from aix_lsp.config import Settings
from aix_lsp.stats.report import GROUPS, as_json, confidence_curve, parse_since, render, render_curve, summarize
from aix_lsp.stats.store import read_records, store_folder


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="DURATION", help="only suggestions of the last DURATION: 7d, 12h, 30m, 2w (default: all the store holds)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--by", choices=GROUPS[1:], action="append", help="only these groupings (repeatable; default: all of them)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    since = None
    if args.since:
        try:
            since = time.time() - parse_since(args.since)
        except ValueError as exc:
            print(f"aix-lsp: --since: {exc}", file=sys.stderr)
            return 2
    folder = store_folder(settings.stats_dir)
    groups = ("all", *args.by) if args.by else GROUPS
    records = list(read_records(folder, since))
    rows = summarize(records, groups)
    curve = confidence_curve(records, settings.confidence_measure)
    if args.json:
        print(json.dumps({"store": str(folder), "rows": as_json(rows), "confidence_curve": curve}, indent=2))
        return 0
    if not rows:
        state = "" if settings.stats else " (recording is off: stats = false)"
        print(f"no suggestions recorded in {folder}{' in the last ' + args.since if args.since else ''}{state}")
        return 0
    print(f"suggestions shown by aix-lsp on this machine ({folder}{', last ' + args.since if args.since else ''}):")
    print(render(rows))
    print("accept rate: accepted / shown; retained chars/acc: characters of an accepted suggestion still in the document at its last checkpoint (120 s, else 30 s)")
    if curve[0]["shown"]:
        print(f"\nwhat min_confidence would keep ({settings.confidence_measure} token probability), and the accept rate of what it keeps:")
        print(render_curve(curve))
    return 0

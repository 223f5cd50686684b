"""`python -m tests.import_corpus`: import the public alarm corpus and print how much comes back exactly.

Options: `--out DIR` keeps the imported spec files; `--list KIND` prints the alarms of one outcome (exact,
reported, unreported, skipped, lost) with their differences or reasons.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.import_corpus.measure import load_all, measure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.import_corpus")
    parser.add_argument("--out", type=Path, help="write the imported files here (default: a temporary directory)")
    parser.add_argument("--list", choices=("exact", "reported", "unreported", "skipped", "lost"))
    args = parser.parse_args(argv)
    measurement, _ = measure(load_all(), args.out)
    print("\n".join(measurement.lines()))
    if args.list:
        items = getattr(measurement, args.list)
        for name in sorted(items):
            detail = items[name] if isinstance(items, dict) else ""
            print(f"{name}: {', '.join(detail) if isinstance(detail, list) else detail}")
    return 1 if measurement.lost or measurement.unreported or measurement.validation else 0


if __name__ == "__main__":
    sys.exit(main())

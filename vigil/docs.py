"""Write the generated pages of the documentation site: the spec reference (from the models' JSON Schemas), the
command-line reference (from the parser) and the resource presets (from the catalog, vigil/data/presets).
`python -m vigil.docs` rewrites docs/reference/; `--check` writes nothing and exits 1 when a page is out of date
(`make reference` runs the first, the tests the second)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vigil.cli import build_parser
from vigil.cli_help import cli_reference
from vigil.exit_codes import EXIT_ERROR, EXIT_OK
from vigil.generated_files import sync
from vigil.presets.reference import reference_text as presets_reference
from vigil.spec.reference import reference_pages

REFERENCE_DIR = Path("docs/reference")
EXAMPLE_ROOTS = (Path("."), Path("docs/examples"))
"""Spec repositories, relative to the repository root, whose files give the reference's examples."""


def generated_pages(root: Path) -> dict[str, str]:
    """Page path relative to `root` -> markdown, for every generated page."""
    pages = reference_pages([root / example for example in EXAMPLE_ROOTS])
    pages["cli.md"] = cli_reference(build_parser())
    pages["presets.md"] = presets_reference()
    return {str(REFERENCE_DIR / name): text for name, text in sorted(pages.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vigil.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: current dir)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a page is out of date")
    args = parser.parse_args(argv)
    pages = {args.root / relative: text for relative, text in generated_pages(args.root).items()}
    stale = sync(pages, check=args.check)
    if args.check and stale:
        print(f"out of date: {', '.join(str(p.relative_to(args.root)) for p in stale)}; run `make reference`",
              file=sys.stderr)
        return EXIT_ERROR
    print(f"{'checked' if args.check else 'wrote'} the reference in {args.root / REFERENCE_DIR}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

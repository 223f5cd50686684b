"""Files generated from the code and committed (JSON Schemas, the reference pages): write them, or check them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def sync(files: Mapping[Path, str], *, check: bool) -> list[Path]:
    """The paths among `files` (path -> expected text) whose content differs; unless `check`, rewrite those."""
    stale = []
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return stale

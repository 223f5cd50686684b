"""The report of `python -m vigil import`: one line per item, and a summary table per service.

Formats: text (for a terminal), markdown (for a pull request comment) and json. Items are the import's notes,
grouped by kind: skipped (not written), approximated (written, differs as stated), renamed, preset (written as a
resource line, vigil/presets/recognise.py), not-imported, todo.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from vigil.live.import_result import ImportResult

KINDS = ("skipped", "approximated", "renamed", "preset", "not-imported", "todo")


@dataclass(frozen=True)
class ServiceSummary:
    """What became of one service's alarms: read from the account, written exactly, written with a stated
    difference (approximated), and left out (skipped)."""

    service: str
    read: int
    exact: int
    approximated: int
    skipped: int

    @property
    def file(self) -> str:
        """The service's spec file."""
        return f"alarm_specs/{self.service}.yaml"


def service_summaries(result: ImportResult) -> list[ServiceSummary]:
    """One summary per service any alarm was placed in, by service name."""
    approximated = {n.subject for n in result.notes if n.kind == "approximated"}
    skipped = {n.subject for n in result.notes if n.kind == "skipped"}
    counts: dict[str, Counter[str]] = {}
    for name, service in result.placed.items():
        count = counts.setdefault(service, Counter())
        count["read"] += 1
        if name not in result.names:
            count["skipped"] += name in skipped
        elif name in approximated:
            count["approximated"] += 1
        else:
            count["exact"] += 1
    return [ServiceSummary(service, c["read"], c["exact"], c["approximated"], c["skipped"])
            for service, c in sorted(counts.items())]


def result_data(result: ImportResult) -> dict[str, Any]:
    """A JSON-ready view of an import: counts, services, files, renames and notes."""
    return {
        "environment": result.env, "account": result.account, "region": result.region, "counts": result.counts,
        "services": {s.service: {"read": s.read, "exact": s.exact, "approximated": s.approximated,
                                 "skipped": s.skipped} for s in service_summaries(result)},
        "files": sorted(result.files), "names": result.names,
        "notes": [{"kind": n.kind, "subject": n.subject, "message": n.message} for n in result.notes],
    }


def render(result: ImportResult, output: str) -> str:
    """The import report as text, markdown or json."""
    if output == "json":
        return json.dumps(result_data(result), indent=2, sort_keys=True)
    imported = len(result.names)
    read = result.counts.get("metric_alarms", 0) + result.counts.get("composite_alarms", 0)
    summary = (f"Imported {imported} of {read} alarms from account {result.account}, {result.region} for "
               f"environment {result.env} into {len(result.files)} files.")
    grouped = {kind: [n for n in result.notes if n.kind == kind] for kind in KINDS}
    header = ("service", "alarms", "exact", "approximated", "skipped", "file")
    rows = [(s.service, str(s.read), str(s.exact), str(s.approximated), str(s.skipped), s.file)
            for s in service_summaries(result)]
    if output == "markdown":
        lines = [f"### vigil import: `{result.env}`", "", summary, ""]
        if rows:
            lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
            lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows] + [""]
        lines.append("Files: " + ", ".join(f"`{_code(f)}`" for f in sorted(result.files)))
        for kind, notes in grouped.items():
            if notes:
                lines += ["", f"#### {kind} ({len(notes)})", "", "| subject | detail |", "| --- | --- |"]
                lines += [f"| `{_code(n.subject)}` | {_cell(n.message)} |" for n in notes]
        return "\n".join(lines)
    lines = [summary]
    if rows:
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        lines += [""] + ["  ".join(v.ljust(w) if i in (0, 5) else v.rjust(w)
                                   for i, (v, w) in enumerate(zip(row, widths, strict=True))).rstrip()
                         for row in (header, *rows)]
    lines += ["", "Files:"] + [f"  {f}" for f in sorted(result.files)]
    for kind, notes in grouped.items():
        if notes:
            lines += ["", f"{kind} ({len(notes)}):"] + [f"  {n.subject}: {n.message}" for n in notes]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text for a markdown table cell: pipes escaped."""
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    """Text for a markdown code span: backticks replaced, pipes escaped."""
    return _cell(text.replace("`", "'"))

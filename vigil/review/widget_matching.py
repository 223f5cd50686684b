"""Which widgets of a dashboard a change adds, removes or changes: the one rule `vigil diff` names them by and
`vigil preview` marks them by.

A widget whose content (everything but its place, x and y) is on the other side too only moved: unchanged.
Of the others, a widget keeping its title, or else its type and whole place (a retitled widget, such as an
SLO's with a new objective), is changed; the rest are added or removed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

PLACE = ("x", "y")
"""Widget fields that only place it on the grid."""


@dataclass(frozen=True)
class WidgetChanges:
    """Indexes into the before and after widget lists: `changed` pairs (before, after), `added` after only,
    `removed` before only. A widget in none of them is unchanged."""

    changed: list[tuple[int, int]] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)


def widgets(body: str | None) -> list[dict[str, Any]]:
    """The widgets of a dashboard body (CloudWatch's JSON); none for None."""
    return list(json.loads(body).get("widgets", [])) if body else []


def title(widget: dict[str, Any]) -> str:
    """What a widget is called: its title, else the first line of its text, else its type."""
    properties = _properties(widget)
    return str(properties.get("title") or (str(properties.get("markdown", "")).strip().splitlines()
                                           or [str(widget.get("type"))])[0].lstrip("# "))


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> WidgetChanges:
    """The changes from `before` to `after` by the module's rule."""
    new, old = _unmatched(after, before), _unmatched(before, after)
    changes = WidgetChanges()
    for identity in (_titled, _placed):
        for index in list(new):
            key = identity(after[index])
            match = next((o for o in old if key is not None and identity(before[o]) == key), None)
            if match is not None:
                changes.changed.append((match, index))
                new.remove(index)
                old.remove(match)
    changes.added.extend(new)
    changes.removed.extend(old)
    changes.changed.sort(key=lambda pair: pair[1])
    return changes


def _unmatched(widgets: list[dict[str, Any]], others: list[dict[str, Any]]) -> list[int]:
    """Indexes of `widgets` whose content no widget of `others` has, matched one for one."""
    available = Counter(_content(w) for w in others)
    out = []
    for index, widget in enumerate(widgets):
        content = _content(widget)
        if available[content]:
            available[content] -= 1
        else:
            out.append(index)
    return out


def _properties(widget: dict[str, Any]) -> dict[str, Any]:
    properties = widget.get("properties")
    return properties if isinstance(properties, dict) else {}


def _content(widget: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in widget.items() if k not in PLACE}, sort_keys=True)


def _titled(widget: dict[str, Any]) -> tuple[Any, ...] | None:
    found = _properties(widget).get("title")
    return ("title", found) if found else None


def _placed(widget: dict[str, Any]) -> tuple[Any, ...]:
    return ("place", *(widget.get(k) for k in ("type", "x", "y", "width", "height")))

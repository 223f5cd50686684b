"""The routing map: a Mermaid flowchart of who is paged for what (services -> severities -> channels, with alarm
counts on the edges), for `plan` and `diff` in markdown; GitHub draws it in pull-request comments.

Services are grouped by owner. Beyond `MAX_SERVICES` services, owners are collapsed into one node each (services
that a diff changes stay on their own), and beyond `MAX_OWNERS` owner nodes the smallest are merged into one; the
caption says what was collapsed. In a diff, edges carry before -> after counts and added, removed and rerouted
edges are drawn in colour and marked in their labels.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from vigil.plan.model import EnvironmentPlan
from vigil.review.recipients import channel_kind, notifies
from vigil.spec.types import SEVERITIES

MAX_SERVICES = 25
"""Service nodes drawn before owners are collapsed: GitHub's renderer stays legible up to about this many."""
MAX_OWNERS = 15
"""Owner nodes drawn before the smallest owners are merged into one node."""
NOBODY = "(nobody)"
"""The node of a severity whose route is empty; parentheses keep it apart from any channel name."""

_ADDED = "stroke:#1a7f37,stroke-width:3px"
_REMOVED = "stroke:#cf222e,stroke-width:2px,stroke-dasharray:6 4"
_CHANGED = "stroke:#9a6700,stroke-width:3px"


@dataclass(frozen=True)
class _Picture:
    """The routing facts of one environment: alarm counts per (service, severity) and per (severity, channel),
    the owner of each service and the kind of each channel."""

    services: Counter[tuple[str, str]]
    channels: Counter[tuple[str, str]]
    owners: dict[str, str]
    kinds: dict[str, str]
    silent: int


def _picture(plan: EnvironmentPlan | None) -> _Picture:
    services: Counter[tuple[str, str]] = Counter()
    channels: Counter[tuple[str, str]] = Counter()
    owners: dict[str, str] = {}
    silent = 0
    if plan is not None:
        for service in plan.services:
            owners[service.name] = service.owner
            for alarm in service.alarms:
                if not notifies(alarm):
                    silent += 1
                    continue
                services[(service.name, alarm.severity)] += 1
                for channel in plan.routes.get(alarm.severity, ()) or (NOBODY,):
                    channels[(alarm.severity, channel)] += 1
    kinds = {name: channel_kind(channel) for name, channel in plan.channels.items()} if plan else {}
    return _Picture(services, channels, owners, kinds, silent)


def routing_map(plan: EnvironmentPlan) -> list[str]:
    """The markdown lines of the routing map of one environment (a ```mermaid block and its caption)."""
    return _render(_picture(None), _picture(plan), is_diff=False)


def routing_map_diff(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[str]:
    """The routing map of `new` with what changed since `old` marked; no lines when the picture is the same."""
    before, after = _picture(old), _picture(new)
    if (before.services, before.channels) == (after.services, after.channels):
        return []
    return _render(before, after, is_diff=True)


def _render(before: _Picture, after: _Picture, is_diff: bool) -> list[str]:
    owners = {**before.owners, **after.owners}
    changed_services = {service for (service, _) in set(before.services) | set(after.services)
                        if before.services[(service, _)] != after.services[(service, _)]}
    groups, caption = _collapse(owners, changed_services if is_diff else set(), before, after)
    ids = _Ids()
    lines = ["flowchart LR"]
    for owner, nodes in sorted(groups.items()):
        lines.append(f'  subgraph {ids.get("owner", owner)}["{_label(owner)}"]')
        lines += [f'    {ids.get("node", node)}["{_label(node)}"]' for node in nodes]
        lines.append("  end")
    node_of = {service: node for nodes in groups.values() for node, services in nodes.items() for service in services}
    severities = [s for s in SEVERITIES if any(k[0] == s for k in (*before.channels, *after.channels))]
    lines += [f'  {ids.get("severity", s)}(["{s}"])' for s in severities]
    channels = sorted({c for _, c in (*before.channels, *after.channels)}, key=lambda c: (c == NOBODY, c))
    for channel in channels:
        kind = after.kinds.get(channel) or before.kinds.get(channel)
        text = _label(channel) + (f"<br/>{_label(kind)}" if kind else "")
        shape = ('["', '"]') if channel != NOBODY else ('(("', '"))')
        lines.append(f"  {ids.get('channel', channel)}{shape[0]}{text}{shape[1]}")

    edges: list[tuple[str, str, int, int]] = []
    group_before, group_after = _grouped(before.services, node_of), _grouped(after.services, node_of)
    for key in sorted(set(group_before) | set(group_after), key=lambda k: (k[0], SEVERITIES.index(k[1]))):
        edges.append((ids.get("node", key[0]), ids.get("severity", key[1]), group_before[key], group_after[key]))
    for key in sorted(set(before.channels) | set(after.channels), key=lambda k: (SEVERITIES.index(k[0]), k[1])):
        edges.append((ids.get("severity", key[0]), ids.get("channel", key[1]), before.channels[key],
                      after.channels[key]))
    styles = []
    for index, (source, target, old, new) in enumerate(edges):
        if not is_diff or old == new:
            lines.append(f'  {source} -->|"{new}"| {target}')
        elif old == 0:
            lines.append(f'  {source} ==>|"+ {new} added"| {target}')
            styles.append(f"  linkStyle {index} {_ADDED}")
        elif new == 0:
            lines.append(f'  {source} -.->|"{old} removed"| {target}')
            styles.append(f"  linkStyle {index} {_REMOVED}")
        else:
            lines.append(f'  {source} ==>|"{old} → {new}"| {target}')
            styles.append(f"  linkStyle {index} {_CHANGED}")
    lines += styles
    out = ["```mermaid", *lines, "```", ""]
    notes = [f"Edges count the alarms that take each route; {after.silent} alarm(s) have their actions disabled "
             "(SLO burn windows and traffic guards: they notify nobody) and are not drawn."]
    if is_diff:
        notes.append("Marked: green `+ N added` (new route or alarms), red dashed `N removed`, "
                     "amber `before → after`.")
    notes += caption
    return [*out, " ".join(notes)]


Groups = dict[str, dict[str, list[str]]]
"""Owner (or merged owners) -> drawn node label -> the services it stands for."""


def _collapse(owners: dict[str, str], keep: set[str], before: _Picture, after: _Picture) -> tuple[Groups, list[str]]:
    """The nodes to draw per owner: one per service, or, beyond MAX_SERVICES, one `owner: N services` node for
    an owner's services (never a service in `keep`); beyond MAX_OWNERS the owners with the fewest alarms are
    merged into one node. Also the caption's sentences saying what was collapsed."""
    by_owner: dict[str, list[str]] = {}
    for service, owner in sorted(owners.items()):
        by_owner.setdefault(owner, []).append(service)
    if len(owners) <= MAX_SERVICES:
        return {owner: {s: [s] for s in services} for owner, services in by_owner.items()}, []
    groups: Groups = {}
    collapsed = []
    for owner, services in by_owner.items():
        nodes = {s: [s] for s in services if s in keep}
        rest = [s for s in services if s not in keep]
        if len(rest) == 1:
            nodes[rest[0]] = rest
        elif rest:
            nodes[f"{owner}: {len(rest)} services"] = rest
            collapsed.append(f"{owner} ({len(rest)})")
        groups[owner] = nodes
    notes = [f"Collapsed: {len(owners)} services are more than {MAX_SERVICES}, so each owner's unchanged services "
             f"are one node ({', '.join(collapsed)})."] if collapsed else []
    if len(groups) > MAX_OWNERS:
        weight = Counter()
        for counts in (before.services, after.services):
            for (service, _), count in counts.items():
                weight[owners[service]] += count
        small = sorted((o for o in groups if not any(s in keep for s in by_owner[o])),
                       key=lambda o: (weight[o], o))[:len(groups) - MAX_OWNERS + 1]
        if len(small) > 1:
            label = f"{len(small)} other owners"
            groups[label] = {f"{label}: {sum(len(by_owner[o]) for o in small)} services":
                             [s for o in small for s in by_owner[o]]}
            for owner in small:
                del groups[owner]
            notes.append(f"Merged the {len(small)} owners with the fewest alarms into one node: "
                         f"{', '.join(sorted(small))}.")
    return groups, notes


def _grouped(counts: Counter[tuple[str, str]], node_of: dict[str, str]) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for (service, severity), count in counts.items():
        out[(node_of.get(service, service), severity)] += count
    return out


class _Ids:
    """Mermaid node ids: letters, digits and `_` only, unique per (kind, name), stable within one map."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], str] = {}

    def get(self, kind: str, name: str) -> str:
        key = (kind, name)
        if key not in self.ids:
            self.ids[key] = f"{kind[0]}{len(self.ids)}_{re.sub(r'[^A-Za-z0-9]', '_', name)[:40]}"
        return self.ids[key]


_ESCAPES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;", "#": "#35;", "|": "#124;"}


def _label(text: str) -> str:
    """Spec text made safe inside a quoted Mermaid label and a markdown code fence (entity codes)."""
    return "".join(_ESCAPES.get(char, char) for char in text.replace("\n", " "))

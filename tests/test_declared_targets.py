"""The fast read of a service file's `targets` (vigil/plan/targets.py `declared_targets`) never disagrees with
the file as vigil loads it: whenever the fast read answers, rendering and parsing the file gives the same
service and targets. (A file that does not load is loaded as usual by the targets it names, which report its
problems: tests/test_organisation_input.py.) Files
are generated from the header forms strangers write: flow and block lists, quotes, comments, YAML words that
are not text, Jinja expressions, blocks and comments."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from vigil.plan.targets import declared_targets
from vigil.spec.errors import SpecError
from vigil.spec.loader import load

CONTEXT: dict[str, Any] = {"env": "org", "account": "310000000001", "region": "us-east-1", "target": "us",
                           "vars": {"where": "eu", "owner": "team"}}
NAMES = st.sampled_from(["us", "eu", "a-b", "shop-1", "on", "off", "no", "yes", "null", "true", "US", "x" * 21,
                         "-us", "1a", "us eu", "orders", "b-c"])
SPACE = st.sampled_from(["", " ", "  ", "\t"])
COMMENT = st.sampled_from(["", " # where", "# tight", "  #", " #{{ x }}"])


@st.composite
def target_lines(draw: st.DrawFn) -> str:
    names = draw(st.lists(NAMES, max_size=3))
    quote = draw(st.sampled_from(["", '"', "'"]))
    items = [f"{quote}{name}{quote}" for name in names]
    form = draw(st.sampled_from(["flow", "flow-multiline", "block", "scalar", "jinja-expression", "trailing-comma",
                                 "empty-item", "anchor", "tag"]))
    space, comment = draw(SPACE), draw(COMMENT)
    joined = f",{space}".join(items)
    if form == "flow":
        return f"targets:{space}[{space}{joined}{space}]{comment}"
    if form == "flow-multiline":
        return f"targets: [{joined},\n  {draw(NAMES)}]{comment}"
    if form == "block":
        return "targets:" + "".join(f"\n  - {item}" for item in items) + comment
    if form == "scalar":
        return f"targets: {items[0] if items else ''}{comment}"
    if form == "jinja-expression":
        return f"targets: [{joined}{', ' if items else ''}{{{{ vars.where }}}}]{comment}"
    if form == "trailing-comma":
        return f"targets: [{joined},]{comment}"
    if form == "empty-item":
        return f"targets: [, {joined}]{comment}"
    if form == "anchor":
        return f"targets: &where [{joined}]{comment}"
    return f"targets: !!seq [{joined}]{comment}"


@st.composite
def service_line(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["orders", "coaching", "on", "null", "Orders", "a" * 41, "orders-2"]))
    quote = draw(st.sampled_from(["", '"', "'"]))
    return f"service:{draw(SPACE)}{quote}{name}{quote}{draw(COMMENT)}"


EXTRAS = st.sampled_from([
    "owner: team",
    "owner: {{ vars.owner }}",
    "# targets: [eu]",
    "{# targets: [eu] #}",
    "{#\ntargets: [eu]\n#}",
    "{% if env == 'org' %}\nrunbook: https://runbooks.example.com/x\n{% endif %}",
    "description: |\n  targets: [eu]\n  service: other",
    'note: "a\n  targets: [eu]"',
    "{{ 'targets: [eu]' }}",
    "owner: {{ 'x\\ntargets: [eu]' }}",
    "---",
    "targets: [eu]",
    "service: other",
    "<<: {targets: [eu]}",
    "alarms: {}",
])


@st.composite
def service_files(draw: st.DrawFn) -> str:
    lines = ["version: 1", draw(service_line())]
    if draw(st.booleans()):
        lines.append(draw(target_lines()))
    lines += draw(st.lists(EXTRAS, max_size=3))
    order = draw(st.permutations(lines))
    return "\n".join(order) + draw(st.sampled_from(["\n", "", "\r\n"]))


def _loaded(text: str) -> dict[str, Any] | None:
    try:
        data = load("alarm_specs/orders.yaml", text, CONTEXT).data
    except SpecError:
        return None
    return data if isinstance(data, dict) else None


@settings(max_examples=1500, deadline=None)
@given(service_files())
@example("version: 1\nservice: orders\ntargets: [us, eu]  # where it runs\n")
@example("version: 1\nservice: orders#x\ntargets: [us]\n")
@example("version: 1\nservice: orders\ntargets: [on]\n")
@example("version: 1\nservice: orders\n{#\ntargets: [eu]\n#}\n")
def test_the_fast_read_agrees_with_the_loaded_file(text: str) -> None:
    fast = declared_targets(text)
    data = _loaded(text)
    if fast is None or data is None:
        return  # a file that does not load is loaded by the targets it names, which report its problems
    service, targets = fast
    assert data.get("service") == service
    assert data.get("targets") == list(targets)
    assert targets, "an empty list is a problem the model reports"

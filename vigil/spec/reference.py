"""The spec reference (docs/reference/*.md), generated from the JSON Schemas the spec models produce: one page
per kind of file, one table per model, one row per field with its type, default, unit, limits, an example and
its description. The models stay the one source for validation, JSON Schema and reference.

Examples come from the schema where a type declares them (durations, thresholds), else from the shortest value
a field has in example spec repositories (this repository's organisation, then docs/examples), else from a
field of the same name, an "e.g." in the description, or the schema (the first allowed value, the lower limit).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vigil.spec.durations import DURATION_PATTERN
from vigil.spec.errors import SpecError
from vigil.spec.loader import load, parse
from vigil.spec.schema import schema_texts
from vigil.spec.types import COMPARISON_PATTERN
from vigil.spec.workspace import DASHBOARDS_DIR, ENVIRONMENTS_DIR, SERVICES_DIR

Schema = dict[str, Any]

PAGES: dict[str, tuple[str, str, str]] = {
    "environment.schema.json": ("environment.md", "Environment files", f"{ENVIRONMENTS_DIR}/<env>.yaml"),
    "service.schema.json": ("service.md", "Service files", f"{SERVICES_DIR}/<service>.yaml"),
    "dashboard.schema.json": ("dashboard.md", "Dashboard files", f"{DASHBOARDS_DIR}/<name>.yaml"),
}
"""Schema file -> (page file, title, where such files live)."""
SPEC_DIRS: dict[str, str] = {"environment.schema.json": ENVIRONMENTS_DIR, "service.schema.json": SERVICES_DIR,
                             "dashboard.schema.json": DASHBOARDS_DIR}
EXAMPLE_WIDTH = 60
"""Longest example shown, in characters; longer values are skipped in favour of a shorter one."""
UNIT_WORDS = ("percent", "milliseconds", "seconds", "minutes", "days", "standard deviations", "requests per second",
              "characters", "bytes", "columns", "grid units", "events")
"""Units a numeric field's description may name; the first found is shown in the Unit column."""
ELLIPSIS = "…"
GENERATED_NOTE = "<!-- generated from vigil/spec by `make reference`; edit the models, not this file -->"


@dataclass
class _Examples:
    """The shortest example value seen per (model title, field)."""

    values: dict[tuple[str, str], str] = field(default_factory=dict)

    def offer(self, model: str, name: str, value: Any) -> None:
        """Keep `value` when it is shorter than what was seen (a whole value beats an abbreviated one)."""
        text = _short(value, EXAMPLE_WIDTH)
        current = self.values.get((model, name))
        if text and (current is None or (_rank(text), len(text)) < (_rank(current), len(current))):
            self.values[(model, name)] = text


def _rank(example: str) -> int:
    return 1 if ELLIPSIS in example else 0


def _short(value: Any, width: int) -> str:
    """`value` in YAML flow style within `width` characters, a map or list shown by its first entry and `…` when
    it does not fit; empty when even that does not."""
    text = _flow(value)
    if len(text) <= width:
        return text
    if isinstance(value, dict):
        for key, item in value.items():
            inner = _short(item, width - len(_flow(key)) - 7)
            if inner:
                return f"{{{_flow(key)}: {inner}, {ELLIPSIS}}}"
        return ""
    if isinstance(value, list) and value:
        inner = _short(value[0], width - 5)
        return f"[{inner}, {ELLIPSIS}]" if inner else ""
    return ""


def reference_pages(example_roots: Sequence[Path] = ()) -> dict[str, str]:
    """Page file name -> markdown, for every spec file kind. `example_roots` are spec repositories whose files
    give the examples, the first that has one winning (none: examples from the schemas only)."""
    pages = {}
    for schema_name, text in schema_texts().items():
        schema = json.loads(text)
        examples = _Examples()
        for root in example_roots:
            seen = _Examples()
            for data in _spec_data(root, SPEC_DIRS[schema_name]):
                _walk(data, schema, schema, seen)
            examples.values = {**seen.values, **examples.values}
        page, title, location = PAGES[schema_name]
        pages[page] = _page(schema, schema_name, title, location, examples)
    return pages


def _spec_data(root: Path, directory: str) -> Iterator[Any]:
    """The data of each spec file in `root`/`directory`: as written (Jinja shown) where that is YAML, else
    rendered for the repository's first environment; files that are neither are skipped."""
    context: dict[str, Any] = {}
    for path in sorted((root / ENVIRONMENTS_DIR).glob("*.yaml"))[:1]:
        with contextlib.suppress(SpecError, AttributeError):
            data = parse(path.name, path.read_text(encoding="utf-8")).data
            context = {"env": data["name"], "account": data["account"], "region": data["region"],
                       "vars": data.get("vars", {})}
    for path in sorted((root / directory).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            yield parse(path.name, text).data
        except SpecError:
            with contextlib.suppress(SpecError):
                yield load(path.name, text, context).data


def _resolve(node: Schema, root: Schema) -> Schema:
    ref = node.get("$ref")
    return _resolve(root["$defs"][ref.rsplit("/", 1)[1]], root) if ref else node


def _options(node: Schema) -> list[Schema]:
    """The alternatives a field's value may take (a union's members); a model or a typed value is one, even with
    `oneOf`/`anyOf` rules of its own (vigil/spec/rules.py)."""
    if "properties" in node or "type" in node:
        return [node] if node.get("type") != "null" else []
    return [o for o in node.get("anyOf", node.get("oneOf", [node])) if o.get("type") != "null"]


def _matches(value: Any, node: Schema) -> bool:
    kind = node.get("type")
    if "properties" in node:
        if not isinstance(value, dict) or not set(value) <= set(node["properties"]):
            return False
        return all(value.get(k) == p["const"] for k, p in node["properties"].items() if "const" in p and k in value)
    return {"object": isinstance(value, dict), "array": isinstance(value, list), "string": isinstance(value, str),
            "boolean": isinstance(value, bool), "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool)}.get(kind, True)


def _walk(value: Any, node: Schema, root: Schema, examples: _Examples) -> None:
    """Offer every field value under `value` (data of `node`) as an example of its model's field."""
    for option in (_resolve(o, root) for o in _options(_resolve(node, root))):
        if not _matches(value, option):
            continue
        if "properties" in option:
            for key, item in value.items():
                examples.offer(option["title"], key, item)
                _walk(item, option["properties"][key], root, examples)
        elif isinstance(value, dict):
            inner = _map_values(option)
            for item in value.values() if inner else ():
                _walk(item, inner, root, examples)  # type: ignore[arg-type]
        elif isinstance(value, list) and "items" in option:
            for item in value:
                _walk(item, option["items"], root, examples)
        return


def _map_values(node: Schema) -> Schema | None:
    patterns = node.get("patternProperties")
    if patterns:
        return next(iter(patterns.values()))
    extra = node.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def _models(root: Schema) -> list[tuple[str, Schema]]:
    """The root model and every model it uses, in the order a reader meets them (breadth first)."""
    order: list[tuple[str, Schema]] = [(root["title"], root)]
    seen = {root["title"]}
    queue = [root]
    while queue:
        model = queue.pop(0)
        for prop in model.get("properties", {}).values():
            for name in _refs(prop):
                if name not in seen:
                    seen.add(name)
                    definition = root["$defs"][name]
                    order.append((name, definition))
                    queue.append(definition)
    return order


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _page(root: Schema, schema_name: str, title: str, location: str, examples: _Examples) -> str:
    lines = [f"# {title}", "", GENERATED_NOTE, "",
             f"Files: `{location}`. JSON Schema: `schemas/{schema_name}` (`vigil schema`); start a file with "
             f"`# yaml-language-server: $schema=../schemas/{schema_name}` for completion and checks in an "
             "editor.", "",
             "Every model refuses keys it does not list. *Required* fields have no default; `none` means the "
             "field is unset unless given. Durations are strings such as `30s`, `5m`, `1h`, `30d`; thresholds "
             'are comparisons such as `"> 5"`.', ""]
    for name, model in _models(root):
        lines += [f"## {name}", "", _cell(model.get("description", "")).replace("<br>", " "), ""]
        if "properties" not in model:
            continue
        lines += ["| Field | Type | Default | Unit | Limits | Example | Description |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        required = set(model.get("required", ()))
        for field_name, prop in model["properties"].items():
            example = _example(name, field_name, prop, root, examples)
            lines.append("| " + " | ".join((
                f"`{field_name}`", _type(prop, root), "*required*" if field_name in required else _default(prop),
                _unit(prop, root), _limits(prop, root), f"`{_cell(example)}`" if example else "",
                _cell(prop.get("description", "")))) + " |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=math.inf, sort_keys=False, allow_unicode=True)
    return text.strip().removesuffix("...").strip()


def _anchor(name: str) -> str:
    return f"[{name}](#{name.lower()})"


def _type(node: Schema, root: Schema) -> str:
    options = _options(node)
    if "$ref" in node:
        return _anchor(node["$ref"].rsplit("/", 1)[1])
    if len(options) > 1 or options[0] is not node:
        return " or ".join(_type(option, root) for option in options)
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    kind = node.get("type")
    if kind == "string" and node.get("pattern") == DURATION_PATTERN:
        return "duration"
    if kind == "string" and node.get("pattern") == COMPARISON_PATTERN:
        return "comparison"
    if kind == "array":
        return f"list of {_type(node['items'], root)}" if "items" in node else "list"
    if kind == "object":
        inner = _map_values(node)
        return f"map of name to {_type(inner, root)}" if inner else "map"
    return str(kind or "any")


def _default(node: Schema) -> str:
    if "default" not in node:
        return ""
    default = node["default"]
    return "none" if default is None else f"`{_cell(_flow(default))}`"


def _unit(node: Schema, root: Schema) -> str:
    kinds = {_type(o, root) for o in _options(node)}
    if "duration" in kinds:
        return "s, m, h, d"
    if "comparison" in kinds:
        return "the metric's"
    if kinds & {"number", "integer"}:
        description = node.get("description", "").lower()
        return next((unit for unit in UNIT_WORDS if unit in description), "")
    return ""


def _limits(node: Schema, root: Schema) -> str:
    parts: list[str] = []
    for option in _options(node):
        option = _resolve(option, root) if "$ref" not in option else {}
        parts += _bounds(option)
        if option.get("type") == "string" and option.get("pattern") not in (DURATION_PATTERN, COMPARISON_PATTERN,
                                                                              None):
            parts.append(f"matches `{_cell(option['pattern'])}`")
        inner = _map_values(option) if option.get("type") == "object" else None
        names = option.get("propertyNames", {}).get("pattern")
        if inner is not None and names:
            parts.append(f"names match `{_cell(names)}`")
        if option.get("type") == "array" and isinstance(option.get("items"), dict):
            parts += [f"each {bound}" for bound in _bounds(option["items"])]
    parts += _bounds(node)
    return ", ".join(dict.fromkeys(parts))


def _bounds(node: Schema) -> Iterable[str]:
    words = {"minimum": ">= {}", "exclusiveMinimum": "> {}", "maximum": "<= {}", "exclusiveMaximum": "< {}",
             "minLength": "at least {} characters", "maxLength": "at most {} characters",
             "minItems": "at least {} items", "maxItems": "at most {} items",
             "minProperties": "at least {} entries", "maxProperties": "at most {} entries"}
    return [template.format(node[key]) for key, template in words.items() if key in node]


def _example(model: str, name: str, node: Schema, root: Schema, examples: _Examples) -> str:
    for option in _options(node):
        if option.get("examples"):
            return _flow(option["examples"][0])
    seen = examples.values.get((model, name))
    if seen is not None:
        return seen
    same_name = sorted((v for (m, n), v in examples.values.items() if n == name), key=lambda v: (_rank(v), len(v)))
    if same_name:  # a field of this name in another model, which means the same (runbook, stat, title)
        return same_name[0]
    described = re.search(r"\be\.g\. ([^;]+?)(?:[;.]\s|\.?$)", node.get("description", ""))
    if described:
        return described.group(1).strip()
    for option in (_resolve(o, root) for o in _options(node)):
        if "enum" in option:
            return _flow(option["enum"][0])
        if "const" in option:
            return _flow(option["const"])
        for key in ("minimum", "exclusiveMinimum"):
            if key in option and option.get("type") == "integer":
                return str(option[key] + (key == "exclusiveMinimum"))
        if option.get("type") == "boolean":
            return "false" if node.get("default") is True else "true"
    if node.get("default") not in (None, ""):
        return _flow(node["default"])
    return ""

"""Read a spec file: Jinja2 render (StrictUndefined), then YAML parse keeping the line of every key.

PyYAML silently keeps the last of two equal keys; here a duplicate key is an error, since in a monitoring spec
it almost always means an alarm was pasted twice and one of them would vanish.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import jinja2
import yaml

from vigil.spec.errors import SpecError, SpecProblem

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Composer(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader (libyaml's when available) with its implicit tag resolution memoised: spec files repeat
    the same scalars (severities, statistics, periods) thousands of times."""

    _resolved: ClassVar[dict[tuple[Any, ...], str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode:
            return str(super().resolve(kind, value, implicit))
        key = (value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = self._resolved[key] = super().resolve(kind, value, implicit)
            if len(self._resolved) > 100_000:
                self._resolved.clear()
        return tag

Path = tuple[str | int, ...]
_JINJA_MARKERS = ("{{", "{%", "{#")


@dataclass(eq=False)
class LoadedDocument:
    """A parsed spec file: its data and the 1-based line of every key or list item, by path."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one (0 when none does)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line:
                return line
        return 0

    def problem(self, path: Path, message: str) -> SpecProblem:
        """A problem located at `path` in this document."""
        return SpecProblem(self.file, self.line_of(path), dotted(path), message)


def dotted(path: Path) -> str:
    """`('alarms', 'high-latency', 'threshold')` -> `alarms.high-latency.threshold`; list items as `[2]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def render(file: str, text: str, context: Mapping[str, Any]) -> str:
    """Render Jinja2 in `text` with `context` (env, account, region, vars); undefined names are errors."""
    if not any(marker in text for marker in _JINJA_MARKERS):
        return text
    try:
        template = _jinja_environment().from_string(text)
        return template.render(**context)
    except jinja2.TemplateSyntaxError as error:
        raise SpecError([SpecProblem(file, error.lineno or 0, "", f"template syntax: {error.message}")]) from None
    except jinja2.TemplateError as error:
        line = _template_line(error)
        raise SpecError([SpecProblem(file, line, "", f"template: {error.message or error}")]) from None


@functools.cache
def _jinja_environment() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def _template_line(error: BaseException) -> int:
    """Jinja2 rewrites tracebacks so that template frames carry the template's own line numbers."""
    line = 0
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def load(file: str, text: str, context: Mapping[str, Any]) -> LoadedDocument:
    """Render and parse one spec file. Raises SpecError with the file and line of the first problem."""
    return parse(file, render(file, text, context))


@functools.lru_cache(maxsize=4096)
def parse(file: str, text: str) -> LoadedDocument:
    """Parse YAML text into plain data with line numbers. Cached: environments often render files alike.

    The returned document is shared between callers and must not be modified.
    """
    try:
        node = yaml.compose(text, Loader=_Composer)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        raise SpecError([SpecProblem(file, line, "", f"invalid YAML: {error.problem or error}")]) from None
    except yaml.YAMLError as error:
        raise SpecError([SpecProblem(file, 0, "", f"invalid YAML: {error}")]) from None
    if node is None:
        raise SpecError([SpecProblem(file, 0, "", "the file is empty; expected a mapping starting with version: 1")])
    document = LoadedDocument(file, None, {(): node.start_mark.line + 1})
    builder = _Builder(document)
    document.data = builder.build(node, ())
    if builder.problems:
        raise SpecError(builder.problems)
    return document


class _Builder:
    """Turns composed YAML nodes into dicts, lists and scalars, recording lines and duplicate keys."""

    def __init__(self, document: LoadedDocument) -> None:
        self.document = document
        self.constructor = yaml.constructor.SafeConstructor()
        self.problems: list[SpecProblem] = []

    def build(self, node: yaml.Node, path: Path) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                self.document.lines[(*path, index)] = child.start_mark.line + 1
                items.append(self.build(child, (*path, index)))
            return items
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        # Most scalars in a spec are plain strings: skip the constructor's dispatch for them.
        if node.tag == _STR_TAG:
            return node.value
        return self.constructor.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        keys = []
        merges = False
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                merges = True
                continue
            key = self._key(key_node, path)
            keys.append(key)
            line = key_node.start_mark.line + 1
            if key in seen:
                self.problems.append(
                    SpecProblem(self.document.file, line, dotted((*path, key)),
                                f"duplicate key (first defined on line {seen[key]}); YAML would keep only the last")
                )
            else:
                seen[key] = line
        if merges:
            self.constructor.flatten_mapping(node)
            keys = [self._key(key_node, path) for key_node, _ in node.value]
        result: dict[Any, Any] = {}
        lines = self.document.lines
        for key, (key_node, value_node) in zip(keys, node.value, strict=True):
            child = (*path, key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            result[key] = self.build(value_node, child)
        return result

    def _key(self, key_node: yaml.Node, path: Path) -> Any:
        if not isinstance(key_node, yaml.ScalarNode):
            self.problems.append(
                SpecProblem(self.document.file, key_node.start_mark.line + 1, dotted(path), "keys must be plain values")
            )
            return f"<key on line {key_node.start_mark.line + 1}>"
        key = self._scalar(key_node)
        return key if isinstance(key, str) else str(key)

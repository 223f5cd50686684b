"""Read a spec file: render its Jinja2 (vigil/spec/templates.py), then parse the YAML keeping the line of every
key, as the line the user wrote.

The YAML is read as a stream of events from libyaml's parser (an iterative state machine) and built into plain
dicts, lists and scalars here, without recursion, within the limits of vigil/spec/input_limits.py: nesting,
aliases and values are counted as they arrive, so a file that goes over a limit stops being read at that point.
PyYAML's own composer is not used: it recurses once per nesting level, in C when libyaml is present, and a few
thousand nested brackets overflow the C stack.

Only plain values are accepted: the standard scalar tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`) and
`!!map`/`!!seq`; any other tag is a problem. PyYAML silently keeps the last of two equal keys; here a duplicate
key is an error, since in a monitoring spec it almost always means an alarm was pasted twice and one of them
would vanish. An alias stands for its anchor's value (shared, not copied); problems inside it are reported at
the alias.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from vigil.spec import input_limits as limits
from vigil.spec.errors import SpecError, SpecProblem, shorten
from vigil.spec.templates import Rendered, render

_YAML = "tag:yaml.org,2002:"
_STR_TAG = _YAML + "str"
_MERGE_TAG = _YAML + "merge"
_SCALAR_TAGS = frozenset(_YAML + name for name in ("str", "int", "float", "bool", "null"))
_IMPLICIT_TAGS = _SCALAR_TAGS | {_YAML + "timestamp"}
"""Tags plain scalars may resolve to; others (`=` resolves to `!!value`, `<<` outside a key to `!!merge`) are
read as text."""
_MAP_TAGS = frozenset({None, "!", _YAML + "map"})
_SEQ_TAGS = frozenset({None, "!", _YAML + "seq"})
_MAX_INTEGER_BITS = math.ceil(limits.MAX_INTEGER_DIGITS * math.log2(10))
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_UNQUOTED_COMPARISON = re.compile(r":\s*>=?\s*[-+.0-9]")

Path = tuple[str | int, ...]


@dataclass(eq=False)
class LoadedDocument:
    """A parsed spec file: its data and the 1-based line of every key or list item, by path."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one (1 when none does)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line:
                return line
        return 1

    def problem(self, path: Path, message: str) -> SpecProblem:
        """A problem located at `path` in this document."""
        return SpecProblem(self.file, self.line_of(path), dotted(path), message)


def dotted(path: Path) -> str:
    """`('alarms', 'high-latency', 'threshold')` -> `alarms.high-latency.threshold`; list items as `[2]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load(file: str, text: str, context: Mapping[str, Any]) -> LoadedDocument:
    """Render and parse one spec file. Raises SpecError with the file and line of each problem."""
    rendered = render(file, text, context)
    return parse(file, rendered.text, rendered.source_lines)


def parse(file: str, text: str, source_lines: tuple[int, ...] | None = None) -> LoadedDocument:
    """Parse YAML text into plain data with line numbers. Raises SpecError with every problem found.

    `source_lines` maps each line of `text` to the line of the file that produced it (see Rendered). The
    returned document is shared between callers and must not be modified.
    """
    parsed = _parse(file, text, source_lines)
    if isinstance(parsed, tuple):
        raise SpecError(list(parsed))
    return parsed


@functools.lru_cache(maxsize=4096)
def _parse(file: str, text: str, source_lines: tuple[int, ...] | None) -> LoadedDocument | tuple[SpecProblem, ...]:
    """Cached, failures too (as their problems): environments often render files alike."""
    try:
        return _parse_uncached(file, text, source_lines)
    except SpecError as error:
        return tuple(error.problems)


def _parse_uncached(file: str, text: str, source_lines: tuple[int, ...] | None) -> LoadedDocument:
    origin = Rendered(text, source_lines)
    if len(text) > limits.MAX_RENDERED_CHARS:
        raise SpecError([SpecProblem(file, 1, "", f"the file is over {limits.MAX_RENDERED_CHARS:,} characters")])
    builder = _Builder(file, origin)
    try:
        data = builder.build(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        message = _comparison_hint(text, line) or f"invalid YAML: {error.problem or error.context or error}"
        builder.problems.append(SpecProblem(file, origin.source_line(line), "", message))
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        character = error.character if isinstance(error.character, int) else ord(error.character or "\0")
        builder.problems.append(SpecProblem(file, origin.source_line(line), "", f"invalid YAML: {error.reason} "
                                            f"(U+{character:04X})"))
    except yaml.YAMLError as error:
        builder.problems.append(SpecProblem(file, 1, "", f"invalid YAML: {error}"))
    except _LimitReached:
        pass
    if builder.problems:
        raise SpecError(builder.problems)
    if builder.empty:
        raise SpecError([SpecProblem(file, 1, "", "the file is empty; expected a mapping starting with version: 1")])
    return LoadedDocument(file, data, builder.lines)


def _comparison_hint(text: str, line: int) -> str | None:
    """For `threshold: > 5` (YAML reads `>` as the start of a folded text block): say to quote it."""
    lines = text.split("\n")
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    if not _UNQUOTED_COMPARISON.search(source):
        return None
    key, _, value = source.partition(":")
    return (f'a comparison must be quoted: {key.strip()}: "{value.strip()}" (YAML reads an unquoted > as the '
            "start of a block of text)")


class _LimitReached(Exception):
    """Reading stopped at a limit; the problem is recorded."""


class _Collection:
    """A mapping or list being built, with what is needed to finish it."""

    __slots__ = ("anchor", "data", "is_mapping", "key", "key_line", "merges", "path", "seen", "values_before")

    def __init__(self, data: Any, path: Path, anchor: str | None, values_before: int) -> None:
        self.data = data
        self.path = path
        self.anchor = anchor
        self.values_before = values_before
        self.is_mapping = isinstance(data, dict)
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.merges: list[tuple[Any, int]] = []
        self.seen: dict[Any, int] = {}


_NO_KEY = object()
_MERGE = object()


class _Builder:
    """Builds plain data from YAML events, recording lines, duplicate keys and problems."""

    def __init__(self, file: str, origin: Rendered) -> None:
        self.file = file
        self.text = origin.text
        self.origin = origin
        self.lines: dict[Path, int] = {}
        self.problems: list[SpecProblem] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.values = 0
        self.aliases = 0
        self.documents = 0
        self.empty = True

    def build(self, text: str) -> Any:
        stack: list[_Collection] = []
        root: Any = None
        # hot loop: one pass per YAML event, so the event types and methods are bound once
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        scalar, alias, count_values, place = self._scalar, self._alias, self._count, self._place
        for event in _events(text):
            kind = type(event)
            if kind is scalar_event:
                value = scalar(event, stack)
                count_values(1, event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                root = place(stack, value, event, value == "<<" and event.implicit[0] and event.tag is None, root)
            elif kind is alias_event:
                value, count = alias(event, stack)
                count_values(count, event)
                root = place(stack, value, event, False, root)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self._count(1, event)
                mapping = kind is yaml.MappingStartEvent
                path = self._child_path(stack, event)
                if event.tag not in (_MAP_TAGS if mapping else _SEQ_TAGS):
                    self._problem(event, f"unsupported YAML tag {_short_tag(event.tag)}; spec files use plain "
                                         "mappings, lists and values", path)
                if len(stack) >= limits.MAX_NESTING_DEPTH:
                    self._problem(event, f"nested over {limits.MAX_NESTING_DEPTH} levels deep", path)
                    raise _LimitReached
                if event.anchor is not None:
                    self.open_anchors.add(event.anchor)
                stack.append(_Collection({} if mapping else [], path, event.anchor, self.values))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                value = self._finish(done) if done.is_mapping else done.data
                if done.anchor is not None:
                    self.open_anchors.discard(done.anchor)
                    self.anchors[done.anchor] = (value, self.values - done.values_before)
                root = self._place(stack, value, event, False, root, finished=done)
            elif kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    self._problem(event, "a second YAML document (---); a spec file holds one")
                    raise _LimitReached
        return root

    def _count(self, count: int, event: Any) -> None:
        self.values += count
        if self.values > limits.MAX_VALUES:
            self._problem(event, f"over {limits.MAX_VALUES:,} values (aliases count each time they are used)")
            raise _LimitReached

    def _line(self, event: Any) -> int:
        return self.origin.source_line(event.start_mark.line + 1)

    def _problem(self, event: Any, message: str, path: Path = ()) -> None:
        self.problems.append(SpecProblem(self.file, self._line(event), dotted(path), message))

    def _child_path(self, stack: list[_Collection], event: Any) -> Path:
        """The path of the value that `event` starts, recording its line."""
        if not stack:
            self.lines[()] = self._line(event)
            self.empty = False
            return ()
        parent = stack[-1]
        if parent.is_mapping:
            if parent.key is _NO_KEY:  # a mapping or list used as a key: built, then refused in _place
                return (*parent.path, f"<key on line {self._line(event)}>")
            key = parent.key if parent.key is not _MERGE else "<<"
            return (*parent.path, key)
        path = (*parent.path, len(parent.data))
        self.lines[path] = self._line(event)
        return path

    def _place(self, stack: list[_Collection], value: Any, event: Any, is_merge_key: bool, root: Any,
               finished: _Collection | None = None) -> Any:
        """Put a finished value into the collection being built (or make it the document)."""
        if not stack:
            if finished is None:
                self.lines[()] = self._line(event)
                self.empty = self.empty and value is None
            return value
        parent = stack[-1]
        if not parent.is_mapping:
            if finished is None:
                self.lines[(*parent.path, len(parent.data))] = self._line(event)
            parent.data.append(value)
            return root
        if parent.key is _NO_KEY:
            line = self._line(event) if finished is None else self.lines.get(finished.path, 0)
            parent.key = _MERGE if is_merge_key else self._key(value, event, parent, finished)
            parent.key_line = line if finished is None else self._line(event)
            if parent.key is not _MERGE:
                self._record_key(parent)
            return root
        if parent.key is _MERGE:
            parent.merges.append((value, parent.key_line))
        else:
            parent.data[parent.key] = value
        parent.key = _NO_KEY
        return root

    def _key(self, value: Any, event: Any, parent: _Collection, finished: _Collection | None) -> Any:
        if finished is not None or isinstance(value, (dict, list)):
            self._problem(event, "keys must be plain values", parent.path)
            return f"<key on line {self._line(event)}>"
        if isinstance(value, str):
            return value
        if isinstance(event, yaml.ScalarEvent):
            # A key is a name: keep it as written. YAML would read `no:` (Norway) or `on:` as a boolean, and
            # `0x10:` as 16.
            return event.value
        try:
            return str(value)
        except ValueError:
            return repr(type(value))

    def _record_key(self, parent: _Collection) -> None:
        key, line = parent.key, parent.key_line
        if key in parent.seen:
            self.problems.append(SpecProblem(
                self.file, line, dotted((*parent.path, key)),
                f"duplicate key (first defined on line {parent.seen[key]}); YAML would keep only the last"))
        else:
            parent.seen[key] = line
        self.lines[(*parent.path, key)] = line

    def _finish(self, mapping: _Collection) -> dict[Any, Any]:
        """Apply `<<` merge keys: merged keys come first; keys written in the mapping win."""
        if not mapping.merges:
            return mapping.data
        merged: dict[Any, Any] = {}
        for value, line in mapping.merges:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(source, dict) for source in sources):
                self.problems.append(SpecProblem(self.file, line, dotted((*mapping.path, "<<")),
                                                 "a merge key (<<) takes an alias of a mapping, or a list of them"))
                continue
            for source in reversed(sources):
                merged.update(source)
        for key in merged:
            self.lines.setdefault((*mapping.path, key), mapping.merges[0][1])
        merged.update(mapping.data)
        return merged

    def _alias(self, event: Any, stack: list[_Collection]) -> tuple[Any, int]:
        """The value alias `event` refers to and how many values it holds; `stack` gives the path of a
        problem."""
        path = _slot(stack)
        self.aliases += 1
        if self.aliases > limits.MAX_ALIASES:
            self._problem(event, f"over {limits.MAX_ALIASES:,} aliases", path)
            raise _LimitReached
        name = event.anchor
        if name in self.open_anchors:
            self._problem(event, f"alias *{name} refers to a value that contains it", path)
            return None, 1
        if name not in self.anchors:
            self._problem(event, f"alias *{name} names no anchor (&{name}) defined before it", path)
            return None, 1
        return self.anchors[name]

    def _scalar(self, event: Any, stack: list[_Collection]) -> Any:
        """The value of scalar `event`; `stack` gives the path of a problem (computed only then: this runs
        once per scalar)."""
        tag, value = event.tag, event.value
        if event.style in (">", "|") and (hint := _comparison_hint(self.text, event.start_mark.line + 1)):
            self._problem(event, hint, _slot(stack))
            return value
        if tag is None or tag == "!":
            tag = _Resolver.resolve(yaml.ScalarNode, value, event.implicit) if tag is None else _STR_TAG
            if tag not in _IMPLICIT_TAGS:
                return value
        elif tag not in _SCALAR_TAGS:
            self._problem(event, f"unsupported YAML tag {_short_tag(tag)}; spec files use plain values",
                          _slot(stack))
            return value
        if tag == _STR_TAG:
            return value
        if tag == _YAML + "int" and len(value) > limits.MAX_INTEGER_DIGITS:
            self._problem(event, f"expected a number of at most {limits.MAX_INTEGER_DIGITS:,} digits", _slot(stack))
            return None
        key = (tag, value)
        result = _CONSTRUCTED.get(key, _NO_KEY)
        if result is _NO_KEY:
            try:
                result = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, value))
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError, yaml.YAMLError):
                self._problem(event, f'"{shorten(value, 60)}" is not a valid {_short_tag(tag)}', _slot(stack))
                return value
            if len(_CONSTRUCTED) > 100_000:
                _CONSTRUCTED.clear()
            _CONSTRUCTED[key] = result
        if isinstance(result, int) and not isinstance(result, bool) and result.bit_length() > _MAX_INTEGER_BITS:
            self._problem(event, f"expected a number of at most {limits.MAX_INTEGER_DIGITS:,} digits", _slot(stack))
            return None
        return result


def _slot(stack: list[_Collection]) -> Path:
    """The path of the next value read into the innermost collection (its mapping's, for a key)."""
    if not stack:
        return ()
    parent = stack[-1]
    if not parent.is_mapping:
        return (*parent.path, len(parent.data))
    if parent.key is _NO_KEY:
        return parent.path
    return (*parent.path, "<<" if parent.key is _MERGE else parent.key)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_CONSTRUCTED: dict[tuple[str, str], Any] = {}
"""Scalars already constructed, by tag and text (numbers, booleans, null and dates are immutable)."""


class _ResolverType(yaml.resolver.Resolver):
    """Implicit tag resolution (YAML 1.1 plain scalars), memoised."""

    _memo: ClassVar[dict[tuple[Any, ...], str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        key = (value, implicit)
        tag = self._memo.get(key)
        if tag is None:
            tag = self._memo[key] = super().resolve(kind, value, implicit)
            if len(self._memo) > 100_000:
                self._memo.clear()
        return tag


_Resolver = _ResolverType()


def reads_as_text(value: str) -> bool:
    """Whether `value`, written as a plain YAML scalar, reads as that text: not as a number, boolean, null or
    date (YAML 1.1, as vigil reads it: `on`, `no` and `null` are not text)."""
    return _Resolver.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG


def _events(text: str) -> Iterator[Any]:
    reader = _BaseLoader(text)
    get_event = reader.get_event
    try:
        while (event := get_event()) is not None:  # None once the stream has ended
            yield event
    finally:
        reader.dispose()


def _short_tag(tag: str | None) -> str:
    return f"!!{tag[len(_YAML):]}" if tag and tag.startswith(_YAML) else str(tag)

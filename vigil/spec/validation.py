"""Validate loaded documents against the spec models and turn pydantic errors into one clear line each."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from vigil.spec.errors import SpecError, SpecProblem, more_problems
from vigil.spec.input_limits import MAX_PROBLEMS_PER_FILE
from vigil.spec.loader import LoadedDocument, Path, dotted
from vigil.spec.rules import RULE_ERROR
from vigil.spec.types import PATTERN_MEANINGS

Model = TypeVar("Model", bound=BaseModel)

_TYPE_WORDS = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "dict_type": "a mapping",
    "model_type": "a mapping", "model_attributes_type": "a mapping", "list_type": "a list",
}


def validate_document(document: LoadedDocument, model: type[Model]) -> Model:
    """Validate `document` as `model`; raise SpecError with one problem per offending field."""
    if not isinstance(document.data, dict):
        raise SpecError([document.problem((), f"expected a mapping of fields, got {_show(document.data)}")])
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        raise SpecError(_problems(document, model, error)) from None


@dataclass(frozen=True)
class PartialResult(Generic[Model]):
    """What `validate_partially` found: the model of the valid part (None when nothing sensible remains), the
    problems, and the keys of the map entries left out because they are invalid."""

    model: Model | None
    problems: tuple[SpecProblem, ...]
    left_out: frozenset[str]


def validate_partially(document: LoadedDocument, model: type[Model]) -> PartialResult[Model]:
    """Validate `document` as `model`; when entries of its maps (alarms, slos, canaries, ...) are invalid, also
    validate the document without them, so that the checks that need a whole model (composites, limits, names)
    can still run on the rest and every problem is reported in one run. A check across entries that fails once
    others are left out (a composite naming a left-out alarm) leaves its entry out too; its problem is reported
    only when it names no left-out entry (else it is a consequence, not news)."""
    try:
        return PartialResult(validate_document(document, model), (), frozenset())
    except SpecError as error:
        problems = list(error.problems)
    data = document.data
    if not isinstance(data, dict):
        return PartialResult(None, tuple(problems), frozenset())
    left_out: dict[str, set[Any]] = {}
    current: dict[str, Any] = data
    while True:
        try:
            valid = model.model_validate(current)
        except ValidationError as error:
            details = error.errors(include_url=False)
            if current is not data:
                keys = {name for field, keys in left_out.items() for key in keys
                        for name in _names_of(model, field, str(key))}
                problems += [problem for problem in _problems(document, model, error)
                             if not any(f'"{key}"' in problem.message for key in keys)]
        else:
            return PartialResult(valid, tuple(problems), frozenset(str(key) for keys in left_out.values()
                                                                   for key in keys))
        entries = [entry for entry in (_entry(detail, data, model) for detail in details) if entry is not None]
        if len(entries) < len(details) or all(key in left_out.get(field, ()) for field, key in entries):
            return PartialResult(None, tuple(problems), frozenset())
        for field, key in entries:
            left_out.setdefault(field, set()).add(key)
        current = {**data, **{field: {key: value for key, value in data[field].items() if key not in keys}
                              for field, keys in left_out.items()}}


def _names_of(model: type[BaseModel], field: str, key: str) -> set[str]:
    """The keys a problem may name when entry `key` of map `field` is left out: the key itself, and what the model
    derives from it (`entry_keys`, e.g. the alarm keys a service's resource generates)."""
    derived = getattr(model, "entry_keys", None)
    return {key, *(derived(field, key) if derived else ())}


def _entry(detail: Any, data: dict[str, Any], model: type[BaseModel]) -> tuple[str, Any] | None:
    """The map entry (field, key) a pydantic error is about, or None when it is about the document as a whole;
    a rule's problem is about the entry its path starts in."""
    loc = tuple(detail["loc"])
    if detail["type"] == RULE_ERROR:
        loc = (*loc, *detail["ctx"]["path"])
    if len(loc) < 2 or not isinstance(loc[0], str):
        return None
    field, key = loc[0], loc[1]
    entries = data.get(field)
    if not isinstance(entries, dict) or key not in entries or not _is_map(model, field):
        return None
    return field, key


def _is_map(model: type[BaseModel], field: str | None) -> bool:
    annotation = _field_annotation(model, field) if field else None
    return typing.get_origin(_unwrap(annotation)) is dict


def _problems(document: LoadedDocument, model: type[BaseModel], error: ValidationError) -> list[SpecProblem]:
    problems: dict[str, SpecProblem] = {}
    details = error.errors(include_url=False)
    for detail in details[:MAX_PROBLEMS_PER_FILE]:
        path = _data_path(document.data, detail["loc"])
        if detail["type"] == RULE_ERROR:
            problem = document.problem((*path, *detail["ctx"]["path"]), detail["ctx"]["message"])
        elif detail["type"] in ("missing", "union_tag_not_found"):
            name = detail["loc"][-1] if detail["type"] == "missing" else detail["ctx"]["discriminator"].strip("'")
            field_path = (*path, name)
            problem = SpecProblem(document.file, document.line_of(path), dotted(field_path),
                                  "required field is missing" + _expected_tags(model, detail))
        else:
            problem = document.problem(path, _message(detail, model, detail["loc"]))
        problems.setdefault(problem.field, problem)
    if len(details) > MAX_PROBLEMS_PER_FILE:
        last = max(problem.line for problem in problems.values())
        return [*problems.values(), more_problems(document.file, last, len(details) - MAX_PROBLEMS_PER_FILE)]
    return list(problems.values())


def _data_path(data: Any, loc: tuple[int | str, ...]) -> Path:
    """The part of a pydantic error location that exists in the data (drops union tags and `[key]`). A tag is
    dropped even where a field has its name (the `alarms` widget's `alarms`)."""
    path: list[str | int] = []
    node = data
    tag_seen = False
    for part in loc:
        if isinstance(node, dict) and node.get("type") == part and not tag_seen:
            tag_seen = True
            continue
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
            path.append(part)
            tag_seen = False
    return tuple(path)


def _message(detail: Any, model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    kind = detail["type"]
    context = detail.get("ctx", {})
    shown = _show(detail.get("input"))
    if kind == "value_error":
        return str(context.get("error", detail["msg"]))
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        if close:
            return f'unknown field; did you mean "{close[0]}"?'
        return f"unknown field; expected one of: {', '.join(allowed)}"
    if kind == "literal_error":
        return f"expected {context['expected']}, got {shown}"
    if kind == "union_tag_invalid":
        discriminator = context["discriminator"].strip("'")
        return f'unknown {discriminator} "{context["tag"]}"; expected one of {context["expected_tags"]}'
    if kind == "string_pattern_mismatch":
        meaning = PATTERN_MEANINGS.get(context["pattern"], f"text matching {context['pattern']}")
        return f"expected {meaning}, got {shown}"
    if kind in ("too_short", "too_long"):
        bound = "at least" if kind == "too_short" else "at most"
        count = context.get("min_length" if kind == "too_short" else "max_length")
        return f"expected {bound} {count} item{'' if count == 1 else 's'}, got {context.get('actual_length')}"
    if kind in ("string_too_long", "string_too_short"):
        return f"{detail['msg'].lower()}, got {len(detail['input'])} characters"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(context.values()))
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"expected a number {_BOUNDS[kind]} {bound}, got {shown}"
    if kind == "string_type" and isinstance(detail.get("input"), bool):
        return (f"expected a string, got {shown}: YAML reads unquoted yes, no, on, off, true and false as "
                'booleans; quote the name, e.g. "no"')
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}, got {shown}"
    return f"{detail['msg']}, got {shown}"


_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}


def _expected_tags(model: type[BaseModel], detail: Any) -> str:
    """For a missing `type`, the values it may take."""
    if detail["type"] != "union_tag_not_found":
        return ""
    current: Any = model
    for part in detail["loc"]:
        current = _step(current, part) if current is not None else None
    tags = [str(tag) for member in typing.get_args(_unwrap(current))
            for tag in typing.get_args(_field_annotation(_unwrap(member), "type"))]
    return f"; expected one of: {', '.join(tags)}" if tags else ""


def _field_annotation(model: Any, name: str) -> Any:
    if isinstance(model, type) and issubclass(model, BaseModel) and name in model.model_fields:
        return model.model_fields[name].annotation
    return None


def _allowed_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model found at `loc` (after following dicts, lists and tagged unions)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _step(annotation: Any, part: int | str) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict:
        return args[1]
    if origin is list:
        return args[0]
    if origin in (typing.Union, types.UnionType):
        for member in args:
            member = _unwrap(member)
            if isinstance(member, type) and issubclass(member, BaseModel):
                tag = member.model_fields.get("type")
                if tag is not None and part in typing.get_args(tag.annotation):
                    return member
        return None
    return None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f'"{text}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return str(value).lower() if isinstance(value, bool) else str(value)

"""Render the Jinja2 of a spec file in a sandbox with a budget, remembering the line each rendered line came from.

Spec files are untrusted (they arrive in pull requests), so templates run in Jinja's immutable sandbox and see
only `env`, `account`, `region` and `vars`, plus `range()` and `namespace()`. Includes, imports and `extends`
are refused (a file renders on its own); only filters and methods whose output grows at most with their input
are available; every loop iteration, call, operator and output is charged to a budget (time, iterations,
characters, call depth: vigil/spec/input_limits.py) checked before anything large is built. Anything a
template raises is a spec problem at the template line that raised it.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import numbers
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer

from vigil.spec import input_limits as limits
from vigil.spec.errors import SpecError, SpecProblem, shorten

JINJA_MARKERS = ("{{", "{%", "{#")
"""Text that starts a Jinja construct; a file without any is not rendered."""

_LINE_MARK = "\x00"
_MARKER = re.compile("\x00([0-9]+)\x00")
_LOOP_FILTER = "_vigil_loop"
_CONCAT_FILTER = "_vigil_concat"
_REFUSED_TAGS = {nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import",
                 nodes.FromImport: "from ... import"}
_SAFE_FILTERS = (
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "first", "float", "groupby", "int", "items",
    "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse",
    "round", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "truncate", "unique",
    "upper", "wordcount",
)
"""Filters whose output is at most a small multiple of their input; the rest (center, indent, format, batch,
random, ...) are not available."""
_SAFE_METHODS = {
    str: frozenset({
        "lower", "upper", "title", "capitalize", "casefold", "swapcase", "strip", "lstrip", "rstrip", "split",
        "rsplit", "splitlines", "startswith", "endswith", "find", "rfind", "index", "rindex", "count", "isdigit",
        "isalpha", "isalnum", "isdecimal", "isnumeric", "islower", "isupper", "isspace", "istitle", "partition",
        "rpartition", "replace", "join", "removeprefix", "removesuffix",
    }),
    dict: frozenset({"get", "items", "keys", "values"}),
    list: frozenset({"index", "count"}),
    tuple: frozenset({"index", "count"}),
}


@dataclass(frozen=True)
class Rendered:
    """A rendered spec file: its text, and for each of its lines (0-based) the 1-based line of the file that
    produced it (None when the text is the file itself)."""

    text: str
    source_lines: tuple[int, ...] | None = None

    def source_line(self, line: int) -> int:
        """The line of the file that produced rendered `line` (1-based; 0 stays 0)."""
        if self.source_lines is None or line <= 0 or not self.source_lines:
            return line
        return self.source_lines[min(line, len(self.source_lines)) - 1]


def render(file: str, text: str, context: Mapping[str, Any]) -> Rendered:
    """Render `text` with `context` (env, account, region, vars). Raises SpecError naming the line at fault."""
    if not any(marker in text for marker in JINJA_MARKERS):
        return Rendered(text)
    if _LINE_MARK in text:
        line = text.count("\n", 0, text.index(_LINE_MARK)) + 1
        raise SpecError([SpecProblem(file, line, "", "the file holds a NUL character")])
    tags = text.count("{{") + text.count("{%")
    if tags > limits.MAX_TEMPLATE_TAGS:
        raise SpecError([SpecProblem(file, 1, "", f"template: {tags:,} {{{{ }}}} and {{% %}} tags; a file may "
                                                  f"hold {limits.MAX_TEMPLATE_TAGS:,}")])
    template = _compiled(file, text)
    budget = _Budget(context)
    token = _BUDGET.set(budget)
    try:
        return _without_markers(_generate(template, context, budget))
    except Exception as error:  # a template is a program: whatever it raises is the spec's problem
        raise SpecError([SpecProblem(file, _template_line(template, error), "", _message(error))]) from None
    finally:
        _BUDGET.reset(token)


def _compiled(file: str, text: str) -> jinja2.Template:
    try:
        return _compile(text)
    except jinja2.TemplateSyntaxError as error:
        problem = SpecProblem(file, error.lineno or 1, "", f"template syntax: {error.message}")
    except _Refused as error:
        problem = SpecProblem(file, error.line, "", f"template: {error}")
    except RecursionError:
        problem = SpecProblem(file, 1, "", "template: expressions nested too deeply")
    except Exception as error:  # the generated Python may not compile (e.g. blocks nested over 20 deep)
        problem = SpecProblem(file, 1, "", f"template: cannot compile: {shorten(str(error), 200)}")
    raise SpecError([problem])


@functools.lru_cache(maxsize=256)
def _compile(text: str) -> jinja2.Template:
    environment = _environment()
    tree = _Prepare().visit(environment.parse(text))
    code = environment.compile(tree)
    return environment.template_class.from_code(environment, code, environment.make_globals(None), None)


def _generate(template: jinja2.Template, context: Mapping[str, Any], budget: _Budget) -> str:
    chunks = []
    size = 0
    for chunk in template.root_render_func(template.new_context(dict(context))):
        size += len(chunk)
        if size > limits.MAX_TEMPLATE_WORK_CHARS:
            raise TemplateBudgetExceeded(f"the file renders to over {limits.MAX_RENDERED_CHARS:,} characters")
        budget.tick()
        chunks.append(chunk)
    return "".join(chunks)


def _without_markers(output: str) -> Rendered:
    """Drop the line markers from the output, recording which line of the file each output line came from."""
    texts = []
    found: list[int | None] = []
    for line in output.split("\n"):
        if _LINE_MARK in line:
            numbers_in_line = _MARKER.findall(line)
            found.append(int(numbers_in_line[-1]) if numbers_in_line else None)
            line = _MARKER.sub("", line)
        else:
            found.append(None)
        texts.append(line)
    text = "\n".join(texts)
    if len(text) > limits.MAX_RENDERED_CHARS:
        raise TemplateBudgetExceeded(f"the file renders to over {limits.MAX_RENDERED_CHARS:,} characters")
    # A line without a marker ends in text a template expression wrote: it belongs to the next marked line.
    sources = [0] * len(found)
    following = next((n for n in reversed(found) if n is not None), 1)
    for index in range(len(found) - 1, -1, -1):
        following = found[index] or following
        sources[index] = following
    return Rendered(text, tuple(sources))


class TemplateBudgetExceeded(Exception):
    """A template went over one of the limits in vigil/spec/input_limits.py."""


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class _Prepare(NodeTransformer):
    """Refuses includes and imports; marks the end of each line of literal text with its line number; routes
    every loop and `~` through the budget."""

    def __init__(self) -> None:
        self.in_assignment = 0

    def generic_visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        for kind, tag in _REFUSED_TAGS.items():
            if isinstance(node, kind):
                raise _Refused(node.lineno, f"{{% {tag} %}} is not available: a spec file renders on its own")
        return super().generic_visit(node, *args, **kwargs)

    def visit_AssignBlock(self, node: nodes.AssignBlock) -> nodes.Node:
        self.in_assignment += 1  # a {% set %} block's text is a value: it keeps no markers
        try:
            return self.generic_visit(node)
        finally:
            self.in_assignment -= 1

    def visit_TemplateData(self, node: nodes.TemplateData) -> nodes.Node:
        if self.in_assignment or "\n" not in node.data:
            return node
        lines = node.data.split("\n")
        marked = [f"{text}{_LINE_MARK}{node.lineno + index}{_LINE_MARK}" for index, text in enumerate(lines[:-1])]
        return nodes.TemplateData("\n".join([*marked, lines[-1]]), lineno=node.lineno)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        weight = sum(len(data.data) for data in node.find_all(nodes.TemplateData))
        node = self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _LOOP_FILTER, [nodes.Const(weight)], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        return nodes.Filter(nodes.List(list(node.nodes), lineno=node.lineno), _CONCAT_FILTER, [], [], None, None,
                            lineno=node.lineno)


class _Budget:
    """What one rendering may still spend: time, loop iterations, characters produced, call depth."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = context
        self.deadline = time.monotonic() + limits.MAX_TEMPLATE_SECONDS
        self.iterations = 0
        self.work = 0
        self.depth = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateBudgetExceeded(f"rendering takes over {limits.MAX_TEMPLATE_SECONDS:g} s")

    def charge(self, value: Any) -> None:
        """Count `value` (already built, or about to be) against the characters a template may produce."""
        size = _size(value, limits.MAX_RENDERED_CHARS)
        if size > limits.MAX_RENDERED_CHARS:
            raise TemplateBudgetExceeded(f"a value of over {limits.MAX_RENDERED_CHARS:,} characters")
        self.work += size
        if self.work > limits.MAX_TEMPLATE_WORK_CHARS:
            raise TemplateBudgetExceeded(f"the template produces over {limits.MAX_TEMPLATE_WORK_CHARS:,} "
                                         "characters in all")

    def iterate(self, iterable: Iterable[Any], weight: int) -> Iterator[Any]:
        for item in iterable:
            self.iterations += 1
            if self.iterations > limits.MAX_TEMPLATE_ITERATIONS:
                raise TemplateBudgetExceeded(f"loops run over {limits.MAX_TEMPLATE_ITERATIONS:,} iterations")
            self.work += weight
            if self.work > limits.MAX_TEMPLATE_WORK_CHARS:
                raise TemplateBudgetExceeded(f"the template produces over {limits.MAX_TEMPLATE_WORK_CHARS:,} "
                                             "characters in all")
            self.tick()
            yield item


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("vigil_template_budget", default=None)


def _size(value: Any, limit: int) -> int:
    """The characters `value` stands for (containers: the sum of their items), counted to just past `limit`."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        total = len(value)
        items = value.items() if isinstance(value, dict) else value
        for item in items:
            if total > limit:
                break
            total += _size(item, limit - total)
        return total
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 1
    return 1


def _current_budget() -> _Budget | None:
    """The budget of the rendering under way (None while a template compiles)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick()
    return budget


def _check_integer(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > limits.MAX_INTEGER_BITS:
        raise TemplateBudgetExceeded(f"an integer over {limits.MAX_INTEGER_BITS:,} bits")
    return value


class _SpecEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with vigil's budget on operators, calls and output."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _current_budget()
        if operator == "%" and isinstance(left, str):
            raise jinja2.sandbox.SecurityError("% formatting of text is not available; join text with ~")
        if (operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0
                and left.bit_length() * right > limits.MAX_INTEGER_BITS):
            raise TemplateBudgetExceeded(f"an integer over {limits.MAX_INTEGER_BITS:,} bits")
        if operator == "*":
            self._check_product(left, right)
        if operator == "+" and isinstance(left, (str, list, tuple)):
            _charge_before(_size(left, limits.MAX_RENDERED_CHARS) + _size(right, limits.MAX_RENDERED_CHARS))
        return _check_integer(super().call_binop(context, operator, left, right))

    @staticmethod
    def _check_product(left: Any, right: Any) -> None:
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > limits.MAX_INTEGER_BITS:
                raise TemplateBudgetExceeded(f"an integer over {limits.MAX_INTEGER_BITS:,} bits")
            return
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, (str, list, tuple)) and isinstance(times, int):
                _charge_before(_size(sequence, limits.MAX_RENDERED_CHARS) * max(times, 0))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        budget = _current_budget()
        if isinstance(__obj, jinja2.Undefined):
            return super().call(__context, __obj, *args, **kwargs)
        if not _callable_in_templates(__obj):
            raise jinja2.sandbox.SecurityError(f"calling {_callable_name(__obj)} is not available in spec templates")
        method = getattr(__obj, "__name__", "")
        if method in ("join", "replace") and isinstance(getattr(__obj, "__self__", None), str):
            _PRECHECKS[method](__obj.__self__, *args)
        if budget is None or not isinstance(__obj, (Macro, LoopContext)):
            result = super().call(__context, __obj, *args, **kwargs)
        else:
            if isinstance(__obj, LoopContext) and args:
                args = (budget.iterate(args[0], 0), *args[1:])
            budget.depth += 1
            try:
                if budget.depth > limits.MAX_TEMPLATE_CALL_DEPTH:
                    raise TemplateBudgetExceeded(f"macro calls or recursive loops nest over "
                                                 f"{limits.MAX_TEMPLATE_CALL_DEPTH} deep")
                result = super().call(__context, __obj, *args, **kwargs)
            finally:
                budget.depth -= 1
        if budget is not None:
            budget.charge(result)
        return _check_integer(result)


def _callable_in_templates(obj: Any) -> bool:
    if isinstance(obj, (Macro, LoopContext)) or obj is Namespace or obj is _range:
        return True
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, LoopContext):
        return getattr(obj, "__name__", "") in ("cycle", "changed")
    methods = _SAFE_METHODS.get(type(owner)) if owner is not None else None
    return methods is not None and getattr(obj, "__name__", "") in methods


def _callable_name(obj: Any) -> str:
    name = getattr(obj, "__name__", None) or type(obj).__name__
    return f"{name}()"


def _charge_before(size: int) -> None:
    """Refuse to build a value of `size` characters over the limit; charge it to the rendering otherwise."""
    if size > limits.MAX_RENDERED_CHARS:
        raise TemplateBudgetExceeded(f"a value of over {limits.MAX_RENDERED_CHARS:,} characters")
    budget = _BUDGET.get()
    if budget is not None:
        budget.work += size


def _check_replace(text: Any, old: Any, new: Any, count: Any = None, *_: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        times = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            times = min(times, count)
        _charge_before(len(text) + times * max(len(new) - len(old), 0))


def _check_join(separator: Any, items: Any = (), *_: Any) -> None:
    if isinstance(separator, str) and isinstance(items, (list, tuple, dict)):
        _charge_before(_size(items, limits.MAX_RENDERED_CHARS) + len(separator) * len(items))


_PRECHECKS: dict[str, Callable[..., None]] = {"replace": _check_replace, "join": _check_join}


def _range(*args: int) -> range:
    """`range()` of at most MAX_TEMPLATE_ITERATIONS numbers (a loop over it counts each one)."""
    numbers_range = range(*args)
    if len(numbers_range) > limits.MAX_TEMPLATE_ITERATIONS:
        raise TemplateBudgetExceeded(f"range() of over {limits.MAX_TEMPLATE_ITERATIONS:,} numbers")
    return numbers_range


def _budgeted_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with its arguments checked before it runs and its result charged after."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def budgeted(*args: Any, **kwargs: Any) -> Any:
        budget = _current_budget()
        if name in ("join", "replace", "round", "sum"):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            if name == "join":
                arguments["value"] = list(arguments["value"]) if isinstance(arguments["value"], Iterable) \
                    else arguments["value"]
                _check_join(arguments["d"], arguments["value"])
            elif name == "replace":
                _check_replace(arguments["s"], arguments["old"], arguments["new"], arguments["count"])
            elif name == "round" and abs(arguments["precision"]) > limits.MAX_ROUND_DIGITS:
                raise TemplateBudgetExceeded(f"round() to over {limits.MAX_ROUND_DIGITS} digits")
            elif name == "sum" and not isinstance(arguments["start"], numbers.Number):
                raise jinja2.sandbox.SecurityError("sum() adds numbers only")
            args, kwargs = bound.args, bound.kwargs
        result = function(*args, **kwargs)
        if budget is not None:
            budget.charge(result)
        return _check_integer(result)

    return budgeted


def _loop(iterable: Any, weight: int) -> Any:
    budget = _BUDGET.get()
    if budget is None or isinstance(iterable, jinja2.Undefined):
        return iterable
    return budget.iterate(iterable, weight)


def _concat(pieces: list[Any]) -> str:
    texts = [piece if isinstance(piece, str) else str(_finalize(piece)) for piece in pieces]
    _charge_before(sum(len(text) for text in texts))
    return "".join(texts)


_OUTPUT_TYPES = (str, int, float, bool, type(None), list, tuple, dict, jinja2.Undefined)


def _finalize(value: Any) -> Any:
    """Every `{{ ... }}` passes here: only data may be written into a spec, and it is charged."""
    budget = _current_budget()
    if not isinstance(value, _OUTPUT_TYPES):
        raise jinja2.sandbox.SecurityError(f"cannot write a {type(value).__name__} into a spec file")
    if budget is not None:
        budget.charge(value)
    return value


class _Undefined(jinja2.StrictUndefined):
    """Undefined names say which environment lacks which of its `vars`."""

    @property
    def _undefined_message(self) -> str:
        budget = _BUDGET.get()
        name = self._undefined_name
        if self._undefined_hint or budget is None or name is None:
            return str(super()._undefined_message)
        if self._undefined_obj is jinja2.utils.missing:
            return f'"{name}" is undefined; templates see env, account, region and vars'
        path = _vars_path(budget.context.get("vars"), self._undefined_obj, "vars")
        if path is None:
            return str(super()._undefined_message)
        return f'environment "{budget.context.get("env")}" has no {path}.{name} (add it to its vars)'


def _vars_path(node: Any, wanted: Any, path: str, depth: int = 0) -> str | None:
    """The dotted path of `wanted` inside the environment's vars, found by identity."""
    if node is wanted:
        return path
    if depth > limits.MAX_NESTING_DEPTH:
        return None
    if isinstance(node, dict):
        children: Iterable[tuple[Any, Any]] = node.items()
    elif isinstance(node, list):
        children = enumerate(node)
    else:
        return None
    for key, child in children:
        found = _vars_path(child, wanted, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}", depth + 1)
        if found is not None:
            return found
    return None


@functools.cache
def _environment() -> _SpecEnvironment:
    environment = _SpecEnvironment(undefined=_Undefined, keep_trailing_newline=True, autoescape=False,
                                   finalize=_finalize)
    defaults = environment.filters
    environment.filters = {name: _budgeted_filter(name, defaults[name]) for name in _SAFE_FILTERS}
    environment.filters[_LOOP_FILTER] = _loop
    environment.filters[_CONCAT_FILTER] = _concat
    environment.globals = {"range": _range, "namespace": Namespace}
    return environment


def _template_line(template: jinja2.Template, error: BaseException) -> int:
    """The template line of the innermost template frame in the traceback of `error`."""
    line = 1
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = template.get_corresponding_lineno(trace.tb_lineno) or line
        trace = trace.tb_next
    return line


def _message(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "template: calls nested too deeply"
    if isinstance(error, MemoryError):
        return "template: out of memory"
    text = str(error.message if isinstance(error, jinja2.TemplateError) and error.message else error)
    return f"template: {shorten(text, 200) or type(error).__name__}"

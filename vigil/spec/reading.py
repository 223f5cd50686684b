"""Read spec files into their models: render (Jinja2 with the environment's context) or parse, then validate.
Each file that does not read is left out and its problems collected; nothing past this point reads a file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from vigil.spec.environment import EnvironmentSpec
from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.loader import LoadedDocument, load, parse
from vigil.spec.validation import validate_document
from vigil.spec.workspace import SourceFile, Sources

Model = TypeVar("Model", bound=BaseModel)


def read_specs(sources: Iterable[SourceFile], model: type[Model], problems: list[SpecProblem],
               context: Mapping[str, Any] | None = None) -> list[tuple[Model, LoadedDocument]]:
    """Each source that reads and validates as `model`, with its document, in source order. With `context`,
    files are Jinja2 templates rendered with it (service and dashboard files); without, plain YAML
    (environment files). Problems are appended."""
    read = []
    for source in sources:
        try:
            document = parse(source.path, source.text) if context is None else load(source.path, source.text,
                                                                                      dict(context))
            read.append((validate_document(document, model), document))
        except SpecError as error:
            problems.extend(error.problems)
    return read


def read_environments(sources: Sources, problems: list[SpecProblem]) -> list[tuple[EnvironmentSpec, LoadedDocument]]:
    """Every environment file that validates and whose `name` matches its file name, with its document;
    problems are appended."""
    read = []
    for spec, document in read_specs(sources.environments, EnvironmentSpec, problems):
        stem = Path(document.file).stem
        if spec.name != stem:
            problems.append(document.problem(("name",), f'expected "{stem}" to match the file name, got '
                                                       f'"{spec.name}"'))
            continue
        read.append((spec, document))
    return read

"""Read the environment files: each validated against its model and its name checked against its file name."""

from __future__ import annotations

from vigil.spec.environment import EnvironmentSpec
from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.loader import LoadedDocument, parse
from vigil.spec.validation import validate_document
from vigil.spec.workspace import Sources


def load_environments(sources: Sources, problems: list[SpecProblem]) -> list[tuple[EnvironmentSpec, LoadedDocument]]:
    """Every environment file that validates, with its document; problems are appended."""
    loaded = []
    for source in sources.environments:
        try:
            document = parse(source.path, source.text)
            spec = validate_document(document, EnvironmentSpec)
        except SpecError as error:
            problems.extend(error.problems)
            continue
        if spec.name != source.stem:
            problems.append(document.problem(("name",), f'expected "{source.stem}" to match the file name, '
                                                       f'got "{spec.name}"'))
            continue
        loaded.append((spec, document))
    return loaded

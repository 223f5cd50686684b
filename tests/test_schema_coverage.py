"""Every bad-input case of the error tests, fed to both `vigil validate` and the committed JSON Schemas: the
schemas refuse what the spec models refuse, and the cases the schemas still accept are listed here, each with
why a JSON Schema cannot say it (it needs other files or the environment, or one file's rule is beyond a JSON
Schema: then the spec model alone refuses it)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests import (
    test_dashboards,
    test_log_retention,
    test_logs,
    test_organisation_input,
    test_spec_errors,
    test_tracing_canary_errors,
)
from tests.conftest import ACCOUNTS, ENVIRONMENT_YAML, ROOT, SERVICE_YAML
from vigil.cli import main
from vigil.plan.resolve import template_context
from vigil.spec.dashboards import DashboardSpec
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.errors import SpecError
from vigil.spec.loader import load, parse
from vigil.spec.service import ServiceSpec
from vigil.spec.validation import validate_document

SVC = "alarm_specs/coaching.yaml"
SCHEMAS = {"environments/": "environment.schema.json", "alarm_specs/": "service.schema.json",
           "dashboards/": "dashboard.schema.json"}
MODELS = {"environments/": EnvironmentSpec, "alarm_specs/": ServiceSpec, "dashboards/": DashboardSpec}

CASES: list[tuple[str, dict[str, str | None]]] = [
    *((name, files) for name, files, _ in test_spec_errors.CASES),
    *((name, {SVC: text}) for name, text, _ in test_logs.CASES),
    *((name, files) for name, files, _ in test_tracing_canary_errors.CASES),
    *((name, {test_dashboards.DASH: text}) for name, text, _ in test_dashboards.CASES),
    *((name, files) for name, files, _ in test_organisation_input.CASES),
    *((name, files) for name, files, _ in test_log_retention.CASES),
]

ENVIRONMENT = "needs other files or the environment"
NOT_EXPRESSIBLE = "one file, but JSON Schema cannot say it"
STILL_ACCEPTED = {
    # need other files, the environment (its name, region, the other environments) or defaults and overrides
    "two files declaring the same service": ENVIRONMENT,
    "an environment file whose name does not match": ENVIRONMENT,
    "a composite that names an alarm disabled in that environment": ENVIRONMENT,
    "a KMS key in another region": ENVIRONMENT,
    "two services using the same group key in one account": ENVIRONMENT,
    "an override for an environment that does not exist": ENVIRONMENT,
    "an override for an unknown environment": ENVIRONMENT,
    "a group name over X-Ray's 32 characters once prefixed with the environment": ENVIRONMENT,
    "a dashboard whose name is taken by a generated one": ENVIRONMENT,
    "an unknown service": ENVIRONMENT,
    "an unknown alarm key": ENVIRONMENT,
    "an alarm key without a service": ENVIRONMENT,
    "a metric without namespace and no service": ENVIRONMENT,
    "an evaluation range over one day for a short period": ENVIRONMENT,
    "an evaluation range over seven days for a long period": ENVIRONMENT,
    "M of N with M larger than N": ENVIRONMENT,
    "a summary that makes the description exceed 1024 characters": ENVIRONMENT,
    # one file, but beyond JSON Schema: a value naming a key elsewhere, comparing two values, parsing an expression,
    # a sum (a row's widths) or a product (a request timeout times the number of steps); the spec models refuse them
    "a route naming an undefined channel": NOT_EXPRESSIBLE,
    "a composite naming an unknown alarm": NOT_EXPRESSIBLE,
    "an alarm naming an unknown metric filter": NOT_EXPRESSIBLE,
    "a canary whose alarm key is taken by an alarm": NOT_EXPRESSIBLE,
    "an expression naming an undefined metric id": NOT_EXPRESSIBLE,
    "an expression naming an unknown metric id": NOT_EXPRESSIBLE,
    "a malformed composite rule": NOT_EXPRESSIBLE,
    "a filter pattern with an unbalanced brace": NOT_EXPRESSIBLE,
    "a filter pattern with an unbalanced bracket": NOT_EXPRESSIBLE,
    "a filter expression with an unclosed parenthesis": NOT_EXPRESSIBLE,
    "a filter expression with an unclosed quote": NOT_EXPRESSIBLE,
    "a variable used before any step saves it": NOT_EXPRESSIBLE,
    "two steps with the same name": NOT_EXPRESSIBLE,
    "a metric id used twice in one widget": NOT_EXPRESSIBLE,
    "an alarm on a filter with dimensions but without dimensions of its own": NOT_EXPRESSIBLE,
    "a threshold too large for a 64-bit float": NOT_EXPRESSIBLE,
    "more failed runs than runs evaluated": NOT_EXPRESSIBLE,
    "more than ten metrics in one expression": NOT_EXPRESSIBLE,  # counting the entries that are metrics, not
    # intermediate expressions: JSON Schema counts an object's properties only all together
    "a row wider than 24 columns": NOT_EXPRESSIBLE,
    "several requests whose timeouts together exceed a run": NOT_EXPRESSIBLE,
    "a log retention prefix covered by another": NOT_EXPRESSIBLE,
    # an environment's regions and accounts compared with its targets'
    "a monitoring home region that no target is in": NOT_EXPRESSIBLE,
    "StackSet regions that leave out a target's region": NOT_EXPRESSIBLE,
    "a source account that is a target's": NOT_EXPRESSIBLE,
    "a source account that is the monitoring account": NOT_EXPRESSIBLE,
    "strict concurrency above what the failure tolerance lets CloudFormation run": NOT_EXPRESSIBLE,
}
"""Cases the schemas accept though `vigil validate` refuses them, by id, with the reason."""


_PROD = EnvironmentSpec.model_validate(parse("prod", ENVIRONMENT_YAML.format(name="prod",
                                                                          account=ACCOUNTS["prod"])).data)


def _schema(relative: str) -> dict[str, Any]:
    name = next(schema for prefix, schema in SCHEMAS.items() if relative.startswith(prefix))
    return json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))


def _documents(files: dict[str, str | None]) -> dict[str, Any]:
    """What each file of a case reads as (Jinja rendered for the prod environment), or None when it cannot be
    read at all (bad YAML or template: the schema is not asked)."""
    texts: dict[str, str | None] = {SVC: SERVICE_YAML, **{f"environments/{name}.yaml": ENVIRONMENT_YAML.format(
        name=name, account=account) for name, account in ACCOUNTS.items()}}
    texts.update({path: None if text is None else textwrap.dedent(text) for path, text in files.items()})
    out: dict[str, Any] = {}
    for path, text in texts.items():
        if text is None:
            continue
        try:
            document = parse(path, text) if path.startswith("environments/") else load(path, text,
                                                                                         template_context(_PROD))
        except SpecError:
            out[path] = None
            continue
        out[path] = document.data
    return out


def _schema_accepts(files: dict[str, str | None]) -> bool:
    for path, data in _documents(files).items():
        if data is None:
            return False
        validator = jsonschema.Draft202012Validator(_schema(path))
        if next(validator.iter_errors(data), None) is not None:
            return False
    return True


def test_the_schemas_refuse_every_bad_input_but_the_listed_ones(tmp_path: Path) -> None:
    accepted = [name for name, files in CASES if _schema_accepts(files)]
    assert {name: STILL_ACCEPTED.get(name, "not listed") for name in accepted} == STILL_ACCEPTED


@pytest.mark.parametrize("name", sorted(n for n, reason in STILL_ACCEPTED.items() if reason == NOT_EXPRESSIBLE))
def test_the_spec_models_alone_refuse_what_one_file_gets_wrong(name: str) -> None:
    refused = []
    for path, text in dict(CASES)[name].items():
        document = load(path, textwrap.dedent(text or ""), template_context(_PROD)) if not path.startswith(
            "environments/") else parse(path, textwrap.dedent(text or ""))
        model = next(model for prefix, model in MODELS.items() if path.startswith(prefix))
        try:
            validate_document(document, model)
        except SpecError as error:
            refused += [str(problem) for problem in error.problems]
    assert refused


@pytest.mark.parametrize("name", sorted(STILL_ACCEPTED))
def test_vigil_validate_refuses_what_the_schemas_accept(name: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    files = dict(CASES)[name]
    root = tmp_path / "repo"
    for relative, text in {SVC: SERVICE_YAML, **{f"environments/{n}.yaml": ENVIRONMENT_YAML.format(name=n, account=a)
                                                 for n, a in ACCOUNTS.items()}, **files}.items():
        target = root / relative
        if text is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    assert main(["--root", str(root), "validate"]) == 2
    assert capsys.readouterr().err


def test_the_example_specs_satisfy_the_schemas() -> None:
    prod = validate_document(parse("environments/prod.yaml", (ROOT / "environments" / "prod.yaml").read_text()),
                             EnvironmentSpec)
    checked = 0
    for directory in ("environments", "alarm_specs", "dashboards"):
        for path in sorted((ROOT / directory).glob("*.yaml")):
            relative, text = f"{directory}/{path.name}", path.read_text(encoding="utf-8")
            document = parse(relative, text) if directory == "environments" else load(relative, text,
                                                                                       template_context(prod))
            jsonschema.validate(document.data, _schema(relative), cls=jsonschema.Draft202012Validator)
            checked += 1
    assert checked >= 5

"""Where a JSON Schema says a rule on text (a duration's range, a `${name}` variable) or across fields (a request
timeout against the schedule, a graph's lines and annotations), it agrees with the spec model value by value:
the schema refuses what the model refuses and accepts what it accepts."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from tests.conftest import ROOT
from vigil.spec.canaries import MALFORMED_VARIABLE_PATTERN, VARIABLE
from vigil.spec.canary_durations import INTERVALS
from vigil.spec.dashboards import DashboardSpec
from vigil.spec.durations import durations_pattern, parse_duration
from vigil.spec.number_patterns import integers_pattern
from vigil.spec.service import ServiceSpec

DAY = 86400


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8")))


SERVICE, DASHBOARD = _validator("service.schema.json"), _validator("dashboard.schema.json")


def _model_accepts(model: type[ServiceSpec] | type[DashboardSpec], data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def test_integer_patterns_match_exactly_their_numbers() -> None:
    for values in (range(1, 456), range(60, 3601), range(840, 841), [3, 5, 7, 24, 48, 100, 1000, 1001], range(9, 12)):
        pattern = re.compile(f"^(?:{integers_pattern(values)})$")
        allowed = set(values)
        assert [n for n in range(0, 12000) if bool(pattern.match(str(n))) != (n in allowed)] == []


@pytest.mark.parametrize("allowed", [set(INTERVALS), {DAY * days for days in range(1, 456)}, set(range(1, 841))],
                         ids=["canary schedules", "canary retention", "timeouts up to 14 min"])
def test_duration_patterns_match_exactly_the_durations_with_those_values(allowed: set[int]) -> None:
    pattern = re.compile(durations_pattern(allowed))
    numbers = [*range(0, 11000), *(DAY * d + e for d in range(1, 460) for e in (-1, 0, 1)),
               *(1440 * d + e for d in range(1, 460) for e in (-1, 0, 1))]
    wrong = [text for n in numbers for unit in "smhd" for text in (f"{n}{unit}", f" 00{n} {unit} ")
             if bool(pattern.search(text)) != (parse_duration(text) in allowed)]
    assert wrong == []


def test_the_malformed_variable_pattern_finds_exactly_what_the_model_refuses() -> None:
    name = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
    pattern = re.compile(MALFORMED_VARIABLE_PATTERN)
    wrong = []
    for length in range(1, 8):
        for chars in itertools.product("${}a1 _", repeat=length):
            text = "".join(chars)
            refused = any(not name.match(used) for used in VARIABLE.findall(text))
            if bool(pattern.search(text)) != refused:
                wrong.append(text)
    assert wrong == []


def _service(canary: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "service": "svc", "owner": "team", "canaries": {"health": canary}}


def test_a_single_requests_timeout_fits_its_run_in_the_schema_as_in_the_model() -> None:
    disagreements = []
    for every, env_every, timeout, request in itertools.product(
            [None, "1m", "2m", "300s", "14m", "15m", "1h"], [None, "1m", "10m", "1h"],
            ["1s", "59s", "60s", "61s", "2m", "5m", "301s", "6m", "14m", "841s", "15m"],
            [{"url": "https://x.example.com/"}, {"steps": [{"name": "a", "url": "https://x.example.com/"}]}]):
        canary: dict[str, Any] = {"severity": "critical", "timeout": timeout, **request}
        if every:
            canary["every"] = every
        if env_every:
            canary["env"] = {"prod": {"every": env_every}, "dev": {"enabled": False}}
        data = _service(canary)
        if _model_accepts(ServiceSpec, data) != SERVICE.is_valid(data):
            disagreements.append((every, env_every, timeout, request))
    assert disagreements == []


def test_the_schema_never_refuses_several_requests_the_model_accepts() -> None:
    for every, timeout, count in itertools.product(["1m", "5m", "1h"], ["10s", "20s", "30s", "2m", "5m"], [2, 3]):
        steps = [{"name": f"s{i}", "url": "https://x.example.com/"} for i in range(count)]
        data = _service({"severity": "critical", "every": every, "timeout": timeout, "steps": steps})
        if _model_accepts(ServiceSpec, data):
            assert SERVICE.is_valid(data), (every, timeout, count)


@pytest.mark.parametrize("view", ["line", "stacked", "bar", "number", "pie", None])
@pytest.mark.parametrize("lines", [{}, {"metrics": []}, {"metrics": [{"metric": "M"}]},
                                   {"expressions": [{"expression": "SEARCH('x', 'Sum', 300)"}]}])
@pytest.mark.parametrize("annotations", [None, {}, {"horizontal": []}, {"horizontal": [{"value": 1}]}])
def test_a_graphs_lines_and_annotations_in_the_schema_as_in_the_model(view: str | None, lines: dict[str, Any],
                                                                      annotations: dict[str, Any] | None) -> None:
    widget: dict[str, Any] = {"type": "metric", **lines}
    if view:
        widget["view"] = view
    if annotations is not None:
        widget["annotations"] = annotations
    data = {"version": 1, "dashboard": "d", "rows": [[widget]]}
    assert _model_accepts(DashboardSpec, data) == DASHBOARD.is_valid(data)

"""`python -m vigil import`: which dashboard bodies the dashboard spec can express, and why not the others."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.live.import_dashboards import NotExpressible, dashboard_spec
from vigil.live.import_result import ImportedAlarm

REGION = "us-east-1"
ALARMS = {"web-5xx": ImportedAlarm({}, "web", "5xx", "critical", {})}


def _metric(**properties: Any) -> dict[str, Any]:
    return {"type": "metric", "x": 0, "y": 0, "width": 24, "height": 6,
            "properties": {"region": REGION, "metrics": [["Web", "Errors"]], **properties}}


def test_a_vigil_shaped_body_becomes_a_spec() -> None:
    body = {"start": "-P1D", "widgets": [
        _metric(view="bar", stat="p99", period=60, title="Errors"),
        {"type": "alarm", "x": 0, "y": 6, "width": 8, "height": 3,
         "properties": {"alarms": [f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:web-5xx"]}},
        {"type": "log", "x": 8, "y": 6, "width": 16, "height": 6, "properties": {
            "query": "SOURCE 'a' | SOURCE 'b' | stats count(*) by bin(5m)", "region": REGION, "view": "timeSeries",
            "stacked": True}}]}
    assert dashboard_spec("web", body, REGION, ALARMS) == {"version": 1, "dashboard": "web", "range": "1d", "rows": [
        [{"type": "metric", "title": "Errors", "view": "bar", "stat": "p99", "period": "1m",
          "metrics": [{"metric": "Errors", "namespace": "Web"}], "width": 24, "height": 6}],
        [{"type": "alarms", "alarms": ["web/5xx"], "width": 8, "height": 3},
         {"type": "logs", "log_groups": ["a", "b"], "query": "stats count(*) by bin(5m)", "view": "stacked",
          "width": 16, "height": 6}]]}


@pytest.mark.parametrize(("body", "reason"), [
    ({"widgets": [_metric()], "periodOverride": "auto"}, "the dashboard has periodOverride"),
    ({"widgets": [_metric(metrics=[["Web", "Errors"], ["...", "Faults"]])]},
     'the metric line ["...", "Faults"] (vigil writes namespace, name, then dimension pairs)'),
    ({"widgets": [_metric(region="eu-west-1")]},
     "a widget shows region eu-west-1; vigil's widgets show the environment's region (us-east-1)"),
    ({"widgets": [_metric(annotations={"vertical": [{"value": "2026-01-01T00:00:00Z"}]})]},
     "the annotations have vertical"),
    ({"widgets": [_metric(sparkline=True)]}, "a metric widget has sparkline"),
    ({"widgets": [{"type": "alarm", "x": 0, "y": 0, "width": 6, "height": 3,
                   "properties": {"alarms": ["arn:aws:cloudwatch:us-east-1:1:alarm:other"]}}]},
     "it shows alarm other, which was not imported"),
    ({"widgets": [{"type": "explorer", "x": 0, "y": 0, "width": 6, "height": 3, "properties": {}}]},
     "a explorer widget (vigil has metric, alarms, text and logs widgets)"),
    ({"widgets": [_metric(), {**_metric(), "y": 9}]},
     "the row at y=9 does not start right below the row above (y=6); vigil lays out rows top to bottom without "
     "gaps"),
    ({"start": "2026-01-01T00:00:00Z", "widgets": [_metric()]},
     "the time range start '2026-01-01T00:00:00Z' (vigil writes a relative range such as -PT3H)"),
])
def test_what_the_spec_cannot_express_is_named(body: dict[str, Any], reason: str) -> None:
    with pytest.raises(NotExpressible) as error:
        dashboard_spec("web", body, REGION, ALARMS)
    assert str(error.value) == reason

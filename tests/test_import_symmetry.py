"""Import is the inverse of synthesis: every example service's alarms, in every environment, deployed into moto
and imported back, plan exactly as the originals did (names aside).

For each environment of the example organisation, each planned alarm's properties (vigil/plan/alarm_shape.py)
are put into moto with the tags vigil gives it; composites, and alarms moto does not keep in full, are injected
into DescribeAlarms as CloudWatch would return them. The severity topics exist with no subscriptions. The import
of that account is written, validated and planned, and each original alarm is compared with the alarm it became:
the same CloudFormation properties (actions through the severity topics), severity and description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import ROOT
from tests.import_corpus.measure import canonical
from vigil.live.aws import AwsSession
from vigil.live.import_result import ImportOptions
from vigil.live.importer import import_account, write_files
from vigil.plan import naming
from vigil.plan.alarm_shape import alarm_properties
from vigil.plan.model import AlarmPlan, EnvironmentPlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

_API_ONLY = ("Tags",)
"""Template properties that are not PutMetricAlarm parameters of the alarm itself (tags go with the alarm)."""


def _example_plan() -> list[EnvironmentPlan]:
    return list(plan_workspace(read_sources(ROOT)).environments)


class _InjectingCloudWatch:
    """moto's CloudWatch, whose DescribeAlarms also returns `injected` (what moto cannot hold)."""

    def __init__(self, client: Any, injected: list[dict[str, Any]], tags: dict[str, list[dict[str, str]]]) -> None:
        self._client = client
        self._injected = injected
        self._tags = tags

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_paginator(self, operation: str) -> Any:
        paginator = self._client.get_paginator(operation)
        if operation != "describe_alarms":
            return paginator
        injected = self._injected

        class _Pages:
            def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                pages = list(paginator.paginate(**kwargs))
                kept = {a["AlarmName"] for p in pages for a in p.get("MetricAlarms", [])}
                metric = [a for a in injected if "AlarmRule" not in a and a["AlarmName"] not in kept]
                composite = [a for a in injected if "AlarmRule" in a]
                return [*pages, {"MetricAlarms": metric, "CompositeAlarms": composite}]

        return _Pages()

    def list_tags_for_resource(self, ResourceARN: str) -> dict[str, Any]:
        name = ResourceARN.split(":alarm:", 1)[1]
        return {"Tags": self._tags.get(name, [])}


class _Session(AwsSession):
    def __init__(self, region: str, injected: list[dict[str, Any]], tags: dict[str, list[dict[str, str]]]) -> None:
        super().__init__(region)
        self.injected = injected
        self._tags = tags

    def client(self, service: str) -> Any:
        client = super().client(service)
        return _InjectingCloudWatch(client, self.injected, self._tags) if service == "cloudwatch" else client


def _deploy(environment: EnvironmentPlan) -> tuple[_Session, dict[str, dict[str, Any]]]:
    """Put the environment's service alarms into moto; return a session that reads them and each alarm's
    properties as deployed (by alarm name)."""
    region, account = environment.region, environment.account
    sns = boto3.client("sns", region_name=region)
    topics = {naming.topic_name(environment.name, s): f"arn:aws:sns:{region}:{account}:"
              f"{naming.topic_name(environment.name, s)}" for s in ("critical", "warning", "info")}
    for topic in topics:
        sns.create_topic(Name=topic)
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    deployed: dict[str, dict[str, Any]] = {}
    injected: list[dict[str, Any]] = []
    tags: dict[str, list[dict[str, str]]] = {}
    for service in environment.services:
        service_tags = [{"Key": k, "Value": v} for k, v in service.tags]
        for alarm in service.alarms:
            props = alarm_properties(alarm, topics, service_tags)
            deployed[alarm.name] = props
            tags[alarm.name] = service_tags
            api = {k: v for k, v in props.items() if k not in _API_ONLY}
            described = {**api, "AlarmArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm.name}"}
            if alarm.kind == "composite" or not _moto_keeps(cloudwatch, api):
                injected.append(described)
    return _Session(region, injected, tags), deployed


def _moto_keeps(cloudwatch: Any, api: dict[str, Any]) -> bool:
    """Put the alarm into moto; True when DescribeAlarms returns every property as given."""
    try:
        cloudwatch.put_metric_alarm(**api)
    except Exception:
        return False
    (stored,) = cloudwatch.describe_alarms(AlarmNames=[api["AlarmName"]])["MetricAlarms"]
    if all(stored.get(k) == v for k, v in api.items()):
        return True
    cloudwatch.delete_alarms(AlarmNames=[api["AlarmName"]])
    return False


def _imported_alarms(environment: EnvironmentPlan, tmp_path: Path) -> tuple[dict[str, str], dict[str, AlarmPlan]]:
    session, deployed = _deploy(environment)
    assert all("AlarmRule" in a for a in session.injected)  # moto keeps every metric alarm as given
    assert len(session.injected) < len(deployed)
    result = import_account(session, ImportOptions(env=environment.name, account=environment.account))
    write_files(result, tmp_path)
    (imported,) = plan_workspace(read_sources(tmp_path)).environments
    return result.names, {a.name: a for s in imported.services for a in s.alarms}


@pytest.mark.parametrize("environment", _example_plan(), ids=lambda e: e.name)
def test_every_example_alarm_imports_back_to_the_same_plan(environment: EnvironmentPlan, aws: None,
                                                           tmp_path: Path) -> None:
    names, imported = _imported_alarms(environment, tmp_path)
    originals = [a for s in environment.services for a in s.alarms]
    assert len(originals) > 20
    topics = {t: t for t in (naming.topic_name(environment.name, s) for s in ("critical", "warning", "info"))}
    for original in originals:
        alarm = imported[names[original.name]]
        assert alarm.name == original.name  # vigil's own names and tags give back the same service and key
        assert (alarm.severity, alarm.kind, alarm.description) == (original.severity, original.kind,
                                                                   original.description), original.name
        want = canonical(alarm_properties(original, topics, []), lambda t: t, {})
        got = canonical(alarm_properties(alarm, topics, []), lambda t: t, {})
        assert got == want, original.name
    assert len(imported) == len(originals)

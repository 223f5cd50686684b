"""Import is the inverse of synthesis: every example service's alarms, in every environment, deployed into moto
and imported back, plan exactly as the originals did (names aside).

For each environment of the example organisation, each planned alarm's properties (vigil/plan/alarm_shape.py)
are put into moto with the tags vigil gives it (moto keeps every one as given, which the test checks); composite
alarms, which moto cannot create, are injected into DescribeAlarms as CloudWatch returns them. The severity
topics exist with no subscriptions. The import of that account is written, validated and planned, and each
original alarm is compared with the alarm it became: the same CloudFormation properties (actions through the
severity topics), severity and description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import ROOT
from tests.import_corpus.measure import canonical
from tests.live_account import CompositeInjectingSession
from vigil import naming
from vigil.live.import_result import ImportOptions
from vigil.live.importer import import_account, write_files
from vigil.plan.alarm_shape import alarm_properties
from vigil.plan.model import AlarmPlan, EnvironmentPlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources


def _example_plan() -> list[EnvironmentPlan]:
    """Every example environment (each target) whose alarms live in the account whose metrics they read: moto
    5.2.5 drops a MetricDataQuery's AccountId, which central routing's alarms (org) carry; their templates are
    checked in tests/test_organisation.py."""
    return [e for e in plan_workspace(read_sources(ROOT)).environments if not e.central]


def _deploy(environment: EnvironmentPlan) -> CompositeInjectingSession:
    """Put the environment's service alarms into moto with their tags (composites, which moto cannot create,
    are injected); return a session that reads them."""
    region, account = environment.region, environment.account
    sns = boto3.client("sns", region_name=region)
    topics = {naming.topic_name(environment.name, s): f"arn:aws:sns:{region}:{account}:"
              f"{naming.topic_name(environment.name, s)}" for s in ("critical", "warning", "info")}
    for topic in topics:
        sns.create_topic(Name=topic)
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    composites: list[dict[str, Any]] = []
    tags: dict[str, list[dict[str, str]]] = {}
    for service in environment.services:
        service_tags = [{"Key": k, "Value": v} for k, v in service.tags]
        for alarm in service.alarms:
            props = alarm_properties(alarm, topics, service_tags)
            if alarm.kind == "composite":
                arn = f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm.name}"
                composites.append({**{k: v for k, v in props.items() if k != "Tags"}, "AlarmArn": arn})
                tags[alarm.name] = service_tags
                continue
            cloudwatch.put_metric_alarm(**props)
            (stored,) = cloudwatch.describe_alarms(AlarmNames=[alarm.name])["MetricAlarms"]
            assert {k: stored.get(k) for k in props if k != "Tags"} == {k: v for k, v in props.items()
                                                                         if k != "Tags"}, alarm.name
    return CompositeInjectingSession(region, composites, tags)


def _imported_alarms(environment: EnvironmentPlan, tmp_path: Path) -> tuple[dict[str, str], dict[str, AlarmPlan]]:
    session = _deploy(environment)
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

"""Organisations: an environment with several targets (accounts and regions), a central monitoring account
(CloudWatch cross-account observability) and a StackSet for what every account of some OUs needs.

Environments with one account and region keep their templates byte for byte (the golden tests); these tests
cover targets: spec errors, names per target, central routing's cross-account alarms, the sink, link and
StackSet templates (cfn-lint and assertions: LocalStack runs neither OAM nor StackSets), and the deployments
CI gets from `vigil targets`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SpecRepo
from tests.organisation_specs import (
    ORG,
    SERVICE,
    STACKSET_CHANNELS,
    cfn_lint,
    org_environment,
    plan_org,
    validate_problems,
)
from tests.synth import resources, synth_plan
from vigil import cli, naming
from vigil.constructs.organisation import SINK_PARAMETER, member_template
from vigil.plan.deployments import deployments, deployments_data, planned_stacks
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

# Spec errors: one line each, file:line: field: message -------------------------------------------------------

@pytest.mark.parametrize(("org", "expected"), [
    (org_environment(monitoring="", stackset="", routing="", version='version: 1\naccount: "310000000001"'),
     'environments/org.yaml:2: account: expected either account or targets, not both: each target names its '
     'account and region'),
    (org_environment(targets='targets:\n  us: {account: "310000000001", region: us-east-1}\n'
                  '  us2: {account: "310000000001", region: us-east-1}\n'),
     'environments/org.yaml:5: targets.us2: account 310000000001 in us-east-1 is already target "us"; a target '
     'is one account in one region'),
    (org_environment(monitoring="", stackset=""),
     "environments/org.yaml:7: routing: central routing needs a monitoring account (monitoring: {account, "
     "region})"),
    (org_environment(monitoring="", routing=""),
     "environments/org.yaml:7: stackset: needs a monitoring account: the StackSet links every account to its "
     "sink"),
    (org_environment(routing="routing: per-account"),
     "environments/org.yaml:20: channels.slack-alerts.webhook: a StackSet carries the routing with per-account "
     "routing, and its template cannot carry the forwarder function's code; use a Chatbot channel "
     "(workspace_id, channel_id) or routing: central"),
    (org_environment(name="name: org\nlocal: true"),
     "environments/org.yaml:5: targets.us.account: a local environment must use LocalStack's accounts "
     "(000000000000 to 000000000099), got 310000000001"),
], ids=[
    "account and targets both given",
    "two targets in one account and region",
    "central routing without a monitoring account",
    "a StackSet without a monitoring account",
    "a webhook channel in a per-account StackSet",
    "a local environment naming a real account",
])
def test_bad_organisation_specs_get_one_clear_error(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                                    org: str, expected: str) -> None:
    root = spec_repo({"environments/org.yaml": org, "alarm_specs/coaching.yaml": SERVICE})
    assert expected in validate_problems(root, capsys)


def test_a_service_may_name_only_targets_that_exist(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    service = SERVICE.replace("owner: coaching-team\n", "owner: coaching-team\ntargets: [us, mars]\n")
    root = spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": service})
    assert validate_problems(root, capsys) == ['alarm_specs/coaching.yaml:4: targets[1]: unknown target "mars"; '
                                       "targets: eu, shop, us"]


def test_anomaly_alarms_cannot_watch_another_accounts_metric(spec_repo: SpecRepo,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    service = SERVICE.replace("  p0:", "  traffic: {severity: info, metric: RequestCount, stat: Sum, anomaly: "
                                       "{band: 2}}\n  p0:")
    root = spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": service})
    assert validate_problems(root, capsys) == [
        "alarm_specs/coaching.yaml:16: alarms.traffic.anomaly: anomaly detection cannot watch another account's "
        "metric; with routing: central use a threshold, or disable the alarm there"]


# Plans per target --------------------------------------------------------------------------------------------

def test_each_target_gets_its_own_plan_names_and_template_context(spec_repo: SpecRepo) -> None:
    plan = plan_org(spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": SERVICE}))
    by_target = {e.target: e for e in plan.environments}
    assert sorted(by_target) == ["eu", "shop", "us"]
    eu = by_target["eu"]
    assert (eu.scope, eu.account, eu.region, eu.alarm_account) == ("org-eu", "310000000001", "eu-west-1",
                                                                   "310000000009")
    [service] = eu.services
    assert [s.stack_name for s in service.shards] == ["vigil-org-eu-coaching"]
    alarm = next(a for a in service.alarms if a.key == "api-down")
    assert alarm.name == "org-eu-coaching-api-down"
    assert alarm.metric is not None and dict(alarm.metric.dimensions)["Region"] == "eu-west-1"  # {{ region }}
    p0 = next(a for a in service.alarms if a.key == "p0")
    assert p0.rule == 'ALARM("org-eu-coaching-high-error-rate") OR ALARM("org-eu-coaching-api-down")'
    # Topics are per account and region, so they keep the environment's name.
    assert alarm.alarm_actions == ("vigil-org-critical",)


def test_nothing_named_collides_where_aws_names_are_shared(spec_repo: SpecRepo) -> None:
    """Alarms are unique per account and region (all of a region's live in the monitoring account with
    central routing); dashboards and Chatbot configurations per account (they are global); stacks per app."""
    plan = plan_org(spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": SERVICE}))
    alarms = Counter((e.alarm_account, e.region, a.name) for e in plan.environments for s in e.services
                     for a in s.alarms)
    dashboards = Counter((e.alarm_account, d.name) for e in plan.environments for s in e.services
                         for d in s.dashboards)
    chatbot = Counter((m.routing_plan.account, naming.channel_resource_name(m.routing_plan.scope, "slack-incidents"))
                      for m in plan.monitoring if m.routing_plan is not None)
    stacks = Counter(s.name for s in planned_stacks(plan))
    for names in (alarms, dashboards, chatbot, stacks):
        assert names and max(names.values()) == 1, names.most_common(2)


def test_central_routing_puts_alarms_in_the_monitoring_account_on_the_targets_metrics(spec_repo: SpecRepo) -> None:
    plan = plan_org(spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": SERVICE}))
    shop = next(e for e in plan.environments if e.target == "shop")
    assert shop.central and not shop.routing
    queries = [m for a in shop.services[0].alarms for m in ((a.metric,) if a.metric else a.metrics)]
    assert queries and {m.account for m in queries} == {"310000000002"}
    assert [(m.region, m.routing_plan.account if m.routing_plan else None) for m in plan.monitoring] == [
        ("eu-west-1", "310000000009"), ("us-east-1", "310000000009")]


def test_a_service_runs_only_in_the_targets_it_names(spec_repo: SpecRepo) -> None:
    service = SERVICE.replace("owner: coaching-team\n", "owner: coaching-team\ntargets: [eu]\n")
    root = spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": service})
    plan = plan_org(root)
    assert {e.target: [s.name for s in e.services] for e in plan.environments} == {
        "eu": ["coaching"], "shop": [], "us": []}
    # An environment with one account and region ignores `targets`: it is that service's only place.
    assert [s.name for s in plan_org(root, ["prod"]).environments[0].services] == ["coaching"]


def test_per_account_routing_has_a_routing_stack_per_target_unless_a_stackset_carries_it(
        spec_repo: SpecRepo) -> None:
    per_account = org_environment(routing="routing: per-account", stackset="")
    plan = plan_org(spec_repo({"environments/org.yaml": per_account, "alarm_specs/coaching.yaml": SERVICE}))
    assert [(e.scope, e.routing, e.alarm_account == e.account) for e in plan.environments] == [
        ("org-eu", True, True), ("org-shop", True, True), ("org-us", True, True)]
    assert {s.name for s in planned_stacks(plan) if s.name.endswith("-routing")} == {
        "vigil-org-eu-routing", "vigil-org-shop-routing", "vigil-org-us-routing"}
    with_stackset = org_environment(routing="routing: per-account", channels=STACKSET_CHANNELS)
    plan = plan_org(spec_repo({"environments/org.yaml": with_stackset, "alarm_specs/coaching.yaml": SERVICE}))
    assert not any(e.routing for e in plan.environments)
    assert all(m.stackset is not None and m.stackset.routing_plan is not None for m in plan.monitoring)


def test_a_stackset_takes_channel_secrets_as_noecho_parameters_never_inside_its_template(
        spec_repo: SpecRepo, tmp_path: Path) -> None:
    with_stackset = org_environment(routing="routing: per-account", channels=STACKSET_CHANNELS)
    plan = plan_org(spec_repo({"environments/org.yaml": with_stackset, "alarm_specs/coaching.yaml": SERVICE}))
    templates = synth_plan(plan, tmp_path / "out")
    monitoring = templates["vigil-org-monitoring-us-east-1"]
    [stackset] = resources(monitoring, "AWS::CloudFormation::StackSet").values()
    body = stackset["Properties"]["TemplateBody"]
    # the monitoring stack resolves a dynamic reference anywhere in its properties: in the body, the secret's
    # value would become part of the StackSet's template
    assert "{{resolve:" not in body
    member = json.loads(body)
    assert member["Parameters"]["PagerdutyPrimarySecret"] == {
        "Type": "String", "NoEcho": True, "Description": "The secret of channel pagerduty-primary"}
    endpoints = [r["Properties"]["Endpoint"] for r in resources(member, "AWS::SNS::Subscription").values()
                 if r["Properties"]["Protocol"] == "https"]
    assert endpoints and all({"Ref": "PagerdutyPrimarySecret"} in e["Fn::Join"][1] for e in endpoints)
    assert {"ParameterKey": "PagerdutyPrimarySecret",
            "ParameterValue": "{{resolve:secretsmanager:monitoring/pd:SecretString:::}}"} in \
        stackset["Properties"]["Parameters"]
    cfn_lint(tmp_path, monitoring)
    cfn_lint(tmp_path, member)


# Templates: sink, StackSet, member template, cross-account alarms ---------------------------------------------

@pytest.fixture(scope="module")
def org_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The example organisation (environments/org.yaml), synthesized once."""
    return synth_plan(plan_workspace(read_sources(ROOT), only=["org"]), tmp_path_factory.mktemp("org-out"))


def test_the_sink_lets_the_organisation_link_and_share_only_what_vigil_needs(
        org_templates: dict[str, dict[str, Any]]) -> None:
    for region in ("us-east-1", "eu-west-1"):
        [sink] = resources(org_templates[f"vigil-org-monitoring-{region}"], "AWS::Oam::Sink").values()
        assert sink["Properties"]["Name"] == "vigil-org"
        [statement] = sink["Properties"]["Policy"]["Statement"]
        assert statement["Action"] == ["oam:CreateLink", "oam:UpdateLink"]
        assert statement["Principal"] == "*"
        assert statement["Condition"] == {
            "ForAllValues:StringEquals": {"oam:ResourceTypes": ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup",
                                                                "AWS::XRay::Trace"]},
            "ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}


def test_the_stackset_rolls_out_to_the_ous_with_the_environments_settings(
        org_templates: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    template = org_templates["vigil-org-monitoring-eu-west-1"]
    [(sink_id, _)] = resources(template, "AWS::Oam::Sink").items()
    [stackset] = resources(template, "AWS::CloudFormation::StackSet").values()
    properties = stackset["Properties"]
    assert properties["PermissionModel"] == "SERVICE_MANAGED"
    assert properties["CallAs"] == "DELEGATED_ADMIN"
    assert properties["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    # SOFT: 25% of the accounts deploy at once, as the file says (STRICT would run failure tolerance + 1 only).
    assert properties["OperationPreferences"] == {"ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
                                                  "FailureTolerancePercentage": 10, "MaxConcurrentPercentage": 25,
                                                  "RegionConcurrencyType": "PARALLEL"}
    assert properties["StackInstancesGroup"] == [{"DeploymentTargets": {
        "OrganizationalUnitIds": ["ou-a1b2-11111111", "ou-a1b2-22222222"]}, "Regions": ["eu-west-1"]}]
    assert properties["Parameters"] == [{"ParameterKey": SINK_PARAMETER,
                                         "ParameterValue": {"Fn::GetAtt": [sink_id, "Arn"]}}]
    member = json.loads(properties["TemplateBody"])
    [link] = resources(member, "AWS::Oam::Link").values()
    assert link["Properties"] == {"LabelTemplate": "$AccountName", "SinkIdentifier": {"Ref": SINK_PARAMETER},
                                  "ResourceTypes": ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup",
                                                    "AWS::XRay::Trace"]}
    # Central routing: the member stacks carry the link and the example's log retention; the routing is in the
    # monitoring account.
    assert {r["Type"] for r in member["Resources"].values()} == {
        "AWS::Oam::Link", "AWS::Logs::LogGroup", "AWS::IAM::Role", "AWS::Lambda::Function", "AWS::Events::Rule",
        "AWS::Lambda::Permission", "Custom::VigilLogRetention"}
    assert properties["Capabilities"] == ["CAPABILITY_IAM"]
    cfn_lint(tmp_path, member)


def test_per_account_routing_goes_out_with_the_stackset_for_any_account_and_region(
        spec_repo: SpecRepo, tmp_path: Path) -> None:
    org = org_environment(routing="routing: per-account",
               channels="channels:\n  pagerduty-primary: {type: pagerduty, integration_key: {secret: pd/key}}\n"
                        "  slack-incidents: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}\n"
                        "  slack-alerts: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCE}\n"
                        "  team-email: {type: email, address: oncall@example.com}\n")
    plan = plan_org(spec_repo({"environments/org.yaml": org, "alarm_specs/coaching.yaml": SERVICE}))
    stackset = plan.monitoring[0].stackset
    assert stackset is not None
    member = member_template(stackset)
    kinds = Counter(r["Type"] for r in member["Resources"].values())
    assert kinds["AWS::Oam::Link"] == 1 and kinds["AWS::SNS::Topic"] == 3 and kinds["AWS::CloudWatch::Alarm"] == 3
    names = [r["Properties"]["ConfigurationName"] for r in resources(
        member, "AWS::Chatbot::SlackChannelConfiguration").values()]
    # Chatbot configurations are global to an account: a name per region, from the region it is deployed in.
    assert names and all(json.dumps(n).count('"AWS::Region"') == 1 for n in names)
    topics = [r["Properties"]["TopicName"] for r in resources(member, "AWS::SNS::Topic").values()]
    assert sorted(topics) == ["vigil-org-critical", "vigil-org-info", "vigil-org-warning"]
    assert '"310000000' not in json.dumps(member)  # no account of the organisation is written into it
    cfn_lint(tmp_path, member)
    # ... and no target has a routing stack of its own.
    assert not [s for s in planned_stacks(plan) if s.name.endswith("-routing")]


def test_central_alarms_read_the_targets_metrics_and_notify_the_monitoring_accounts_topics(
        org_templates: dict[str, dict[str, Any]]) -> None:
    template = org_templates["vigil-org-search-us-coaching"]
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert alarms
    for alarm in alarms.values():
        properties = alarm["Properties"]
        assert "MetricName" not in properties  # single metrics take the Metrics form: only it has AccountId
        stats = [q for q in properties["Metrics"] if "MetricStat" in q]
        assert stats and {q["AccountId"] for q in stats} == {"310000000002"}
        [action] = properties["AlarmActions"]
        assert action["Fn::Join"][1][-1].startswith(":sns:us-east-1:310000000009:vigil-org-")
    bodies = [json.loads(d["Properties"]["DashboardBody"]) for d in resources(
        template, "AWS::CloudWatch::Dashboard").values()]
    metric_widgets = [w for body in bodies for w in body["widgets"] if w["type"] == "metric"]
    assert metric_widgets and {w["properties"]["accountId"] for w in metric_widgets} == {"310000000002"}
    # What must stay in the target's account is in its source stack: no alarm there.
    source = org_templates["vigil-org-search-us-coaching-source"]
    assert not resources(source, "AWS::CloudWatch::Alarm")
    assert resources(source, "AWS::XRay::Group") and resources(source, "AWS::Synthetics::Canary")


def test_the_organisation_dashboard_shows_each_targets_alarms_in_its_region(
        org_templates: dict[str, dict[str, Any]]) -> None:
    [dashboard] = resources(org_templates["vigil-org-monitoring-us-east-1"], "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "org-organisation"
    widgets = json.loads(dashboard["Properties"]["DashboardBody"])["widgets"]
    regions = {w["properties"]["region"] for w in widgets if w["type"] == "alarm"}
    assert regions == {"us-east-1", "eu-west-1"}
    arns = [a for w in widgets if w["type"] == "alarm" for a in w["properties"]["alarms"]]
    assert "arn:aws:cloudwatch:eu-west-1:310000000009:alarm:org-content-eu-coaching-api-down" in arns
    assert not resources(org_templates["vigil-org-monitoring-eu-west-1"], "AWS::CloudWatch::Dashboard")


def test_stacks_deploy_where_the_plan_says(spec_repo: SpecRepo, tmp_path: Path) -> None:
    from vigil.stacks.app import build_app, new_app

    plan = plan_org(spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": SERVICE}))
    app = new_app(str(tmp_path))
    built = {s.stack_name: (s.account, s.region) for s in build_app(app, plan)}
    assert built == {s.name: (s.account, s.region) for s in planned_stacks(plan)}
    assert built["vigil-org-shop-coaching"] == ("310000000009", "us-east-1")
    assert built["vigil-org-shop-coaching-source"] == ("310000000002", "us-east-1")


# Deployments for CI ------------------------------------------------------------------------------------------

def test_deployments_group_stacks_by_account_and_region_and_name_their_role(spec_repo: SpecRepo) -> None:
    root = spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": SERVICE})
    plan = plan_workspace(read_sources(root), only=["org", "prod"])
    data = {(d["environment"], d["account"], d["region"]): d for d in deployments_data(deployments(plan))}
    assert sorted(data) == [
        ("org", "310000000001", "eu-west-1"), ("org", "310000000001", "us-east-1"),
        ("org", "310000000002", "us-east-1"), ("org", "310000000009", "eu-west-1"),
        ("org", "310000000009", "us-east-1"), ("prod", "123456789012", "us-east-1")]
    assert data[("prod", "123456789012", "us-east-1")]["role_variable"] == "VIGIL_ROLE_PROD"
    assert data[("prod", "123456789012", "us-east-1")]["stacks"] == "vigil-prod-routing vigil-prod-coaching"
    monitoring = data[("org", "310000000009", "us-east-1")]
    assert monitoring["role_variable"] == "VIGIL_ROLE_ORG_310000000009"
    assert monitoring["targets"] == ["shop", "us"]
    assert monitoring["stacks"].split() == ["vigil-org-shop-coaching", "vigil-org-us-coaching",
                                            "vigil-org-monitoring-us-east-1", "vigil-org-us-east-1-routing"]


def test_a_change_to_one_service_deploys_only_its_stacks(spec_repo: SpecRepo) -> None:
    other = SERVICE.replace("service: coaching", "service: orders").replace("lambda/coaching", "lambda/orders")
    root = spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": SERVICE,
                      "alarm_specs/orders.yaml": other})
    base = plan_org(root)
    changed = other.replace('threshold: "> 2000"', 'threshold: "> 3000"')
    (root / "alarm_specs" / "orders.yaml").write_text(changed, encoding="utf-8")
    head = plan_org(root)
    result = {(d.account, d.region): d.changed for d in deployments(head, base)}
    assert result == {
        ("310000000001", "eu-west-1"): (), ("310000000001", "us-east-1"): (), ("310000000002", "us-east-1"): (),
        ("310000000009", "eu-west-1"): ("vigil-org-eu-orders",),
        ("310000000009", "us-east-1"): ("vigil-org-shop-orders", "vigil-org-us-orders")}
    everything = deployments(head, base, everything_changed=True)
    assert all(d.changed == d.stacks for d in everything)


def test_vigil_targets_prints_the_ci_matrix(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": SERVICE})
    assert cli.main(["--root", str(root), "targets", "--env", "org", "--format", "json"]) == 0
    matrix = json.loads(capsys.readouterr().out)
    assert len(matrix) == 5 and all(set(m) >= {"id", "environment", "account", "region", "role_variable", "stacks"}
                                    for m in matrix)


# One deployment at a time, as a CI job ---------------------------------------------------------------------------

def test_a_deployment_plans_only_its_targets_and_builds_only_its_stacks(spec_repo: SpecRepo, tmp_path: Path) -> None:
    from vigil.stacks.app import build_app, new_app

    per_account = org_environment(routing="routing: per-account", stackset="")
    root = spec_repo({"environments/org.yaml": per_account, "alarm_specs/coaching.yaml": SERVICE})
    plan = plan_workspace(read_sources(root), only=["org"], deployments=[("310000000001", "eu-west-1")])
    assert [e.target for e in plan.environments] == ["eu"] and plan.monitoring == ()
    built = build_app(new_app(str(tmp_path / "one")), plan, deployments=[("310000000001", "eu-west-1")])
    assert sorted(s.stack_name for s in built) == ["vigil-org-eu-coaching", "vigil-org-eu-routing"]
    # The monitoring account's deployment builds no target's stacks, yet its organisation dashboard shows every
    # target, as the whole organisation's plan has it.
    monitoring = plan_workspace(read_sources(root), only=["org"], deployments=[("310000000009", "us-east-1")])
    assert monitoring.environments == ()
    everything = plan_workspace(read_sources(root), only=["org"])
    assert monitoring.monitoring == everything.monitoring
    dashboard = next(m for m in monitoring.monitoring if m.region == "us-east-1").dashboards[0]
    assert all(f"## {target}:" in dashboard.body for target in ("eu", "shop", "us"))
    built = build_app(new_app(str(tmp_path / "two")), monitoring, deployments=[("310000000009", "us-east-1")])
    assert [s.stack_name for s in built] == ["vigil-org-monitoring-us-east-1"]


def test_central_deployments_select_targets_by_the_monitoring_accounts_region(spec_repo: SpecRepo) -> None:
    from vigil.plan.targets import monitoring_selected, selected_targets
    from vigil.spec.environment import EnvironmentSpec

    spec = EnvironmentSpec.model_validate(__import__("yaml").safe_load(
        org_environment(monitoring='monitoring: {account: "310000000009", region: eu-west-1}')))
    assert [t.name for t in selected_targets(spec, [("310000000002", "us-east-1")])] == ["shop"]
    # eu's CloudFront alarms, if it has any, live in the monitoring account in us-east-1: whether it has some is
    # known once it is planned (resolve.py plans it in full then: targets.pinned_here)
    assert [t.name for t in selected_targets(spec, [("310000000009", "us-east-1")])] == ["shop", "us"]
    assert [t.name for t in selected_targets(spec, [("310000000009", "eu-west-1")])] == ["eu"]
    assert monitoring_selected(spec, [("310000000009", "eu-west-1")])
    assert not monitoring_selected(spec, [("310000000001", "us-east-1")])
    # with central routing a target's own account holds only its source stacks, in its region
    assert [t.name for t in selected_targets(spec, [("310000000001", "us-east-1")])] == ["us"]
    assert [t.name for t in selected_targets(spec, [("310000000001", "eu-west-1")])] == ["eu"]


@pytest.mark.parametrize(("text", "expected"), [
    ("version: 1\nservice: orders\ntargets: [us, eu]  # where it runs\n", ("orders", ("us", "eu"))),
    ("version: 1\nservice: orders\n", None),
    ("version: 1\nservice: orders\ntargets:\n  - us\n", None),
    ("version: 1\nservice: orders\n{% if env == 'org' %}targets: [us]{% endif %}\n", None),
    ("version: 1\nservice: orders\ntargets: [{{ vars.where }}]\n", None),
], ids=["one-line list", "no targets", "block list", "Jinja block", "Jinja expression"])
def test_service_targets_are_read_from_the_text_only_when_that_is_certain(text: str, expected: object) -> None:
    from vigil.plan.targets import declared_targets

    assert declared_targets(text) == expected


def test_drills_need_a_target_or_a_region_where_routing_is_in_several_places(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": SERVICE})
    code = cli.main(["--root", str(root), "drill", "--env", "org", "--severity", "critical", "--yes"])
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "vigil: org routes in 2 places; choose one: --region eu-west-1, --region us-east-1")


def test_preset_dimensions_name_each_targets_account_and_region(spec_repo: SpecRepo) -> None:
    service = SERVICE + "resources:\n  flow: {type: stepfunctions, state_machine: orders}\n"
    plan = plan_org(spec_repo({"environments/org.yaml": ORG, "alarm_specs/coaching.yaml": service}))
    arns = {}
    for environment in plan.environments:
        [planned] = environment.services
        alarm = next(a for a in planned.alarms if a.key == "flow-failed")
        assert alarm.metric is not None
        arns[environment.target] = dict(alarm.metric.dimensions)["StateMachineArn"]
    assert arns == {
        "us": "arn:aws:states:us-east-1:310000000001:stateMachine:orders",
        "eu": "arn:aws:states:eu-west-1:310000000001:stateMachine:orders",
        "shop": "arn:aws:states:us-east-1:310000000002:stateMachine:orders",
    }

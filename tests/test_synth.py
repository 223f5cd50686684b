"""Synthesized templates: routing reaches the right subscriptions, alarms carry their spec, output is stable,
cfn-lint and cdk-nag are clean."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SERVICE_YAML, SpecRepo
from tests.synth import alarm_by_name, resources, synth_repo

Templates = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def design_templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    """The DESIGN.md example (prod only), synthesized with cdk-nag's AwsSolutions pack enforcing."""
    from tests.conftest import ACCOUNTS, ENVIRONMENT_YAML, _write

    root = tmp_path_factory.mktemp("design")
    for name, account in ACCOUNTS.items():
        _write(root / "environments" / f"{name}.yaml", ENVIRONMENT_YAML.format(name=name, account=account))
    _write(root / "alarm_specs" / "coaching.yaml", SERVICE_YAML)
    return synth_repo(root, tmp_path_factory.mktemp("design-out"), nag=True)


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's example specs, every environment, synthesized once with cdk-nag enforcing."""
    out = tmp_path_factory.mktemp("examples-out")
    synth_repo(ROOT, out, nag=True)
    return out


def _topic_logical_id(template: dict[str, Any], topic_name: str) -> str:
    for logical_id, resource in resources(template, "AWS::SNS::Topic").items():
        if resource["Properties"]["TopicName"] == topic_name:
            return logical_id
    raise KeyError(topic_name)


def _subscriptions(template: dict[str, Any], topic_name: str) -> list[dict[str, Any]]:
    topic = _topic_logical_id(template, topic_name)
    return [r["Properties"] for r in resources(template, "AWS::SNS::Subscription").values()
            if r["Properties"]["TopicArn"] == {"Ref": topic}]


def _arn_suffix(value: Any) -> str:
    """`arn:${Partition}:sns:...:vigil-prod-critical` rendered as Fn::Join -> its literal tail."""
    return value["Fn::Join"][1][-1] if isinstance(value, dict) else value


def test_critical_alarm_sends_alarm_and_ok_to_the_critical_topic(design_templates: Templates) -> None:
    alarm = alarm_by_name(design_templates["vigil-prod-coaching"], "prod-coaching-api-down")
    assert [_arn_suffix(a) for a in alarm["AlarmActions"]] == [":sns:us-east-1:123456789012:vigil-prod-critical"]
    assert [_arn_suffix(a) for a in alarm["OKActions"]] == [":sns:us-east-1:123456789012:vigil-prod-critical"]


def test_info_alarm_sends_no_ok(design_templates: Templates) -> None:
    alarm = alarm_by_name(design_templates["vigil-prod-coaching"], "prod-coaching-traffic-anomaly")
    assert [_arn_suffix(a) for a in alarm["AlarmActions"]] == [":sns:us-east-1:123456789012:vigil-prod-info"]
    assert "OKActions" not in alarm


def test_critical_topic_reaches_pagerduty_through_a_secret_reference(design_templates: Templates) -> None:
    routing = design_templates["vigil-prod-routing"]
    https = [s for s in _subscriptions(routing, "vigil-prod-critical") if s["Protocol"] == "https"]
    assert len(https) == 1
    assert https[0]["Endpoint"] == ("https://events.pagerduty.com/integration/"
                                    "{{resolve:secretsmanager:monitoring/pagerduty-primary:SecretString:::}}/enqueue")
    assert https[0]["DeliveryPolicy"]["healthyRetryPolicy"]["numRetries"] >= 10


def test_critical_topic_reaches_slack_through_chatbot_with_least_privilege(design_templates: Templates) -> None:
    routing = design_templates["vigil-prod-routing"]
    [config] = resources(routing, "AWS::Chatbot::SlackChannelConfiguration").values()
    props = config["Properties"]
    assert props["SlackWorkspaceId"] == "T0123ABCD" and props["SlackChannelId"] == "C0123ABCD"
    assert props["SnsTopicArns"] == [{"Ref": _topic_logical_id(routing, "vigil-prod-critical")}]
    guardrails = json.dumps(props["GuardrailPolicies"])
    assert "CloudWatchReadOnlyAccess" in guardrails and "AdministratorAccess" not in guardrails


def test_warning_topic_reaches_the_webhook_forwarder_and_nothing_else(design_templates: Templates) -> None:
    routing = design_templates["vigil-prod-routing"]
    subscriptions = _subscriptions(routing, "vigil-prod-warning")
    assert [s["Protocol"] for s in subscriptions] == ["lambda"]
    [function] = resources(routing, "AWS::Lambda::Function").values()
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables == {"WEBHOOK_SECRET_ID": "monitoring/slack-alerts", "VIGIL_ENV": "prod"}
    assert subscriptions[0]["Endpoint"] == {"Fn::GetAtt": [next(iter(resources(routing, "AWS::Lambda::Function"))),
                                                           "Arn"]}


def test_info_topic_reaches_email_only(design_templates: Templates) -> None:
    subscriptions = _subscriptions(design_templates["vigil-prod-routing"], "vigil-prod-info")
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "oncall@example.com")]


ALARMS_OF_THIS_ACCOUNT = {
    "StringEquals": {"aws:SourceAccount": "123456789012"},
    "ArnLike": {"aws:SourceArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                    ":cloudwatch:us-east-1:123456789012:alarm:*"]]}},
}


def test_topics_are_encrypted_and_only_cloudwatch_of_this_account_may_publish(design_templates: Templates) -> None:
    routing = design_templates["vigil-prod-routing"]
    topics = resources(routing, "AWS::SNS::Topic")
    for topic in topics.values():
        assert "KmsMasterKeyId" in topic["Properties"]
    policies = resources(routing, "AWS::SNS::TopicPolicy").values()
    assert sorted(p["Properties"]["Topics"][0]["Ref"] for p in policies) == sorted(topics)
    for policy in policies:
        topic = policy["Properties"]["Topics"][0]["Ref"]
        statements = {s["Sid"] if "Sid" in s else s["Effect"] + ":" + json.dumps(s["Condition"]): s
                      for s in policy["Properties"]["PolicyDocument"]["Statement"]}
        publishing = [s for s in statements.values() if "sns:Publish" in json.dumps(s["Action"])]
        # the only Allow: CloudWatch acting for alarms of this account and region
        [allow] = [s for s in publishing if s["Effect"] == "Allow"]
        assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert allow["Resource"] == {"Ref": topic}
        assert allow["Condition"] == ALARMS_OF_THIS_ACCOUNT
        # anyone who is not an AWS service (every IAM user and role of the account) is denied publishing
        deny = statements["DenyPublishingByAnyoneButCloudWatch"]
        assert (deny["Effect"], deny["Principal"], deny["Action"], deny["Resource"]) == (
            "Deny", {"AWS": "*"}, "sns:Publish", {"Ref": topic})
        assert deny["Condition"] == {"Bool": {"aws:PrincipalIsAWSService": "false"}}
        # and nothing is accepted without TLS
        assert any(s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in statements.values())


def test_cloudwatch_may_use_the_topic_key_only_for_alarms_of_this_account(design_templates: Templates) -> None:
    [key] = resources(design_templates["vigil-prod-routing"], "AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    service_statements = [s for s in statements if "Service" in s["Principal"]]
    assert [s["Sid"] for s in service_statements] == ["AllowCloudWatchAlarmsToUseTheKey"]
    [cloudwatch] = service_statements
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert sorted(cloudwatch["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert cloudwatch["Condition"] == ALARMS_OF_THIS_ACCOUNT
    # the rest is the account's own administration of the key (the CDK's default statement)
    others = [s for s in statements if s is not cloudwatch]
    assert [s["Principal"] for s in others] == [{"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                                          ":iam::123456789012:root"]]}}]


def test_allowed_webhook_hosts_are_passed_to_the_forwarder(spec_repo: SpecRepo, tmp_path: Path) -> None:
    from tests.conftest import ENVIRONMENT_YAML
    prod = ENVIRONMENT_YAML.format(name="prod", account="123456789012")
    allow = "allow: {webhook_hosts: [hooks.example.org, chat.example.com]}\n"
    root = spec_repo({"environments/prod.yaml": prod + allow})
    routing = synth_repo(root, tmp_path, only=["prod"])["vigil-prod-routing"]
    [function] = resources(routing, "AWS::Lambda::Function").values()
    assert function["Properties"]["Environment"]["Variables"]["WEBHOOK_ALLOWED_HOSTS"] == \
        "chat.example.com,hooks.example.org"


def test_no_secret_value_or_webhook_url_in_any_template(example_out: Path) -> None:
    pagerduty_endpoints = 0
    for path in example_out.glob("*.template.json"):
        text = path.read_text()
        assert "hooks.slack.com" not in text
        for chunk in text.split("events.pagerduty.com/integration/")[1:]:
            pagerduty_endpoints += 1
            assert chunk.startswith("{{resolve:secretsmanager:"), path.name
    assert pagerduty_endpoints > 0  # the examples do page through PagerDuty, so the check above has run


def test_metric_math_alarm_has_named_metrics_and_one_returned_expression(design_templates: Templates) -> None:
    alarm = alarm_by_name(design_templates["vigil-prod-coaching"], "prod-coaching-high-error-rate")
    returned = [m for m in alarm["Metrics"] if m["ReturnData"]]
    assert returned == [{"Id": "expr", "Expression": "100 * errors / requests", "Label": "high-error-rate",
                         "ReturnData": True}]
    assert {m["Id"] for m in alarm["Metrics"]} == {"errors", "requests", "expr"}
    assert alarm["Threshold"] == 5 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["EvaluationPeriods"] == 2 and alarm["DatapointsToAlarm"] == 2


def test_percentile_uses_extended_statistic_and_description_carries_spec(design_templates: Templates) -> None:
    alarm = alarm_by_name(design_templates["vigil-prod-coaching"], "prod-coaching-high-latency")
    assert alarm["ExtendedStatistic"] == "p95" and "Statistic" not in alarm
    assert alarm["Period"] == 900
    assert "Owner: coaching-team" in alarm["AlarmDescription"]
    assert "Runbook: https://runbooks.example.com/coaching" in alarm["AlarmDescription"]


def test_anomaly_alarm_uses_a_band_threshold_metric(design_templates: Templates) -> None:
    alarm = alarm_by_name(design_templates["vigil-prod-coaching"], "prod-coaching-traffic-anomaly")
    assert alarm["ThresholdMetricId"] == "band"
    assert {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "Label": "RequestCount (expected band)",
            "ReturnData": True} in alarm["Metrics"]
    assert alarm["ComparisonOperator"] == "LessThanLowerOrGreaterThanUpperThreshold"


def test_composite_alarm_names_children_and_depends_on_them(design_templates: Templates) -> None:
    template = design_templates["vigil-prod-coaching"]
    [composite] = resources(template, "AWS::CloudWatch::CompositeAlarm").values()
    assert composite["Properties"]["AlarmRule"] == ('ALARM("prod-coaching-high-error-rate") OR '
                                                    'ALARM("prod-coaching-api-down")')
    assert len(composite["DependsOn"]) == 2


def test_every_alarm_is_tagged_with_service_owner_and_environment(design_templates: Templates) -> None:
    for kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
        for resource in resources(design_templates["vigil-prod-coaching"], kind).values():
            tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
            assert tags["service"] == "coaching" and tags["owner"] == "coaching-team"
            assert tags["environment"] == "prod"


def test_examples_give_a_routing_stack_and_a_stack_per_service_per_environment(example_out: Path) -> None:
    stacks = sorted(p.name.removesuffix(".template.json") for p in example_out.glob("*.template.json"))
    services = sorted(p.stem for p in (ROOT / "alarm_specs").glob("*.yaml"))
    environments = sorted(p.stem for p in (ROOT / "environments").glob("*.yaml"))
    assert environments == ["dev", "local", "org", "prod", "staging"]
    expected = [f"vigil-{env}-{name}" for env in environments if env != "org" for name in ["routing", *services]]
    # org: central routing, so per target a stack per service in the monitoring account and one in the
    # target's account (log groups, X-Ray, canaries); W.W.H.D. runs in the us targets only; per region the
    # monitoring account's stack and its routing.
    for target in ("payments-us", "payments-eu", "search-us", "content-eu"):
        for service in services:
            if service != "wwhd" or target.endswith("-us"):
                expected += [f"vigil-org-{target}-{service}", f"vigil-org-{target}-{service}-source"]
    for region in ("us-east-1", "eu-west-1"):
        expected += [f"vigil-org-monitoring-{region}", f"vigil-org-{region}-routing"]
    assert stacks == sorted(expected)


def test_cfn_lint_reports_nothing_on_any_example_template(example_out: Path) -> None:
    templates = sorted(str(p) for p in example_out.glob("*.template.json"))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--", *templates], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_synthesizing_twice_gives_byte_identical_templates(example_out: Path, tmp_path: Path) -> None:
    synth_repo(ROOT, tmp_path)
    for first in sorted(example_out.glob("*.template.json")):
        assert (tmp_path / first.name).read_bytes() == first.read_bytes(), first.name


def test_reordering_alarms_leaves_templates_unchanged(spec_repo: SpecRepo, tmp_path: Path) -> None:
    original = synth_repo(spec_repo(), tmp_path / "a", only=["prod"])
    head, alarms = SERVICE_YAML.split("alarms:\n")
    blocks = [b for b in re.split(r"(?m)^(?=  \S)", alarms) if b.strip()]
    assert len(blocks) == 5
    reordered_blocks = "".join(reversed(blocks))
    reordered = synth_repo(spec_repo({"alarm_specs/coaching.yaml": f"{head}alarms:\n{reordered_blocks}"}),
                           tmp_path / "b", only=["prod"])
    assert reordered == original


def test_overrides_apply_per_environment(spec_repo: SpecRepo, tmp_path: Path) -> None:
    templates = synth_repo(spec_repo(), tmp_path)
    assert alarm_by_name(templates["vigil-staging-coaching"], "staging-coaching-high-latency")["Threshold"] == 4000
    assert alarm_by_name(templates["vigil-prod-coaching"], "prod-coaching-high-latency")["Threshold"] == 2000
    with pytest.raises(KeyError):
        alarm_by_name(templates["vigil-dev-coaching"], "dev-coaching-high-latency")


def test_any_text_and_number_reaches_the_template_unchanged(spec_repo: SpecRepo, tmp_path: Path) -> None:
    # Alarms reach the template through a JSON fragment that the CDK reads with a YAML parser: text that YAML
    # would read otherwise (flow indicators, anchors, tags, comments, escapes, characters beyond the BMP) and
    # numbers in exponent form must come out as written.
    summary = 'Löwe 🦁 says "hi": a\\b\tc #1 &x *y !z %d @w [1] {k: v} ~ null yes 0x1F 😀'
    quoted = json.dumps(summary, ensure_ascii=False)
    service = SERVICE_YAML.replace("summary: More than 5% of requests fail", f"summary: {quoted}")
    service = service.replace('threshold: "> 5"\n    evaluation_periods: 2', 'threshold: "> 0.00001"')
    service = service.replace('threshold: "< 1"', 'threshold: "< 1e21"')
    service = service.replace("dimensions: {Service: Coaching}", 'dimensions: {Service: "Coaching: *on* #1"}')
    templates = synth_repo(spec_repo(service=service), tmp_path, only=["prod"])
    template = templates["vigil-prod-coaching"]
    error_rate = alarm_by_name(template, "prod-coaching-high-error-rate")
    assert error_rate["AlarmDescription"].startswith(f"Summary: {summary}\n")
    assert error_rate["Threshold"] == 0.00001
    api_down = alarm_by_name(template, "prod-coaching-api-down")
    assert api_down["Threshold"] == 1e21
    assert api_down["Dimensions"] == [{"Name": "Service", "Value": "Coaching: *on* #1"}]


def test_alarm_tags_are_ordered_as_on_every_other_resource(spec_repo: SpecRepo, tmp_path: Path) -> None:
    from tests.conftest import ACCOUNTS, ENVIRONMENT_YAML

    environment = ENVIRONMENT_YAML.format(name="prod", account=ACCOUNTS["prod"]) + "tags: {Team: core}\n"
    templates = synth_repo(spec_repo({"environments/prod.yaml": environment}), tmp_path, only=["prod"])
    keys = [tag["Key"] for tag in alarm_by_name(templates["vigil-prod-coaching"], "prod-coaching-api-down")["Tags"]]
    assert keys == ["environment", "managed-by", "owner", "service", "Team"]  # the CDK's order: case-insensitive
    [topic] = [r for r in resources(templates["vigil-prod-routing"], "AWS::SNS::Topic").values()
               if r["Properties"]["TopicName"] == "vigil-prod-critical"]
    assert [tag["Key"] for tag in topic["Properties"]["Tags"]] == ["environment", "managed-by", "Team"]

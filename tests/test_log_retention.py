"""The StackSet's log retention (`stackset.log_retention`): spec errors, the member template's function, role,
schedule and custom resource, and the function itself against moto's CloudWatch Logs.

The function under test is the inline code of a synthesized member template (its Code.ZipFile text, loaded as
the module `index` as Lambda does), fed the events the template defines: the custom resource's properties and
the schedule's input. Its answers go to a stub pre-signed URL on 127.0.0.1. No end-to-end test deploys it:
LocalStack cannot run Lambda functions here (no Docker daemon), and runs no StackSet with service-managed
permissions."""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.core.botocore_stubber import MockRawResponse

from tests.conftest import SpecRepo
from tests.loopback import serving
from tests.organisation_specs import ORG, SERVICE, cfn_lint, org_environment, plan_org, validate_problems
from tests.synth import resources
from vigil.constructs import log_retention as construct
from vigil.constructs.organisation import MAX_TEMPLATE_BODY, member_template
from vigil.functions import LOG_RETENTION_SOURCE
from vigil.limits import MAX_INLINE_CODE_BYTES, MAX_RETENTION_PREFIXES
from vigil.plan.model import StackSetPlan

ENV = "environments/org.yaml"


def _with_retention(value: str, org: str = ORG) -> str:
    """`org` with `stackset.log_retention: value` (line 13 of ORG)."""
    marker = "  max_concurrent_percentage: 50\n"
    assert marker in org
    return org.replace(marker, f"{marker}  log_retention: {value}\n")


# Spec errors -----------------------------------------------------------------------------------------------

CASES = [
    ("a log retention CloudWatch Logs does not accept", {ENV: _with_retention("{retention: 2d}")},
     f"{ENV}:13: stackset.log_retention.retention: expected a retention CloudWatch Logs accepts (1d, 3d, 5d, 7d, "
     "14d, 30d, 60d, 90d, 120d, 150d, 180d, 365d, 400d, 545d, 731d, 1096d, 1827d, 2192d, 2557d, 2922d, 3288d, "
     '3653d), got "2d"'),
    ("never as the StackSet's log retention", {ENV: _with_retention("{retention: never}")},
     f'{ENV}:13: stackset.log_retention.retention: expected a retention like "30d"; log groups without one never '
     "expire already"),
    ("a log retention without a retention", {ENV: _with_retention("{prefixes: [/ecs/]}")},
     f"{ENV}:13: stackset.log_retention.retention: required field is missing"),
    ("an unknown apply_to", {ENV: _with_retention("{retention: 30d, apply_to: all}")},
     f"{ENV}:13: stackset.log_retention.apply_to: expected 'never-expire' or 'never-expire-or-longer', "
     'got "all"'),
    ("a prefix that is no log group name", {ENV: _with_retention('{retention: 30d, prefixes: ["/aws lambda/"]}')},
     f"{ENV}:13: stackset.log_retention.prefixes[0]: expected a log group name of letters, digits, '_', '-', "
     "'/', '.' or '#' (at most 512), got \"/aws lambda/\""),
    ("more prefixes than the schedule's input holds",
     {ENV: _with_retention("{retention: 30d, prefixes: [" + ", ".join(
         f"/p{i}/" for i in range(MAX_RETENTION_PREFIXES + 1)) + "]}")},
     f"{ENV}:13: stackset.log_retention.prefixes: expected at most {MAX_RETENTION_PREFIXES} items, got "
     f"{MAX_RETENTION_PREFIXES + 1}"),
    ("a log retention prefix covered by another",
     {ENV: _with_retention("{retention: 30d, prefixes: [/aws/, /aws/lambda/]}")},
     f'{ENV}:13: stackset.log_retention.prefixes[1]: "/aws/lambda/" is already covered by "/aws/" '
     "(prefixes[0]); keep one"),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_log_retention_gets_one_clear_error(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                                files: dict[str, str], expected: str) -> None:
    root = spec_repo({**files, "alarm_specs/coaching.yaml": SERVICE})
    assert validate_problems(root, capsys) == [expected]


def test_the_plan_carries_the_retention_to_every_regions_stackset(spec_repo: SpecRepo) -> None:
    org = _with_retention("{retention: 90d, prefixes: [/aws/lambda/, /ecs/], apply_to: never-expire-or-longer}")
    plan = plan_org(spec_repo({ENV: org, "alarm_specs/coaching.yaml": SERVICE}))
    plans = [m.stackset.log_retention for m in plan.monitoring if m.stackset is not None]
    assert len(plans) == 2 and len(set(plans)) == 1
    retention = plans[0]
    assert retention is not None
    assert (retention.function_name, retention.days, retention.prefixes, retention.apply_to) == (
        "vigil-org-log-retention", 90, ("/aws/lambda/", "/ecs/"), "never-expire-or-longer")
    assert all(m.stackset is not None and m.stackset.log_retention is None
               for m in plan_org(spec_repo({ENV: ORG, "alarm_specs/coaching.yaml": SERVICE})).monitoring)


# The member template -------------------------------------------------------------------------------------------

PER_ACCOUNT = org_environment(routing="routing: per-account",
                   channels="channels:\n  pagerduty-primary: {type: pagerduty, integration_key: {secret: pd/key}}\n"
                            "  slack-incidents: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}\n"
                            "  slack-alerts: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCE}\n"
                            "  team-email: {type: email, address: oncall@example.com}\n")


def _stackset(spec_repo: SpecRepo, org: str) -> StackSetPlan:
    stackset = plan_org(spec_repo({ENV: org, "alarm_specs/coaching.yaml": SERVICE})).monitoring[0].stackset
    assert stackset is not None
    return stackset


@pytest.fixture(scope="module")
def member(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The member template of an organisation with per-account routing and log retention for two prefixes."""
    root = tmp_path_factory.mktemp("repo")
    for relative, text in {ENV: _with_retention("{retention: 30d, prefixes: [/aws/lambda/, /ecs/]}",
                                                PER_ACCOUNT),
                           "alarm_specs/coaching.yaml": SERVICE}.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    stackset = plan_org(root).monitoring[0].stackset
    assert stackset is not None and stackset.routing_plan is not None and stackset.log_retention is not None
    return member_template(stackset)


def _one(template: dict[str, Any], kind: str) -> dict[str, Any]:
    """The one resource of `kind` of the log retention (its logical ids start with LogRetention)."""
    [resource] = [r for logical_id, r in resources(template, kind).items() if logical_id.startswith("LogRetention")]
    return resource


def _arn(value: Any) -> str:
    """An ARN built with Fn::Join, written with ${...} for the pseudo parameters."""
    parts = value["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else f"${{{p['Ref']}}}" for p in parts)


def test_the_member_template_with_routing_and_retention_fits_a_stackset_and_lints(
        member: dict[str, Any], tmp_path: Path) -> None:
    body = json.dumps(member, separators=(",", ":"), sort_keys=True)
    assert len(body.encode()) < MAX_TEMPLATE_BODY
    assert resources(member, "AWS::SNS::Topic") and resources(member, "AWS::Oam::Link")
    cfn_lint(tmp_path, member)


def test_the_function_runs_the_vigil_source_inline_with_its_own_log_group(member: dict[str, Any]) -> None:
    function = _one(member, "AWS::Lambda::Function")["Properties"]
    assert function["Code"] == {"ZipFile": LOG_RETENTION_SOURCE.read_text(encoding="utf-8")}
    assert (function["Handler"], function["FunctionName"], function["Timeout"]) == (
        "index.handler", "vigil-org-log-retention", 900)
    [(log_group_id, log_group)] = resources(member, "AWS::Logs::LogGroup").items()
    assert log_group["Properties"] == {"LogGroupName": "/aws/lambda/vigil-org-log-retention", "RetentionInDays": 30}
    assert log_group["DeletionPolicy"] == "Delete"  # the stack can be created again in the same account
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": log_group_id}}


def test_the_role_lists_log_groups_and_sets_retention_only_under_the_prefixes(member: dict[str, Any]) -> None:
    role = _one(member, "AWS::IAM::Role")["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    assert "ManagedPolicyArns" not in role
    [policy] = role["Policies"]
    statements = {s["Action"] if isinstance(s["Action"], str) else tuple(s["Action"]): s["Resource"]
                  for s in policy["PolicyDocument"]["Statement"]}
    here = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    assert _arn(statements.pop("logs:DescribeLogGroups")) == f"{here}*"
    assert [_arn(r) for r in statements.pop("logs:PutRetentionPolicy")] == [f"{here}/aws/lambda/*", f"{here}/ecs/*"]
    [(log_group_id, _)] = resources(member, "AWS::Logs::LogGroup").items()
    assert statements == {("logs:CreateLogStream", "logs:PutLogEvents"): {"Fn::GetAtt": [log_group_id, "Arn"]}}


def test_without_prefixes_the_role_may_set_any_log_groups_retention(spec_repo: SpecRepo) -> None:
    template = member_template(_stackset(spec_repo, _with_retention("{retention: 7d}")))
    [policy] = _one(template, "AWS::IAM::Role")["Properties"]["Policies"]
    [put] = [s for s in policy["PolicyDocument"]["Statement"] if s["Action"] == "logs:PutRetentionPolicy"]
    assert [_arn(r) for r in put["Resource"]] == ["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}"
                                                  ":log-group:*"]


def test_a_daily_schedule_and_the_custom_resource_pass_the_same_settings(member: dict[str, Any]) -> None:
    [(function_id, _)] = resources(member, "AWS::Lambda::Function").items()
    rule = _one(member, "AWS::Events::Rule")["Properties"]
    assert (rule["ScheduleExpression"], rule["State"]) == ("rate(1 day)", "ENABLED")
    [target] = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    settings = {"RetentionInDays": 30, "Prefixes": ["/aws/lambda/", "/ecs/"], "ApplyTo": "never-expire"}
    assert json.loads(target["Input"]) == settings
    [(rule_id, _)] = resources(member, "AWS::Events::Rule").items()
    permission = _one(member, "AWS::Lambda::Permission")["Properties"]
    assert (permission["Principal"], permission["SourceArn"]) == ("events.amazonaws.com",
                                                                  {"Fn::GetAtt": [rule_id, "Arn"]})
    properties = _one(member, "Custom::VigilLogRetention")["Properties"]
    assert properties == {"ServiceToken": {"Fn::GetAtt": [function_id, "Arn"]}, "ServiceTimeout": 960, **settings}


def test_the_stackset_asks_for_iam_when_it_carries_the_function(spec_repo: SpecRepo, tmp_path: Path) -> None:
    from tests.synth import synth_plan

    root = spec_repo({ENV: _with_retention("{retention: 30d}"), "alarm_specs/coaching.yaml": SERVICE})
    templates = synth_plan(plan_org(root), tmp_path / "out")
    template = templates["vigil-org-monitoring-us-east-1"]
    [stackset] = [r["Properties"] for r in resources(template, "AWS::CloudFormation::StackSet").values()]
    assert stackset["Capabilities"] == ["CAPABILITY_IAM"]
    assert resources(json.loads(stackset["TemplateBody"]), "Custom::VigilLogRetention")
    cfn_lint(tmp_path, template)


def test_the_inline_code_stays_within_its_limit() -> None:
    assert len(LOG_RETENTION_SOURCE.read_bytes()) <= MAX_INLINE_CODE_BYTES


def test_inline_code_past_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    grown = tmp_path / "log_retention.py"
    grown.write_text(LOG_RETENTION_SOURCE.read_text(encoding="utf-8") + "#" * MAX_INLINE_CODE_BYTES,
                     encoding="utf-8")
    monkeypatch.setattr(construct, "LOG_RETENTION_SOURCE", grown)
    with pytest.raises(ValueError, match=f"inline code is kept within {MAX_INLINE_CODE_BYTES}"):
        construct.function_source()


# The function against moto --------------------------------------------------------------------------------------

@dataclass
class Context:
    """The part of Lambda's context the function reads."""

    remaining_ms: int = 600_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class ResponseUrl:
    """A stub pre-signed URL on 127.0.0.1 recording each PUT (headers and JSON body)."""

    url: str = ""
    puts: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def response_url() -> Iterator[ResponseUrl]:
    recorder = ResponseUrl()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            recorder.puts.append((dict(self.headers), json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_port}/stack/response?X-Amz-Signature=SIGNATURE-NOT-TO-LOG"
    with serving(server):
        yield recorder


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Moto's CloudWatch Logs in us-east-1 with fake credentials; no retry sleeps."""
    for name in ("AWS_PROFILE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    for name, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_REGION", "us-east-1"),
                        ("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_SESSION_TOKEN", "testing")):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda seconds: None)
    with mock_aws():
        yield boto3.client("logs", region_name="us-east-1")


def _index(template: dict[str, Any]) -> types.ModuleType:
    """The template's inline code as Lambda loads it: the module `index`."""
    module = types.ModuleType("index")
    exec(compile(_one(template, "AWS::Lambda::Function")["Properties"]["Code"]["ZipFile"], "index.py", "exec"),
         module.__dict__)
    return module


def _retention_template(spec_repo: SpecRepo, value: str) -> dict[str, Any]:
    return member_template(_stackset(spec_repo, _with_retention(value)))


def _request(template: dict[str, Any], kind: str, url: str, **extra: Any) -> dict[str, Any]:
    """A custom resource request for the template's custom resource. CloudFormation passes property values
    as strings, RetentionInDays "30" (aws-cloudformation/cloudformation-coverage-roadmap#1037)."""
    properties = dict(_one(template, "Custom::VigilLogRetention")["Properties"])
    properties = {k: v if isinstance(v, list) else str(v) for k, v in properties.items()}
    return {"RequestType": kind, "ResponseURL": url, "StackId": "arn:aws:cloudformation:us-east-1:000000000000:"
            "stack/StackSet-vigil-org-baseline/1", "RequestId": "request-1", "LogicalResourceId": "LogRetentionApply",
            "ResourceType": "Custom::VigilLogRetention", "ResourceProperties": properties, **extra}


def _scheduled(template: dict[str, Any]) -> dict[str, Any]:
    """What the daily rule sends: its target's Input."""
    [target] = _one(template, "AWS::Events::Rule")["Properties"]["Targets"]
    return json.loads(target["Input"])


def _groups(logs: Any, groups: dict[str, int | None]) -> None:
    for name, days in groups.items():
        logs.create_log_group(logGroupName=name)
        if days is not None:
            logs.put_retention_policy(logGroupName=name, retentionInDays=days)


def _retentions(logs: Any) -> dict[str, int | None]:
    pages = logs.get_paginator("describe_log_groups").paginate()
    return {g["logGroupName"]: g.get("retentionInDays") for page in pages for g in page["logGroups"]}


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: types.ModuleType, calls: list[str],
                 respond: Callable[[str], AWSResponse | None] | None = None) -> None:
    """Record each CloudWatch Logs operation the function sends; `respond` may answer one in moto's place."""
    real_client = boto3.client

    def client(*args: Any, **kwargs: Any) -> Any:
        made = real_client(*args, **kwargs)

        def before_send(request: Any, **_: Any) -> AWSResponse | None:
            operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
            calls.append(operation)
            return respond(operation) if respond else None

        made.meta.events.register_first("before-send.cloudwatch-logs", before_send)
        return made

    monkeypatch.setattr(module.boto3, "client", client)


def _error(status: int, code: str, message: str) -> AWSResponse:
    body = json.dumps({"__type": code, "message": message}).encode()
    return AWSResponse("https://logs.us-east-1.amazonaws.com/", status, {"Content-Type": "application/x-amz-json-1.1"},
                       MockRawResponse(body))


LAMBDA_GROUPS = {f"/aws/lambda/fn-{i:03}": None for i in range(60)}  # more than one page of 50


def test_create_sets_retention_on_matching_log_groups_that_never_expire_and_answers_with_counts(
        aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    template = _retention_template(spec_repo, "{retention: 30d, prefixes: [/aws/lambda/, /ecs/]}")
    index = _index(template)
    calls: list[str] = []
    _count_calls(monkeypatch, index, calls)
    _groups(aws, {**LAMBDA_GROUPS, "/aws/lambda/kept-week": 7, "/aws/lambda/kept-decade": 3653,
                  "/ecs/orders": None, "/ecs/search": None, "/other/app": None, "/awsx/app": None})
    index.handler(_request(template, "Create", response_url.url), Context())
    after = _retentions(aws)
    assert {name for name, days in after.items() if days == 30} == {*LAMBDA_GROUPS, "/ecs/orders", "/ecs/search"}
    assert (after["/aws/lambda/kept-week"], after["/aws/lambda/kept-decade"]) == (7, 3653)
    assert (after["/other/app"], after["/awsx/app"]) == (None, None)
    assert calls.count("DescribeLogGroups") == 3 and calls.count("PutRetentionPolicy") == 62  # two pages, one
    [(headers, body)] = response_url.puts
    assert headers.get("Content-Type") == ""  # the pre-signed URL is signed without one
    assert body == {"Status": "SUCCESS", "Reason": "done", "PhysicalResourceId": "vigil-log-retention",
                    "StackId": "arn:aws:cloudformation:us-east-1:000000000000:stack/StackSet-vigil-org-baseline/1",
                    "RequestId": "request-1", "LogicalResourceId": "LogRetentionApply",
                    "Data": {"Changed": 62, "Unchanged": 2, "Failed": 0, "Unfinished": 0}}
    lines = capsys.readouterr().out.splitlines()
    assert "retention 30 days: /ecs/orders" in lines
    assert all(line.startswith("retention 30 days: /") for line in lines[:-1])
    assert json.loads(lines[-1]) == body["Data"]


def test_longer_retentions_are_shortened_only_when_asked_and_shorter_ones_never_lengthened(
        aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl) -> None:
    template = _retention_template(spec_repo, "{retention: 90d, apply_to: never-expire-or-longer}")
    _groups(aws, {"/a/forever": None, "/b/decade": 3653, "/c/quarter": 90, "/d/week": 7})
    _index(template).handler(_request(template, "Create", response_url.url), Context())
    assert _retentions(aws) == {"/a/forever": 90, "/b/decade": 90, "/c/quarter": 90, "/d/week": 7}
    assert response_url.puts[0][1]["Data"] == {"Changed": 2, "Unchanged": 2, "Failed": 0, "Unfinished": 0}


def test_an_update_with_new_days_applies_them_and_keeps_the_physical_id(
        aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl) -> None:
    _groups(aws, {"/a/one": None, "/a/two": None})
    first = _retention_template(spec_repo, "{retention: 30d, apply_to: never-expire-or-longer}")
    _index(first).handler(_request(first, "Create", response_url.url), Context())
    second = _retention_template(spec_repo, "{retention: 14d, apply_to: never-expire-or-longer}")
    _index(second).handler(_request(second, "Update", response_url.url, PhysicalResourceId="vigil-log-retention",
                                    OldResourceProperties={"RetentionInDays": "30"}), Context())
    assert _retentions(aws) == {"/a/one": 14, "/a/two": 14}
    assert [body["PhysicalResourceId"] for _, body in response_url.puts] == ["vigil-log-retention"] * 2


def test_delete_changes_nothing_back(aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl) -> None:
    template = _retention_template(spec_repo, "{retention: 30d}")
    _groups(aws, {"/a/set": 30, "/a/never": None})
    _index(template).handler(_request(template, "Delete", response_url.url, PhysicalResourceId="vigil-log-retention"),
                             Context())
    assert _retentions(aws) == {"/a/set": 30, "/a/never": None}
    [(_, body)] = response_url.puts
    assert (body["Status"], body["Data"]) == ("SUCCESS", {})


def test_the_daily_run_covers_log_groups_created_since_and_answers_nobody(
        aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl) -> None:
    template = _retention_template(spec_repo, "{retention: 7d, prefixes: [/aws/lambda/]}")
    index = _index(template)
    _groups(aws, {"/aws/lambda/old": None})
    index.handler(_request(template, "Create", response_url.url), Context())
    _groups(aws, {"/aws/lambda/new": None, "/ecs/new": None})
    counts = index.handler(_scheduled(template), Context())
    assert counts == {"Changed": 1, "Unchanged": 1, "Failed": 0, "Unfinished": 0}
    assert _retentions(aws) == {"/aws/lambda/old": 7, "/aws/lambda/new": 7, "/ecs/new": None}
    assert len(response_url.puts) == 1  # the Create only


def test_throttled_calls_are_retried_with_backoff(aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    template = _retention_template(spec_repo, "{retention: 30d}")
    index = _index(template)
    throttled = {"DescribeLogGroups": 2, "PutRetentionPolicy": 3}

    def respond(operation: str) -> AWSResponse | None:
        if throttled.get(operation, 0) > 0:
            throttled[operation] -= 1
            return _error(400, "ThrottlingException", "Rate exceeded")
        return None

    calls: list[str] = []
    _count_calls(monkeypatch, index, calls, respond)
    _groups(aws, {"/a/one": None, "/a/two": None})
    index.handler(_request(template, "Create", response_url.url), Context())
    assert _retentions(aws) == {"/a/one": 30, "/a/two": 30}
    assert calls.count("DescribeLogGroups") == 3 and calls.count("PutRetentionPolicy") == 5
    assert response_url.puts[0][1]["Data"] == {"Changed": 2, "Unchanged": 0, "Failed": 0, "Unfinished": 0}


SECRET = "arn:aws:iam::000000000000:role/secret-role-name token=SECRET-VALUE"
"""What an AWS error message may carry, which must reach neither the response nor the log."""


def test_a_log_group_that_cannot_be_changed_is_counted_and_the_rest_go_on(
        aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    template = _retention_template(spec_repo, "{retention: 30d}")
    index = _index(template)
    real_client = boto3.client
    denials = iter([True])  # the first log group, in name order

    def client(*args: Any, **kwargs: Any) -> Any:
        made = real_client(*args, **kwargs)

        def deny(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            if not next(denials, False):
                return None
            return _error(400, "AccessDeniedException", SECRET), {
                "Error": {"Code": "AccessDeniedException", "Message": SECRET},
                "ResponseMetadata": {"HTTPStatusCode": 400}}

        made.meta.events.register_first("before-call.cloudwatch-logs.PutRetentionPolicy", deny)
        return made

    monkeypatch.setattr(index.boto3, "client", client)
    _groups(aws, {"/a/denied": None, "/a/fine": None})
    index.handler(_request(template, "Create", response_url.url), Context())
    assert _retentions(aws) == {"/a/denied": None, "/a/fine": 30}
    [(_, body)] = response_url.puts
    assert (body["Status"], body["Data"]) == ("SUCCESS", {"Changed": 1, "Unchanged": 0, "Failed": 1,
                                                          "Unfinished": 0})
    out = capsys.readouterr().out
    assert "not changed (AccessDeniedException): /a/denied" in out.splitlines()
    assert "SECRET" not in out and "secret-role-name" not in out


def test_when_log_groups_cannot_be_listed_the_answer_is_failed_with_a_short_reason(
        aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    template = _retention_template(spec_repo, "{retention: 30d}")
    index = _index(template)
    _count_calls(monkeypatch, index, [], lambda operation: _error(400, "AccessDeniedException", SECRET))
    index.handler(_request(template, "Create", response_url.url), Context())
    [(_, body)] = response_url.puts
    assert (body["Status"], body["Reason"], body["Data"]) == (
        "FAILED", "cannot list log groups: AccessDeniedException", {})
    with pytest.raises(RuntimeError, match=r"^cannot list log groups: AccessDeniedException$"):
        index.handler(_scheduled(template), Context())
    out = capsys.readouterr().out
    assert "SECRET" not in out + json.dumps(body) and "SIGNATURE-NOT-TO-LOG" not in out


def test_settings_it_cannot_read_fail_the_request(aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl) -> None:
    template = _retention_template(spec_repo, "{retention: 30d}")
    request = _request(template, "Create", response_url.url)
    del request["ResourceProperties"]["RetentionInDays"]
    _index(template).handler(request, Context())
    assert [(b["Status"], b["Reason"]) for _, b in response_url.puts] == [("FAILED", "cannot run: KeyError")]


def test_it_stops_before_lambdas_timeout_and_says_so(aws: Any, spec_repo: SpecRepo, response_url: ResponseUrl) -> None:
    template = _retention_template(spec_repo, "{retention: 30d}")
    index = _index(template)
    _groups(aws, {"/a/one": None, "/a/kept": 7})
    index.handler(_request(template, "Create", response_url.url), Context(remaining_ms=index.STOP_MS - 1))
    assert _retentions(aws) == {"/a/one": None, "/a/kept": 7}
    [(_, body)] = response_url.puts
    assert (body["Status"], body["Data"]["Unfinished"], body["Data"]["Changed"]) == ("SUCCESS", 1, 0)

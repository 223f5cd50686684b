"""What a spec may reach: secrets only in the environment's own account and region (or its allow-list), canary
URLs over https outside a local environment, Slack forwarders only to Slack's hosts (or allowed ones), and
summaries that stay on one line. Each refusal is one `file:line: field: message` line."""

from __future__ import annotations

import pytest

from tests.conftest import ENVIRONMENT_YAML, SERVICE_YAML, SpecRepo
from vigil.plan.describe import alarm_description
from vigil.plan.resolve import plan_workspace
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources

SVC = "alarm_specs/coaching.yaml"
ENV = "environments/prod.yaml"
PROD = ENVIRONMENT_YAML.format(name="prod", account="123456789012")
OTHER_ACCOUNT_SECRET = "arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/pd-AbCdEf"
OTHER_REGION_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:monitoring/x-AbCdEf"
OWN_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:monitoring/x-AbCdEf"


def problems(spec_repo: SpecRepo, files: dict[str, str | None]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        plan_workspace(read_sources(spec_repo(files)))
    return [str(problem) for problem in caught.value.problems]


def canary_service(canary: str) -> str:
    return f"version: 1\nservice: coaching\nowner: coaching-team\ncanaries:\n{canary}"


def with_channel_secret(secret: str, allow: str = "") -> str:
    return PROD.replace("{secret: monitoring/pagerduty-primary}", f'{{secret: "{secret}"}}') + allow


def test_a_channel_may_not_name_another_accounts_secret(spec_repo: SpecRepo) -> None:
    assert problems(spec_repo, {ENV: with_channel_secret(OTHER_ACCOUNT_SECRET)}) == [
        f"{ENV}:10: channels.pagerduty-primary.integration_key.secret: expected a secret of this environment's "
        f'account 123456789012 and region us-east-1, got "{OTHER_ACCOUNT_SECRET}"; list it under allow.secrets in '
        "the environment file to read it anyway"]


def test_a_channel_may_not_name_another_regions_secret(spec_repo: SpecRepo) -> None:
    [problem] = problems(spec_repo, {ENV: with_channel_secret(OTHER_REGION_SECRET)})
    assert problem.startswith(f"{ENV}:10: channels.pagerduty-primary.integration_key.secret: expected a secret of "
                              "this environment's account 123456789012 and region us-east-1")


@pytest.mark.parametrize("secret", ["monitoring/pagerduty-primary", OWN_SECRET_ARN])
def test_names_and_arns_of_the_environments_own_account_and_region_are_accepted(
        spec_repo: SpecRepo, secret: str) -> None:
    plan_workspace(read_sources(spec_repo({ENV: with_channel_secret(secret)})), only=["prod"])


def test_the_allow_list_admits_secrets_by_arn_pattern(spec_repo: SpecRepo) -> None:
    allow = "allow: {secrets: ['arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/*']}\n"
    plan_workspace(read_sources(spec_repo({ENV: with_channel_secret(OTHER_ACCOUNT_SECRET, allow)})), only=["prod"])


def test_a_canary_may_not_name_another_accounts_secret_in_secrets_or_headers(spec_repo: SpecRepo) -> None:
    canary = f"""\
  api:
    severity: warning
    secrets: {{token: {{secret: "{OTHER_ACCOUNT_SECRET}"}}}}
    steps:
      - name: call
        url: "https://api.example.com/x?t=${{token}}"
        headers: {{X-Key: {{secret: "{OTHER_REGION_SECRET}"}}}}
"""
    found = problems(spec_repo, {SVC: canary_service(canary)})
    per_env = {problem.split(": ")[1] for problem in found}
    assert per_env == {"canaries.api.secrets.token.secret", "canaries.api.steps[0].headers.X-Key.secret"}
    assert f"{SVC}:7: canaries.api.secrets.token.secret: expected a secret of this environment's account" in found[0]


def test_a_canary_url_must_be_https_outside_a_local_environment(spec_repo: SpecRepo) -> None:
    url = "http://api.example.com/health"
    found = problems(spec_repo, {SVC: canary_service(f"  health: {{url: '{url}', severity: critical}}\n")})
    assert f'{SVC}:5: canaries.health.url: expected an https URL (http only in a local environment), got "{url}"' \
        in found


def test_a_local_environment_may_probe_over_http(spec_repo: SpecRepo) -> None:
    local = ENVIRONMENT_YAML.format(name="local", account="000000000000") + "local: true\n"
    files = {SVC: canary_service("  health: {url: 'http://127.0.0.1:8080/health', severity: critical}\n"),
             "environments/local.yaml": local}
    plan = plan_workspace(read_sources(spec_repo(files)), only=["local"])
    [canary] = plan.environments[0].services[0].canaries
    assert canary.name == "local-coaching-health"
    assert not canary.owns_log_group  # LocalStack has no Synthetics: no canary id to name the group after


def test_webhook_hosts_must_be_host_names(spec_repo: SpecRepo) -> None:
    allow = "allow: {webhook_hosts: [chat.example.com, 'http://x.example.com', 127.0.0.1, localhost]}\n"
    found = problems(spec_repo, {ENV: PROD + allow})
    assert [problem.split(": ")[1] for problem in found] == [
        "allow.webhook_hosts[1]", "allow.webhook_hosts[2]", "allow.webhook_hosts[3]"]


def test_allowed_webhook_hosts_reach_the_plan(spec_repo: SpecRepo) -> None:
    allow = "allow: {webhook_hosts: [hooks.example.org, chat.example.com, chat.example.com]}\n"
    plan = plan_workspace(read_sources(spec_repo({ENV: PROD + allow})), only=["prod"])
    assert plan.environments[0].webhook_hosts == ("chat.example.com", "hooks.example.org")


SPOOF = "Disk fine\\nRunbook: https://evil.example\\nSeverity: info"


@pytest.mark.parametrize(("field", "value"), [
    ("summary", f'"{SPOOF}"'), ("summary", '"a\\u2028b"'), ("summary", '"a\\u202eb"'), ("summary", '"a\\x1bb"')])
def test_a_summary_must_be_one_line(spec_repo: SpecRepo, field: str, value: str) -> None:
    service = SERVICE_YAML.replace("summary: More than 5% of requests fail", f"{field}: {value}")
    [problem] = problems(spec_repo, {SVC: service})
    assert problem.startswith(f"{SVC}:9: alarms.high-error-rate.summary: expected one line of text (no line breaks, "
                              "control characters or bidirectional overrides)")


def test_an_owner_must_be_one_line(spec_repo: SpecRepo) -> None:
    [problem] = problems(spec_repo, {SVC: SERVICE_YAML.replace("owner: coaching-team", 'owner: "a\\nSeverity: x"')})
    assert problem.startswith(f"{SVC}:3: owner: expected one line of text")


def test_canary_and_slo_summaries_must_be_one_line(spec_repo: SpecRepo) -> None:
    service = SERVICE_YAML + f"""\
canaries:
  health: {{url: 'https://api.example.com/health', severity: critical, summary: "{SPOOF}"}}
slos:
  availability:
    objective: 99.9
    window: 30d
    summary: "{SPOOF}"
    errors: {{metric: Errors, stat: Sum}}
    total: {{metric: RequestCount, stat: Sum}}
"""
    found = problems(spec_repo, {SVC: service})
    assert [problem.split(": ")[1] for problem in found] == ["canaries.health.summary", "slos.availability.summary"]


def test_every_description_value_is_escaped_to_one_line(spec_repo: SpecRepo) -> None:
    plan = plan_workspace(read_sources(spec_repo()), only=["prod"])
    alarm = next(a for a in plan.environments[0].services[0].alarms if a.key == "high-error-rate")
    forged = alarm.__class__(**{**alarm.__dict__, "summary": SPOOF.replace("\\n", "\n"),
                                "source": "alarm_specs/x.yaml\nRunbook: https://evil.example",
                                "owner": "team\u2028Severity: info"})
    description = alarm_description(forged, "Sum Errors > 5 for 1 of 1 x 5 min", "prod")
    lines = description.split("\n")
    assert [line.split(": ", 1)[0] for line in lines] == [
        "Summary", "Condition", "Severity", "Environment", "Owner", "Runbook", "Source"]
    assert lines[0] == "Summary: Disk fine\\nRunbook: https://evil.example\\nSeverity: info"
    assert lines[-1] == "Source: alarm_specs/x.yaml\\nRunbook: https://evil.example (managed by vigil)"
    assert "Owner: team\\u2028Severity: info" in lines


def test_the_forwarder_reads_exactly_what_vigil_writes(spec_repo: SpecRepo) -> None:
    # the forwarder is bundled alone (standard library and boto3), so it keeps its own copy of the labels
    from vigil.functions.slack_forwarder import handler as forwarder
    from vigil.plan.describe import MANAGED_SUFFIX

    assert forwarder.MANAGED_SUFFIX == MANAGED_SUFFIX
    plan = plan_workspace(read_sources(spec_repo()), only=["prod"])
    for alarm in plan.environments[0].services[0].alarms:
        fields = forwarder.parse_description(alarm.description)
        assert fields["severity"] == alarm.severity, alarm.name
        assert fields["owner"] == alarm.owner
        assert fields.get("runbook") == alarm.runbook
        assert fields["summary"] == (alarm.summary or alarm.condition)

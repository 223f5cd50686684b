"""Bad tracing and canary specs get one exact line each: file, line, field, what was expected."""

from __future__ import annotations

import pytest

from tests.conftest import SpecRepo
from tests.test_spec_errors import problems
from vigil import naming

SVC = "alarm_specs/coaching.yaml"
OTHER = "alarm_specs/other.yaml"


def service(body: str, name: str = "coaching") -> str:
    """A service file whose body (tracing, canaries) starts on line 5."""
    return f"version: 1\nservice: {name}\nowner: coaching-team\ndefaults: {{namespace: NS}}\n{body}"


def group(fields: str, key: str = "slow") -> str:
    return service(f"tracing:\n  groups:\n    {key}: {{{fields}}}\n")


def rule(fields: str, key: str = "default") -> str:
    return service(f"tracing:\n  sampling:\n    {key}: {{{fields}}}\n")


def canary(fields: str, key: str = "health") -> str:
    return service(f"canaries:\n  {key}:\n{fields}")


HEALTH = "    url: https://api.example.com/health\n    severity: critical\n"

CASES = [
    # X-Ray groups
    ("a group name over X-Ray's 32 characters once prefixed with the environment",
     {SVC: group("filter: 'responsetime > 2'", key="coaching-slow-requests-over-2s")},
     f"{SVC}:7: tracing.groups.coaching-slow-requests-over-2s: group name staging-coaching-slow-requests-over-2s "
     "is 38 characters; X-Ray allows 32: shorten the key to at most 24 characters"),
    ("a group key with a dot",
     {SVC: group("filter: 'responsetime > 2'", key="coaching.slow")},
     f"{SVC}:7: tracing.groups.coaching.slow: expected a key of letters, digits, '-' or '_' (at most 32 "
     'characters), got "coaching.slow"'),
    ("Insights notifications without Insights",
     {SVC: group("filter: 'responsetime > 2', notifications: true")},
     f"{SVC}:7: tracing.groups.slow.notifications: Insights notifications need insights: true"),
    ("a filter expression with an unclosed parenthesis",
     {SVC: group("filter: 'service(\"coaching\" AND responsetime > 2'")},
     f"{SVC}:7: tracing.groups.slow.filter: expected an X-Ray filter expression: a '(' without its ')'"),
    ("a filter expression with an unclosed quote",
     {SVC: group("filter: 'service(\"coaching) AND responsetime > 2'")},
     f'{SVC}:7: tracing.groups.slow.filter: expected an X-Ray filter expression: an unclosed " quote'),
    ("a group without a filter",
     {SVC: group("insights: true")},
     f"{SVC}:7: tracing.groups.slow.filter: required field is missing"),
    ("two services using the same group key in one account",
     {SVC: group("filter: 'responsetime > 2'"),
      OTHER: group("filter: 'responsetime > 2'").replace("service: coaching", "service: other")},
     f'{OTHER}:7: tracing.groups.slow: group "slow" is already defined in {SVC}:7; X-Ray names ({{env}}-{{key}}) '
     "are unique per account and region"),
    # sampling rules
    ("a fixed rate above 1",
     {SVC: rule("fixed_rate: 1.5")},
     f"{SVC}:7: tracing.sampling.default.fixed_rate: expected a number <= 1, got 1.5"),
    ("a negative fixed rate",
     {SVC: rule("fixed_rate: -0.1")},
     f"{SVC}:7: tracing.sampling.default.fixed_rate: expected a number >= 0, got -0.1"),
    ("a priority of 0",
     {SVC: rule("fixed_rate: 0.1, priority: 0")},
     f"{SVC}:7: tracing.sampling.default.priority: expected a number >= 1, got 0"),
    ("a priority over 9999",
     {SVC: rule("fixed_rate: 0.1, priority: 10000")},
     f"{SVC}:7: tracing.sampling.default.priority: expected a number <= 9999, got 10000"),
    ("a negative reservoir",
     {SVC: rule("fixed_rate: 0.1, reservoir: -1")},
     f"{SVC}:7: tracing.sampling.default.reservoir: expected a number >= 0, got -1"),
    ("a service name over 64 characters",
     {SVC: rule(f"fixed_rate: 0.1, service: {'s' * 65}")},
     f"{SVC}:7: tracing.sampling.default.service: string should have at most 64 characters, got 65 characters"),
    ("a URL path over 128 characters",
     {SVC: rule(f"fixed_rate: 0.1, url_path: /{'p' * 128}")},
     f"{SVC}:7: tracing.sampling.default.url_path: string should have at most 128 characters, got 129 "
     "characters"),
    ("a URL path without a leading slash",
     {SVC: rule("fixed_rate: 0.1, url_path: health")},
     f'{SVC}:7: tracing.sampling.default.url_path: expected a path starting with / (or *), got "health"'),
    ("an HTTP method that is not one",
     {SVC: rule("fixed_rate: 0.1, method: GET/POST")},
     f'{SVC}:7: tracing.sampling.default.method: expected an HTTP method like GET or *, got "GET/POST"'),
    ("six sampling attributes",
     {SVC: rule("fixed_rate: 0.1, attributes: {a: '1', b: '2', c: '3', d: '4', e: '5', f: '6'}")},
     f"{SVC}:7: tracing.sampling.default.attributes: 6 attributes; X-Ray allows 5"),
    ("a rate written as a percentage string",
     {SVC: rule("fixed_rate: 5%")},
     f'{SVC}:7: tracing.sampling.default.fixed_rate: expected a number, got "5%"'),
    # canaries
    ("a canary key with capitals (canary names are lowercase)",
     {SVC: canary(HEALTH, key="Api-Health")},
     f"{SVC}:6: canaries.Api-Health: expected a lowercase name of letters, digits, '-' or '_' starting with a "
     'letter (at most 64), got "Api-Health"'),
    ("a schedule that is not whole minutes",
     {SVC: canary(HEALTH + "    every: 90s\n")},
     f"{SVC}:9: canaries.health.every: expected whole minutes from 1m to 1h (Synthetics rate schedules), got 90 s"),
    ("a schedule longer than an hour",
     {SVC: canary(HEALTH + "    every: 2h\n")},
     f"{SVC}:9: canaries.health.every: expected whole minutes from 1m to 1h (Synthetics rate schedules), got 2 h"),
    ("a schedule without a unit",
     {SVC: canary(HEALTH + "    every: 5\n")},
     f'{SVC}:9: canaries.health.every: expected a duration like "30s", "5m", "1h" or "30d", got 5'),
    ("a per-environment schedule that is invalid",
     {SVC: canary(HEALTH + "    env: {prod: {every: 30s}}\n")},
     f"{SVC}:9: canaries.health.env.prod.every: expected whole minutes from 1m to 1h (Synthetics rate "
     "schedules), got 30 s"),
    ("both url and steps",
     {SVC: canary(HEALTH + "    steps: [{name: a, url: 'https://x.example.com/'}]\n")},
     f"{SVC}:6: canaries.health: expected exactly one of url (a heartbeat) or steps (an API check), got both"),
    ("neither url nor steps",
     {SVC: canary("    severity: critical\n")},
     f"{SVC}:6: canaries.health: expected exactly one of url (a heartbeat) or steps (an API check), got neither"),
    ("a URL that is not http(s)",
     {SVC: canary("    url: ftp://x.example.com/\n    severity: critical\n")},
     f'{SVC}:7: canaries.health.url: expected an http(s) URL, got "ftp://x.example.com/"'),
    ("an expected status that is not an HTTP status",
     {SVC: canary(HEALTH + "    expect: {status: 999}\n")},
     f"{SVC}:9: canaries.health.expect.status: expected a number <= 599, got 999"),
    ("a variable used before any step saves it",
     {SVC: canary("    severity: warning\n    steps:\n"
                  "      - {name: chat, url: 'https://x.example.com/chat',\n"
                  "         headers: {Authorization: 'Bearer ${token}'}}\n"
                  "      - {name: login, url: 'https://x.example.com/login', save: {token: access_token}}\n")},
     f'{SVC}:10: canaries.health.steps[0].headers.Authorization: unknown variable "${{token}}"; defined before '
     "this step: none"),
    ("a malformed variable in a body",
     {SVC: canary("    severity: warning\n    steps:\n"
                  "      - {name: login, method: POST, url: 'https://x.example.com/',\n"
                  "         body: {user: '${user name}'}}\n")},
     f'{SVC}:10: canaries.health.steps[0].body.user: expected ${{name}} with a variable name, got "${{user name}}"'),
    ("two steps with the same name",
     {SVC: canary("    severity: warning\n    steps:\n"
                  "      - {name: a, url: 'https://x.example.com/1'}\n"
                  "      - {name: a, url: 'https://x.example.com/2'}\n")},
     f'{SVC}:10: canaries.health.steps[1].name: step "a" is already defined in this canary'),
    ("a body on a GET request",
     {SVC: canary(HEALTH + "    body: {a: 1}\n")},
     f"{SVC}:9: canaries.health.body: a GET request has no body"),
    ("request fields on a canary that has steps",
     {SVC: canary("    severity: warning\n    method: POST\n    steps: [{name: a, url: 'https://x.example.com/'}]\n")},
     f"{SVC}:8: canaries.health.method: set this on each step; this canary has steps"),
    ("request timeouts longer than a run may last",
     {SVC: canary(HEALTH + "    every: 1m\n    timeout: 2m\n")},
     f"{SVC}:10: canaries.health.timeout: 1 request(s) x 2 min exceed the 1 min a run may last (the schedule "
     "interval, at most 14 min)"),
    ("several requests whose timeouts together exceed a run",
     {SVC: canary("    severity: warning\n    every: 1m\n    timeout: 25s\n    steps:\n"
                  "      - {name: a, url: 'https://x.example.com/1'}\n"
                  "      - {name: b, url: 'https://x.example.com/2'}\n"
                  "      - {name: c, url: 'https://x.example.com/3'}\n")},
     f"{SVC}:9: canaries.health.timeout: 3 request(s) x 25 s exceed the 1 min a run may last (the schedule "
     "interval, at most 14 min)"),
    ("a request timeout longer than one environment's schedule",
     {SVC: canary(HEALTH + "    timeout: 2m\n    env: {prod: {every: 1m}}\n")},
     f"{SVC}:9: canaries.health.timeout: 1 request(s) x 2 min exceed the 1 min a run may last (the schedule "
     "interval, at most 14 min)"),
    ("a request timeout longer than a run of the default schedule",
     {SVC: canary(HEALTH + "    timeout: 6m\n")},
     f"{SVC}:9: canaries.health.timeout: 1 request(s) x 6 min exceed the 5 min a run may last (the schedule "
     "interval, at most 14 min)"),
    ("a request timeout longer than the 14 minutes a run lasts at most",
     {SVC: canary(HEALTH + "    every: 1h\n    timeout: 15m\n")},
     f"{SVC}:10: canaries.health.timeout: 1 request(s) x 15 min exceed the 14 min a run may last (the schedule "
     "interval, at most 14 min)"),
    ("a malformed variable in a header",
     {SVC: canary(HEALTH + "    headers: {X-Key: '${1key}'}\n")},
     f'{SVC}:9: canaries.health.headers.X-Key: expected ${{name}} with a variable name, got "${{1key}}"'),
    ("an empty variable in a nested body string",
     {SVC: canary("    severity: warning\n    steps:\n"
                  "      - {name: a, method: POST, url: 'https://x.example.com/', body: {items: [{id: 'x-${}'}]}}\n")},
     f'{SVC}:9: canaries.health.steps[0].body.items[0].id: expected ${{name}} with a variable name, got "${{}}"'),
    ("more failed runs than runs evaluated",
     {SVC: canary(HEALTH + "    alarm: {failed: 4, of: 3}\n")},
     f"{SVC}:9: canaries.health.alarm.failed: expected at most alarm.of (3), got 4"),
    ("a retention over Synthetics' 455 days",
     {SVC: canary(HEALTH + "    retention: 500d\n")},
     f"{SVC}:9: canaries.health.retention: expected whole days from 1d to 455d, got 500 d"),
    ("a retention in hours",
     {SVC: canary(HEALTH + "    failure_retention: 12h\n")},
     f"{SVC}:9: canaries.health.failure_retention: expected whole days from 1d to 455d, got 12 h"),
    ("a duration alarm without a comparison",
     {SVC: canary(HEALTH + "    duration: {threshold: '5000'}\n")},
     f'{SVC}:9: canaries.health.duration.threshold: expected a comparison like "> 5", got "5000"'),
    ("a header secret without its secret name",
     {SVC: canary(HEALTH + "    headers: {X-Api-Key: {field: key}}\n")},
     f"{SVC}:9: canaries.health.headers.X-Api-Key: expected text or {{secret: name, field: key}}: secret is "
     "missing"),
    ("a canary whose alarm key is taken by an alarm",
     {SVC: service("alarms:\n  canary-health: {severity: info, metric: M, threshold: '> 1'}\n"
                   f"canaries:\n  health:\n{HEALTH}")},
     f'{SVC}:8: canaries.health: the canary\'s alarm key "canary-health" is also an alarm of this service; '
     "rename one of them"),
    ("a YAML date in a JSON body",
     {SVC: canary("    severity: warning\n    steps:\n"
                  "      - {name: a, method: POST, url: 'https://x.example.com/', body: {since: 2024-01-01}}\n")},
     f"{SVC}:9: canaries.health.steps[0].body: expected JSON values (text, numbers, true/false, null, lists and "
     "mappings); quote dates and times"),
    ("a request timeout of zero",
     {SVC: canary(HEALTH + "    timeout: 0s\n")},
     f"{SVC}:9: canaries.health.timeout: expected at least 1s"),
    ("a misspelt canary field",
     {SVC: canary(HEALTH + "    expect: {stauts: 200}\n")},
     f'{SVC}:9: canaries.health.expect.stauts: unknown field; did you mean "status"?'),
    ("an override for an unknown environment",
     {SVC: canary(HEALTH + "    env: {qa: {enabled: false}}\n")},
     f'{SVC}:9: canaries.health.env.qa: unknown environment "qa"; environments: dev, prod, staging'),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_tracing_or_canary_gets_one_exact_message(spec_repo: SpecRepo, files: dict[str, str],
                                                      expected: str) -> None:
    assert problems(spec_repo, files) == [expected]


def test_canary_names_are_env_service_key_and_shortened_deterministically_when_too_long() -> None:
    assert naming.canary_name("prod", "wwhd", "health") == "prod-wwhd-health"
    long = naming.canary_name("prod", "s" * 40, "k" * 240)
    assert len(long) == 255
    assert long == naming.canary_name("prod", "s" * 40, "k" * 240)
    assert long != naming.canary_name("prod", "s" * 40, "k" * 239 + "x")
    assert long.startswith("prod-" + "s" * 40 + "-kkk")
    assert long[-9] == "-" and all(c in "0123456789abcdef" for c in long[-8:])


def test_plan_lists_canaries_and_xray_items_of_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import ROOT
    from vigil.cli import main

    assert main(["--root", str(ROOT), "plan", "--env", "prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  canary   prod-wwhd-health  every 5 min: https://api.wwhd.example.com/health" in lines
    assert "  canary   prod-wwhd-api-workflow  every 15 min: 3 steps" in lines
    assert '  x-ray    group prod-wwhd-slow: service("wwhd-backend") AND duration >= 5, insights' in lines
    assert "  x-ray    sampling prod-sixseven-default: 1/s then 10% of sixseven * * (priority 1000)" in lines

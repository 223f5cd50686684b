"""Every kind of bad input gets one clear line: file, line, field, what was expected; exit code 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SERVICE_YAML, SpecRepo
from vigil.cli import main
from vigil.plan.resolve import plan_workspace
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources

SVC = "alarm_specs/coaching.yaml"
ENV = "environments/prod.yaml"


def service(alarms: str, header: str = "") -> str:
    """A service file with the given (already indented) alarms block."""
    return (f"version: 1\nservice: coaching\nowner: coaching-team\n{header}"
            f"defaults: {{namespace: NS, period: 5m}}\nalarms:\n{alarms}")


def problems(spec_repo: SpecRepo, files: dict[str, str | None]) -> list[str]:
    root = spec_repo(files)
    with pytest.raises(SpecError) as caught:
        plan_workspace(read_sources(root))
    return [str(p) for p in caught.value.problems]


CASES = [
    ("a threshold without a comparison operator",
     {SVC: service('  a:\n    severity: critical\n    metric: M\n    threshold: "5"\n')},
     f'{SVC}:9: alarms.a.threshold: expected a comparison like "> 5", got "5"'),
    ("a bare number as threshold",
     {SVC: service("  a:\n    severity: critical\n    metric: M\n    threshold: 5\n")},
     f'{SVC}:9: alarms.a.threshold: expected a comparison like "> 5", got "5"'),
    ("a threshold too large for a 64-bit float",
     {SVC: service('  a:\n    severity: critical\n    metric: M\n    threshold: "> 1e999"\n')},
     f'{SVC}:9: alarms.a.threshold: expected a number CloudWatch can hold (a 64-bit float), got "> 1e999"'),
    ("a misspelt field, with a suggestion",
     {SVC: service('  a:\n    severity: critical\n    metric: M\n    treshold: "> 5"\n')},
     f'{SVC}:9: alarms.a.treshold: unknown field; did you mean "threshold"?'),
    ("an unknown severity",
     {SVC: service('  a: {severity: urgent, metric: M, threshold: "> 1"}\n')},
     f"{SVC}:6: alarms.a.severity: expected 'critical', 'warning' or 'info', got \"urgent\""),
    ("a duration without a unit",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1", period: 300}\n')},
     f'{SVC}:6: alarms.a.period: expected a duration like "30s", "5m", "1h" or "30d", got 300'),
    ("a period CloudWatch does not accept",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1", period: 90s}\n')},
     f"{SVC}:6: alarms.a.period: expected 10s, 20s, 30s or a multiple of 60s, got 90s"),
    ("an evaluation range over one day for a short period",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1", period: 5m, evaluation_periods: 289}\n')},
     f"{SVC}:6: alarms.a.evaluation_periods: period x evaluation_periods is 86700 s; CloudWatch allows 86400 s "
     "(1 day for periods under 1 hour)"),
    ("an evaluation range over seven days for a long period",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1", period: 1d, evaluation_periods: 8}\n')},
     f"{SVC}:6: alarms.a.evaluation_periods: period x evaluation_periods is 691200 s; CloudWatch allows 604800 s "
     "(7 days)"),
    ("M of N with M larger than N",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1", evaluation_periods: 2, '
                   'datapoints_to_alarm: 3}\n')},
     f"{SVC}:6: alarms.a.datapoints_to_alarm: expected at most evaluation_periods (2), got 3"),
    ("an expression naming an undefined metric id",
     {SVC: service('  a:\n    severity: info\n    expression: 100 * errors / requets\n    threshold: "> 1"\n'
                   "    metrics:\n      errors: {metric: E}\n      requests: {metric: R}\n")},
     f'{SVC}:8: alarms.a.expression: unknown metric id "requets"; metrics defined: errors, requests'),
    ("more than ten metrics in one expression",
     {SVC: service('  a:\n    severity: info\n    expression: m0\n    threshold: "> 1"\n    metrics:\n'
                   + "".join(f"      m{i}: {{metric: M{i}}}\n" for i in range(11)))},
     f"{SVC}:10: alarms.a.metrics: 11 metrics; CloudWatch allows 10 in one alarm expression"),
    ("a composite naming an unknown alarm",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1"}\n'
                   '  p0: {severity: critical, composite: "ALARM(a) OR ALARM(b)"}\n')},
     f'{SVC}:7: alarms.p0.composite: unknown alarm "b"; alarms of this service: a'),
    ("a malformed composite rule",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1"}\n'
                   '  p0: {severity: critical, composite: "ALARM(a) ALARM(a)"}\n')},
     f'{SVC}:7: alarms.p0.composite: expected a rule like "ALARM(a) OR ALARM(b)": two conditions without AND '
     "or OR between them"),
    ("an alarm with neither metric, expression, query nor composite",
     {SVC: service('  a: {severity: info, threshold: "> 1"}\n')},
     f"{SVC}:6: alarms.a: expected exactly one of metric, expression, query or composite, got none"),
    ("a metric alarm with both threshold and anomaly",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1", anomaly: {band: 2}}\n')},
     f"{SVC}:6: alarms.a: expected exactly one of threshold or anomaly"),
    ("an unknown statistic",
     {SVC: service('  a: {severity: info, metric: M, stat: p95x, threshold: "> 1"}\n')},
     f"{SVC}:6: alarms.a.stat: expected a statistic: Sum, Average, Minimum, Maximum, SampleCount, a percentile like "
     'p95 or p99.9, a trimmed mean like tm90 or TM(10%:90%), or PR(:2000); got "p95x"'),
    ("an override for an environment that does not exist",
     {SVC: service('  a:\n    severity: info\n    metric: M\n    threshold: "> 1"\n'
                   '    env: {stagin: {threshold: "> 2"}}\n')},
     f'{SVC}:10: alarms.a.env.stagin: unknown environment "stagin"; environments: dev, prod, staging'),
    ("an alarm key longer than 128 characters",
     {SVC: service(f'  {"k" * 129}: {{severity: info, metric: M, threshold: "> 1"}}\n')},
     f"{SVC}:6: alarms.{'k' * 129}: expected a key of letters, digits, '-', '_' or '.' (at most 128 characters), "
     f'got "{"k" * 57}..."'),
    ("a summary that makes the description exceed 1024 characters",
     {SVC: service(f'  a: {{severity: info, metric: M, threshold: "> 1", summary: "{"s" * 512}"}}\n'
                   .replace("summary", "summary", 1), header=f"runbook: https://x.example.com/{'r' * 470}\n")},
     f"{SVC}:7: alarms.a.summary: the alarm description would be longer than the 1024 characters CloudWatch "
     "allows: shorten the summary"),
    ("a missing version",
     {SVC: "service: coaching\nowner: o\n"},
     f"{SVC}:1: version: required field is missing"),
    ("the wrong version",
     {SVC: "version: 2\nservice: coaching\nowner: o\n"},
     f"{SVC}:1: version: expected 1, got 2"),
    ("a duplicate YAML key",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1"}\n'
                   '  a: {severity: info, metric: N, threshold: "> 1"}\n')},
     f"{SVC}:7: alarms.a: duplicate key (first defined on line 6); YAML would keep only the last"),
    ("invalid YAML",
     {SVC: "version: 1\nservice: [coaching\nowner: o\n"},
     f"{SVC}:3: invalid YAML: did not find expected ',' or ']'"),
    ("a list where a mapping is expected",
     {SVC: "version: 1\nservice: coaching\nowner: o\nalarms: [a, b]\n"},
     f"{SVC}:4: alarms: expected a mapping, got a list"),
    ("two files declaring the same service",
     {"alarm_specs/zz-copy.yaml": "version: 1\nservice: coaching\nowner: o\n"},
     'alarm_specs/zz-copy.yaml:2: service: service "coaching" is already defined in alarm_specs/coaching.yaml'),
    ("a route naming an undefined channel",
     {ENV: "version: 1\nname: prod\naccount: '123456789012'\nregion: us-east-1\n"
           "routes: {critical: [pager]}\nchannels: {}\n"},
     f'{ENV}:5: routes.critical[0]: unknown channel "pager"; channels: none defined'),
    ("a route for an unknown severity",
     {ENV: "version: 1\nname: prod\naccount: '123456789012'\nregion: us-east-1\n"
           "routes: {urgent: []}\nchannels: {}\n"},
     f"{ENV}:5: routes.urgent: expected 'critical', 'warning' or 'info', got \"urgent\""),
    ("a channel of unknown type",
     {ENV: "version: 1\nname: prod\naccount: '123456789012'\nregion: us-east-1\nroutes: {}\n"
           "channels:\n  sms: {type: sms}\n"},
     f"{ENV}:7: channels.sms: unknown type \"sms\"; expected one of 'pagerduty', 'slack', 'email'"),
    ("a Slack channel with half a Chatbot configuration",
     {ENV: "version: 1\nname: prod\naccount: '123456789012'\nregion: us-east-1\nroutes: {}\n"
           "channels:\n  s: {type: slack, workspace_id: T0123ABCD}\n"},
     f"{ENV}:7: channels.s.channel_id: required field is missing; AWS Chatbot needs workspace_id and channel_id"),
    ("an environment file whose name does not match",
     {ENV: "version: 1\nname: production\naccount: '123456789012'\nregion: us-east-1\nroutes: {}\n"},
     f'{ENV}:2: name: expected "prod" to match the file name, got "production"'),
    ("a channel endpoint override outside a local environment",
     {ENV: "version: 1\nname: prod\naccount: '123456789012'\nregion: us-east-1\nroutes: {}\n"
           "channels:\n  e: {type: email, address: a@example.com, endpoint: 'http://127.0.0.1:4712/e'}\n"},
     f"{ENV}:7: channels.e.endpoint: only allowed in a local environment (local: true)"),
    ("a local environment on a real account",
     {ENV: "version: 1\nname: prod\naccount: '123456789012'\nregion: us-east-1\nlocal: true\nroutes: {}\n"},
     f"{ENV}:5: local: a local environment must use LocalStack's account 000000000000, got 123456789012"),
    ("a local endpoint that is not on loopback",
     {"environments/local.yaml": "version: 1\nname: local\naccount: '000000000000'\nregion: us-east-1\n"
                                 "local: true\nroutes: {}\n"
                                 "channels:\n  e: {type: email, address: a@example.com, "
                                 "endpoint: 'https://hooks.example.com/x'}\n"},
     'environments/local.yaml:8: channels.e.endpoint: expected a loopback URL (127.0.0.1 or localhost), got '
     '"https://hooks.example.com/x"'),
    ("an account id that is not 12 digits",
     {ENV: "version: 1\nname: prod\naccount: 12345\nregion: us-east-1\nroutes: {}\n"},
     f"{ENV}:3: account: expected a string, got 12345"),
    ("a composite that names an alarm disabled in that environment",
     {SVC: service('  a: {severity: info, metric: M, threshold: "> 1", env: {dev: {enabled: false}}}\n'
                   '  p0: {severity: critical, composite: "ALARM(a)"}\n')},
     f'{SVC}:7: alarms.p0.composite: alarm "a" is disabled in dev; disable this composite there too '
     "(env: {dev: {enabled: false}})"),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_one_exact_message(spec_repo: SpecRepo, files: dict[str, str], expected: str) -> None:
    assert problems(spec_repo, files) == [expected]


def test_an_undefined_template_variable_names_each_environment_and_vars(spec_repo: SpecRepo) -> None:
    found = problems(spec_repo, {SVC: "version: 1\nservice: coaching\nowner: o\n"
                                      "runbook: https://{{ vars.runbook_host }}/x\n"})
    assert found == [f'{SVC}:4: template: environment "{env}" has no vars.runbook_host (add it to its vars)'
                     for env in ("dev", "prod", "staging")]


def test_every_problem_is_reported_not_only_the_first(spec_repo: SpecRepo) -> None:
    found = problems(spec_repo, {SVC: service('  a: {severity: info, metric: M, threshold: "5"}\n'
                                              '  b: {severity: info, metric: M, threshold: "> 1", period: 7}\n')})
    assert len(found) == 2


def test_validate_exits_2_with_one_line_per_problem_and_no_traceback(spec_repo: SpecRepo,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({SVC: service('  a: {severity: info, metric: M, threshold: "5"}\n')})
    assert main(["--root", str(root), "validate"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f'{SVC}:6: alarms.a.threshold: expected a comparison like "> 5", got "5"'
    assert "Traceback" not in err


def test_validate_as_a_process_exits_2_without_traceback(spec_repo: SpecRepo) -> None:
    root = spec_repo({SVC: "version: 1\nservice: coaching\nowner: o\nalarms: {a: {severity: critical}}\n"})
    result = subprocess.run([sys.executable, "-m", "vigil", "--root", str(root), "validate"],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{SVC}:4: alarms.a: expected exactly one of metric, expression, query or "
                                    "composite")


@pytest.mark.parametrize("garbage", ["", "- just\n- a list\n", "\x00\x01binary", "{{ unclosed", "a: b: c"],
                         ids=["empty file", "a list", "binary", "unclosed template", "nested colon"])
def test_no_input_produces_a_traceback(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str], garbage: str) -> None:
    root = spec_repo({SVC: garbage})
    assert main(["--root", str(root), "validate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(SVC) and "Traceback" not in err


def test_example_specs_validate() -> None:
    assert main(["--root", str(ROOT), "validate"]) == 0


def test_design_example_is_valid(spec_repo: SpecRepo) -> None:
    plan = plan_workspace(read_sources(spec_repo(service=SERVICE_YAML)))
    assert [e.name for e in plan.environments] == ["dev", "prod", "staging"]


def test_cdk_app_refuses_bad_specs_with_the_same_lines_and_writes_nothing(spec_repo: SpecRepo, tmp_path: Path) -> None:
    root = spec_repo({SVC: service('  a: {severity: info, metric: M, threshold: "5"}\n')})
    shutil.copy(ROOT / "app.py", root / "app.py")
    out = tmp_path / "cdk.out"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "CDK_OUTDIR": str(out)}
    result = subprocess.run([sys.executable, "app.py"], cwd=root, env=environment, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 2
    assert f'{SVC}:6: alarms.a.threshold: expected a comparison like "> 5", got "5"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(out.glob("*.template.json"))

"""Organisation input as strangers write it: every mistake in an environment's `targets`, `monitoring`,
`source_accounts` and `stackset`, a service's `targets`, the `deployment` and `env` CDK context values and the
`--target` option gets one clear line (`file:line: field: message`, or `vigil: ...` for a command-line or
context value) and exit 2, never a silent wrong plan or a deploy job that deploys nothing."""

from __future__ import annotations

import pytest

from tests.conftest import SpecRepo
from tests.test_organisation import ORG, SERVICE, _org
from vigil import cli

ENV = "environments/org.yaml"
SVC = "alarm_specs/coaching.yaml"
PER_ACCOUNT = _org(routing="routing: per-account", stackset="")


def _stackset(**fields: str) -> str:
    lines = "".join(f"  {key}: {value}\n" for key, value in fields.items())
    return _org(stackset=f"stackset:\n  organizational_units: [ou-a1b2-11111111]\n{lines}")


def _service(targets: str) -> str:
    return SERVICE.replace("owner: coaching-team\n", f"owner: coaching-team\n{targets}\n")


CASES: list[tuple[str, dict[str, str | None], str]] = [
    ("a monitoring home region that no target is in",
     {ENV: _org(monitoring='monitoring: {account: "310000000009", region: ap-south-1}')},
     f"{ENV}:7: monitoring.region: expected one of the regions the monitoring account serves (eu-west-1, "
     "us-east-1), got ap-south-1: the organisation dashboard lives in the monitoring stack of its home region, "
     "and there is none elsewhere"),
    ("StackSet regions that leave out a target's region",
     {ENV: _stackset(regions="[us-east-1, ap-south-1]")},
     f"{ENV}:11: stackset.regions: expected every target's region, missing eu-west-1: the StackSet links each "
     "account to the sink of its region, and a target without a link is watched by nothing; leave regions out "
     "to take the targets'"),
    ("a source account that is a target's",
     {ENV: _org(routing='routing: central\nsource_accounts: ["310000000002"]')},
     f'{ENV}:9: source_accounts[0]: 310000000002 is target "shop", watched already; list only other accounts '
     "here"),
    ("a source account that is the monitoring account",
     {ENV: _org(routing='routing: central\nsource_accounts: ["310000000009"]')},
     f"{ENV}:9: source_accounts[0]: 310000000009 is the monitoring account, watched already; list only other "
     "accounts here"),
    ("a source account listed twice",
     {ENV: _org(routing='routing: central\nsource_accounts: ["310000000004", "310000000004"]')},
     f"{ENV}:9: source_accounts[1]: 310000000004 is listed twice"),
    ("a malformed organization id",
     {ENV: _org(monitoring='monitoring: {account: "310000000009", region: us-east-1, organization_id: o-ABC}')},
     f'{ENV}:7: monitoring.organization_id: expected text matching ^o-[a-z0-9]{{10,32}}$, got "o-ABC"'),
    ("a malformed OU id",
     {ENV: _org(stackset="stackset:\n  organizational_units: [ou-a1b2-1111]\n")},
     f"{ENV}:10: stackset.organizational_units[0]: expected text matching "
     '^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$, got "ou-a1b2-1111"'),
    ("an OU listed twice",
     {ENV: _org(stackset="stackset:\n  organizational_units: [ou-a1b2-11111111, ou-a1b2-11111111]\n")},
     f"{ENV}:10: stackset.organizational_units[1]: ou-a1b2-11111111 is listed twice"),
    ("a failure tolerance over 100 percent",
     {ENV: _stackset(failure_tolerance_percentage="101")},
     f"{ENV}:11: stackset.failure_tolerance_percentage: expected a number <= 100, got 101"),
    ("no account at a time",
     {ENV: _stackset(max_concurrent_percentage="0")},
     f"{ENV}:11: stackset.max_concurrent_percentage: expected a number >= 1, got 0"),
    ("strict concurrency above what the failure tolerance lets CloudFormation run",
     {ENV: _stackset(failure_tolerance_percentage="10", max_concurrent_percentage="25",
                     concurrency_mode="strict")},
     f"{ENV}:12: stackset.max_concurrent_percentage: with concurrency_mode: strict CloudFormation deploys at "
     "most one account more than failure_tolerance_percentage (10%) lets fail, never 25% at once; lower it to "
     "10 or less, raise failure_tolerance_percentage, or use concurrency_mode: soft"),
    ("regions one by one, though each region has its own StackSet",
     {ENV: _stackset(region_concurrency="sequential")},
     f"{ENV}:11: stackset.region_concurrency: each region has a StackSet of its own (in the monitoring account's "
     "stack of that region), so there is no order of regions to follow; deploy those stacks one by one instead"),
    ("a service that runs in no target",
     {ENV: ORG, SVC: _service("targets: []")},
     f"{SVC}:4: targets: expected at least 1 item, got 0"),
]
"""(case, files, the one problem): also fed to the JSON Schemas by tests/test_schema_coverage.py."""


def _problems(root: object, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert cli.main(["--root", str(root), "validate"]) == 2
    return [line for line in capsys.readouterr().err.splitlines() if not line.endswith("problem(s) found.")]


@pytest.mark.parametrize(("files", "expected"), [(files, expected) for _, files, expected in CASES],
                         ids=[name for name, _, _ in CASES])
def test_each_organisation_mistake_gets_one_clear_line(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                                       files: dict[str, str | None], expected: str) -> None:
    root = spec_repo({SVC: SERVICE, **files})
    assert _problems(root, capsys) == [expected]

"""Organisation input as strangers write it: every mistake in an environment's `targets`, `monitoring`,
`source_accounts` and `stackset`, a service's `targets`, the `deployment` and `env` CDK context values and the
`--target` option gets one clear line (`file:line: field: message`, or `vigil: ...` for a command-line or
context value) and exit 2, never a silent wrong plan or a deploy job that deploys nothing."""

from __future__ import annotations

import pytest

from tests.conftest import SpecRepo
from tests.organisation_specs import ORG, SERVICE, org_environment
from vigil import cli

ENV = "environments/org.yaml"
SVC = "alarm_specs/coaching.yaml"
PER_ACCOUNT = org_environment(routing="routing: per-account", stackset="")


def _stackset(**fields: str) -> str:
    lines = "".join(f"  {key}: {value}\n" for key, value in fields.items())
    return org_environment(stackset=f"stackset:\n  organizational_units: [ou-a1b2-11111111]\n{lines}")


def _service(targets: str) -> str:
    return SERVICE.replace("owner: coaching-team\n", f"owner: coaching-team\n{targets}\n")


CASES: list[tuple[str, dict[str, str | None], str]] = [
    ("a monitoring home region that no target is in",
     {ENV: org_environment(monitoring='monitoring: {account: "310000000009", region: ap-south-1}')},
     f"{ENV}:7: monitoring.region: expected one of the regions the monitoring account serves (eu-west-1, "
     "us-east-1), got ap-south-1: the organisation dashboard lives in the monitoring stack of its home region, "
     "and there is none elsewhere"),
    ("StackSet regions that leave out a target's region",
     {ENV: _stackset(regions="[us-east-1, ap-south-1]")},
     f"{ENV}:11: stackset.regions: expected every target's region, missing eu-west-1: the StackSet links each "
     "account to the sink of its region, and a target without a link is watched by nothing; leave regions out "
     "to take the targets'"),
    ("a source account that is a target's",
     {ENV: org_environment(routing='routing: central\nsource_accounts: ["310000000002"]')},
     f'{ENV}:9: source_accounts[0]: 310000000002 is target "shop", watched already; list only other accounts '
     "here"),
    ("a source account that is the monitoring account",
     {ENV: org_environment(routing='routing: central\nsource_accounts: ["310000000009"]')},
     f"{ENV}:9: source_accounts[0]: 310000000009 is the monitoring account, watched already; list only other "
     "accounts here"),
    ("a source account listed twice",
     {ENV: org_environment(routing='routing: central\nsource_accounts: ["310000000004", "310000000004"]')},
     f"{ENV}:9: source_accounts[1]: 310000000004 is listed twice"),
    ("a malformed organization id",
     {ENV: org_environment(
         monitoring='monitoring: {account: "310000000009", region: us-east-1, organization_id: o-ABC}')},
     f'{ENV}:7: monitoring.organization_id: expected text matching ^o-[a-z0-9]{{10,32}}$, got "o-ABC"'),
    ("a malformed OU id",
     {ENV: org_environment(stackset="stackset:\n  organizational_units: [ou-a1b2-1111]\n")},
     f"{ENV}:10: stackset.organizational_units[0]: expected text matching "
     '^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$, got "ou-a1b2-1111"'),
    ("an OU listed twice",
     {ENV: org_environment(stackset="stackset:\n  organizational_units: [ou-a1b2-11111111, ou-a1b2-11111111]\n")},
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


def validate_problems(root: object, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert cli.main(["--root", str(root), "validate"]) == 2
    return [line for line in capsys.readouterr().err.splitlines() if not line.endswith("problem(s) found.")]


@pytest.mark.parametrize(("files", "expected"), [(files, expected) for _, files, expected in CASES],
                         ids=[name for name, _, _ in CASES])
def test_each_organisation_mistake_gets_one_clear_line(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                                       files: dict[str, str | None], expected: str) -> None:
    root = spec_repo({SVC: SERVICE, **files})
    assert validate_problems(root, capsys) == [expected]


# `cdk synth -c deployment=ACCOUNT/REGION`: one CI deploy job ----------------------------------------------------

def _synth(root: object, capsys: pytest.CaptureFixture[str], tmp_path: object, **context: str) -> tuple[int, str]:
    """Run the CDK app over `root` as `cdk synth -c key=value ...` does: the exit code, and stderr on failure or
    else the stacks written."""
    from pathlib import Path

    from vigil.stacks.app import synth_workspace

    outdir = Path(str(tmp_path)) / "cdk.out"
    code = synth_workspace(Path(str(root)), context=context, outdir=str(outdir))
    stacks = sorted(p.name.removesuffix(".template.json") for p in outdir.glob("*.template.json"))
    return code, capsys.readouterr().err if code else " ".join(stacks)


ORG_PLACES = ("310000000001/eu-west-1, 310000000001/us-east-1, 310000000002/us-east-1, 310000000009/eu-west-1, "
              "310000000009/us-east-1")


@pytest.mark.parametrize(("deployment", "expected"), [
    ("31000000001/us-east-1", 'vigil: -c deployment: expected ACCOUNT/REGION (a 12-digit account id, a region '
                              'such as us-east-1; comma-separated for several), got "31000000001/us-east-1"'),
    ("garbage", 'vigil: -c deployment: expected ACCOUNT/REGION (a 12-digit account id, a region such as '
                'us-east-1; comma-separated for several), got "garbage"'),
    ("", 'vigil: -c deployment: expected ACCOUNT/REGION (a 12-digit account id, a region such as us-east-1; '
         'comma-separated for several), got ""'),
    ("310000000001/ap-south-1", "vigil: -c deployment: no stacks of org deploy to 310000000001/ap-south-1; its "
                                f"deployments: {ORG_PLACES}"),
    ("310000000001/us-east-1,310000000008/us-east-1", "vigil: -c deployment: no stacks of org deploy to "
                                                      f"310000000008/us-east-1; its deployments: {ORG_PLACES}"),
], ids=["a typo'd account", "garbage", "empty", "a region with no stacks", "one of two unknown"])
def test_a_deployment_with_no_stacks_fails_naming_the_deployments_that_exist(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str], tmp_path: object, deployment: str,
        expected: str) -> None:
    root = spec_repo({ENV: ORG, SVC: SERVICE})
    code, err = _synth(root, capsys, tmp_path, env="org", deployment=deployment)
    assert (code, err.splitlines()) == (2, [expected])


def test_a_central_target_without_source_stacks_is_no_deployment(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    """With central routing a target's alarms live in the monitoring account; its own account has stacks only
    for log groups, X-Ray and canaries, and `vigil targets` lists it only then."""
    service = SERVICE.split("log_groups:")[0]
    root = spec_repo({ENV: ORG, SVC: service})
    code, err = _synth(root, capsys, tmp_path, env="org", deployment="310000000002/us-east-1")
    assert (code, err.splitlines()) == (2, [
        "vigil: -c deployment: no stacks of org deploy to 310000000002/us-east-1; its deployments: "
        "310000000009/eu-west-1, 310000000009/us-east-1"])


def test_a_deployment_in_another_region_for_pinned_alarms_builds_them(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    """A CloudFront distribution's alarms live in us-east-1 whatever the target's region: `vigil targets` lists
    that deployment, and synthesizing it builds those stacks, not nothing."""
    service = SERVICE + "resources:\n  cdn: {type: cloudfront, distribution: E123}\n"
    root = spec_repo({ENV: PER_ACCOUNT.replace("  us: {account: \"310000000001\", region: us-east-1}\n", ""),
                      SVC: service})
    assert cli.main(["--root", str(root), "targets", "--env", "org", "--format", "json"]) == 0
    import json

    matrix = {(d["account"], d["region"]): d["stacks"] for d in json.loads(capsys.readouterr().out)}
    assert matrix[("310000000001", "us-east-1")] == "vigil-org-eu-routing-us-east-1 vigil-org-eu-coaching-us-east-1"
    code, built = _synth(root, capsys, tmp_path, env="org", deployment="310000000001/us-east-1")
    assert (code, built) == (0, "vigil-org-eu-coaching-us-east-1 vigil-org-eu-routing-us-east-1")


def test_an_unknown_or_empty_env_context_fails(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                               tmp_path: object) -> None:
    root = spec_repo({ENV: ORG, SVC: SERVICE})
    assert _synth(root, capsys, tmp_path, env="nope")[1].splitlines() == [
        'vigil: -c env: no environment "nope"; environments: dev, org, prod, staging']
    assert _synth(root, capsys, tmp_path, env=" , ")[1].splitlines() == [
        'vigil: -c env: expected environment names (comma-separated), got " , "']


# `--env`, `--target` and `--region` of the CLI -------------------------------------------------------------------

@pytest.mark.parametrize(("org", "argv", "expected"), [
    (ORG, ["verify", "--env", "org", "--target", "nope"],
     'vigil: --target: no target "nope" in org; targets: eu, shop, us'),
    (PER_ACCOUNT, ["drill", "--env", "org", "--target", "nope", "--severity", "critical"],
     'vigil: --target: no target "nope" in org; targets: eu, shop, us'),
    (ORG, ["drill", "--env", "org", "--target", "us", "--severity", "critical"],
     "vigil: --target: org routes centrally: its targets have no routing of their own; choose a region of the "
     "monitoring account: --region eu-west-1, --region us-east-1"),
    (ORG, ["drill", "--env", "org", "--region", "ap-south-1", "--severity", "critical"],
     "vigil: --region: org routes in no region ap-south-1; regions: eu-west-1, us-east-1"),
    (ORG, ["drill", "--env", "prod", "--target", "us", "--severity", "critical"],
     "vigil: --target: prod has no targets: it deploys to one account and region; leave --target out"),
    (ORG, ["verify", "--env", "prod", "--target", "us"],
     "vigil: --target: prod has no targets: it deploys to one account and region; leave --target out"),
    (ORG, ["plan", "--env", "nope"], 'vigil: --env: no environment "nope"; environments: dev, org, prod, staging'),
    (ORG, ["targets", "--env", "org", "--env", "nope"],
     'vigil: --env: no environment "nope"; environments: dev, org, prod, staging'),
], ids=["verify: an unknown target", "drill: an unknown target", "drill: a target with central routing",
        "drill: a region with no routing", "drill: a target of an environment without targets",
        "verify: a target of an environment without targets", "plan: an unknown environment",
        "targets: one unknown environment of two"])
def test_a_command_line_value_that_selects_nothing_gets_one_line_and_exit_2(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str], org: str, argv: list[str], expected: str) -> None:
    root = spec_repo({ENV: org, SVC: SERVICE})
    assert cli.main(["--root", str(root), *argv]) == 2
    assert capsys.readouterr().err.splitlines() == [expected]


def test_a_change_that_adds_an_environment_compares_it_with_nothing(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """`--env org --base main` where main has no org yet: everything of org is new, not an error."""
    import subprocess

    root = spec_repo({SVC: SERVICE})
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    (root / ENV).write_text(ORG, encoding="utf-8")
    assert cli.main(["--root", str(root), "targets", "--env", "org", "--base", "HEAD", "--format", "json"]) == 0
    assert "note: at HEAD: no environment \"org\"" in capsys.readouterr().err
    assert cli.main(["--root", str(root), "diff", "--env", "org", "--base", "HEAD"]) == 0


# A service's `targets` -----------------------------------------------------------------------------------------

def test_a_service_naming_only_a_target_that_does_not_exist_is_reported(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """Read fast from the text, `targets: [mras]` would make every target skip the file unread."""
    root = spec_repo({ENV: ORG, SVC: _service("targets: [mras]")})
    assert validate_problems(root, capsys) == ['alarm_specs/coaching.yaml:4: targets[0]: unknown target "mras"; '
                                       "targets: eu, shop, us"]


def test_a_broken_file_naming_other_targets_is_reported_by_them(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    broken = _service("targets: [eu]").replace("owner: coaching-team", "owner: [coaching-team")
    root = spec_repo({ENV: ORG, SVC: broken})
    [problem] = validate_problems(root, capsys)
    assert problem.startswith("alarm_specs/coaching.yaml:") and "invalid YAML" in problem


def test_a_service_naming_only_another_environments_target_runs_there_only(spec_repo: SpecRepo) -> None:
    """Target names are shared by every environment's files: `targets: [mars]` runs the service in the
    environments with a target mars, in no target of org, and in every environment with one account."""
    from vigil.plan.resolve import plan_workspace
    from vigil.spec.workspace import read_sources

    other = ORG.replace("name: org", "name: org2").replace("  us: {account: \"310000000001\"",
                                                           "  mars: {account: \"320000000001\"")
    other = other.replace("310000000", "320000000")
    root = spec_repo({ENV: ORG, "environments/org2.yaml": other, SVC: _service("targets: [mars]")})
    plan = plan_workspace(read_sources(root))
    runs = {(e.name, e.target) for e in plan.environments if e.services}
    assert runs == {("org2", "mars"), ("dev", None), ("prod", None), ("staging", None)}


# Names: what joins environment, target and service with "-" must stay unique and within AWS's limits ---------------

def _named(name: str, text: str) -> str:
    return text.replace("service: coaching", f"service: {name}").replace("lambda/coaching", f"lambda/{name}")


def test_a_target_and_a_service_that_join_to_the_same_names_are_one_problem(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    org = org_environment(targets='targets:\n  a-b: {account: "310000000001", region: us-east-1}\n'
                       '  a: {account: "310000000002", region: us-east-1}\n')
    root = spec_repo({ENV: org, SVC: _named("b-c", SERVICE), "alarm_specs/c.yaml": _named("c", SERVICE)})
    assert validate_problems(root, capsys) == [
        f'{ENV}:4: targets.a-b: stack vigil-org-a-b-c and 6 more name(s) of target "a-b" of org are target "a" of '
        "org's too: names join the environment, target and service with \"-\", so rename a target or a service"]


def test_an_environment_and_another_environments_target_that_join_to_the_same_names(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """Environment `org-us` (one account) and target `us` of environment `org` both name vigil-org-us-*."""
    single = ('version: 1\nname: org-us\naccount: "310000000007"\nregion: us-east-1\n'
              "routes: {critical: [team-email]}\n"
              "channels: {team-email: {type: email, address: oncall@example.com}}\n")
    root = spec_repo({ENV: PER_ACCOUNT, "environments/org-us.yaml": single, SVC: SERVICE})
    assert validate_problems(root, capsys) == [
        f'{ENV}:4: targets.us: stack vigil-org-us-routing and 1 more name(s) of target "us" of org are environment '
        "org-us's too: names join the environment, target and service with \"-\", so rename a target or a service"]


def test_central_alarms_of_two_targets_may_not_share_a_name(spec_repo: SpecRepo,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Target `a` with service `b` and alarm `c-x`, target `a-b` with service `c` and alarm `x`: different
    stacks, but with central routing both alarms live in the monitoring account as org-a-b-c-x."""
    org = org_environment(targets='targets:\n  a-b: {account: "310000000001", region: us-east-1}\n'
                       '  a: {account: "310000000002", region: us-east-1}\n')
    b = ('version: 1\nservice: b\nowner: t\ntargets: [a]\n'
         'alarms: {c-x: {severity: info, namespace: N, metric: M, threshold: "> 1"}}\n')
    c = ('version: 1\nservice: c\nowner: t\ntargets: [a-b]\n'
         'alarms: {x: {severity: info, namespace: N, metric: M, threshold: "> 1"}}\n')
    root = spec_repo({ENV: org, "alarm_specs/b.yaml": b, "alarm_specs/c.yaml": c}, service=None)
    assert validate_problems(root, capsys) == [
        f'{ENV}:4: targets.a-b: alarm org-a-b-c-x (account 310000000009, us-east-1) of target "a-b" of org are '
        "target \"a\" of org's too: names join the environment, target and service with \"-\", so rename a target "
        "or a service"]


LONG_ENV = "e" * 40


@pytest.mark.parametrize(("channels", "expected"), [
    ("  alerts-for-the-payments-team: {type: slack, webhook: {secret: monitoring/slack}}\n",
     f"environments/{LONG_ENV}.yaml:9: channels.alerts-for-the-payments-team: Slack forwarder function name "
     f"vigil-{LONG_ENV}-us-east-1-alerts-for-the-payments-team is 85 characters; AWS allows 64: shorten the "
     "channel's name (or the environment's or target's)"),
    (f"  {'c' * 75}: {{type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}}\n",
     f"environments/{LONG_ENV}.yaml:9: channels.{'c' * 75}: Chatbot configuration name "
     f"vigil-{LONG_ENV}-us-east-1-{'c' * 75} is 132 characters; AWS allows 128: shorten the channel's name (or "
     "the environment's or target's)"),
    ("  slack.alerts: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}\n",
     f"environments/{LONG_ENV}.yaml:9: channels.slack.alerts: Chatbot configuration name "
     f"vigil-{LONG_ENV}-us-east-1-slack.alerts may hold only letters, digits, - and _: rename the channel"),
], ids=["a forwarder function over 64 characters", "a Chatbot configuration over 128 characters",
        "a channel name Chatbot refuses"])
def test_channel_resource_names_stay_within_aws_limits(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                                       channels: str, expected: str) -> None:
    channel = channels.split(":")[0].strip()
    org = (f"version: 1\nname: {LONG_ENV}\ntargets:\n  us: {{account: \"310000000001\", region: us-east-1}}\n"
           'monitoring: {account: "310000000009", region: us-east-1}\nrouting: central\n'
           f"routes: {{critical: [{channel}]}}\nchannels:\n{channels}")
    root = spec_repo({f"environments/{LONG_ENV}.yaml": org, SVC: SERVICE})
    assert validate_problems(root, capsys) == [expected]


def test_a_stack_name_past_cloudformations_128_characters(spec_repo: SpecRepo,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A region name as long as the region pattern allows (a typo of letters) takes the monitoring account's
    stacks past 128 characters: one problem, not one per stack."""
    region = "us-" + "e" * 110 + "-1"
    org = org_environment(targets=f'targets:\n  us: {{account: "310000000001", region: {region}}}\n',
               monitoring=f'monitoring: {{account: "310000000009", region: {region}}}', stackset="",
               channels="channels:\n  team-email: {type: email, address: oncall@example.com}\n",
               routes="routes:\n  critical: [team-email]\n")
    root = spec_repo({ENV: org, SVC: SERVICE})
    assert validate_problems(root, capsys) == [
        f"{ENV}:2: name: stack name vigil-org-monitoring-{region} is 136 characters (and 1 more stack name(s)); "
        "CloudFormation allows 128: shorten the environment, target, service or region name"]


def test_x_ray_names_leave_the_target_out_and_so_its_length(spec_repo: SpecRepo) -> None:
    """X-Ray groups are named {env}-{key} (32 characters at most) in each target's own account and region; two
    targets never share both, so a long target name costs X-Ray nothing."""
    from vigil.plan.resolve import plan_workspace
    from vigil.spec.workspace import read_sources

    org = org_environment(targets='targets:\n  a-very-long-target-n: {account: "310000000001", region: us-east-1}\n'
                       '  eu: {account: "310000000001", region: eu-west-1}\n')
    service = SERVICE + "tracing: {groups: {slow-requests-xx: {filter: 'responsetime > 2'}}}\n"
    plan = plan_workspace(read_sources(spec_repo({ENV: org, SVC: service})), only=["org"])
    assert {e.target: [g.name for s in e.services for g in s.xray_groups] for e in plan.environments} == {
        "a-very-long-target-n": ["org-slow-requests-xx"], "eu": ["org-slow-requests-xx"]}


@pytest.mark.parametrize("routing", ["central", "per-account"])
def test_a_target_in_the_monitoring_account_is_allowed_and_routes_once_per_region(spec_repo: SpecRepo,
                                                                                   routing: str) -> None:
    """The monitoring account may run workloads too. Each account and region then has one set of severity
    topics: with central routing the monitoring account's, with per-account routing the target's (the
    monitoring stack holds only the sink)."""
    from vigil.plan.deployments import planned_stacks
    from vigil.plan.resolve import plan_workspace
    from vigil.spec.workspace import read_sources

    org = org_environment(targets='targets:\n  us: {account: "310000000009", region: us-east-1}\n'
                       '  eu: {account: "310000000001", region: eu-west-1}\n',
               routing=f"routing: {routing}", stackset="")
    plan = plan_workspace(read_sources(spec_repo({ENV: org, SVC: SERVICE})), only=["org"])
    routings = [(e.account, e.region) for e in plan.environments if e.routing]
    routings += [(m.account, m.region) for m in plan.monitoring if m.routing_plan is not None]
    assert sorted(routings) == [("310000000001", "eu-west-1"), ("310000000009", "us-east-1")] if routing == \
        "per-account" else [("310000000009", "eu-west-1"), ("310000000009", "us-east-1")]
    names = [s.name for s in planned_stacks(plan)]
    assert len(names) == len(set(names))
    [us] = [m for m in plan.monitoring if m.region == "us-east-1"]
    assert us.sink.accounts == ("310000000001",)  # the monitoring account does not link to itself


def test_a_target_named_like_a_yaml_boolean(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """Norway's `no`: as a key it is the name written (not `False`, reported as "targets.False"); as a value in
    a service's `targets` YAML reads it as a boolean, and the problem says to quote it."""
    org = org_environment(targets='targets:\n  no: {account: "310000000001", region: eu-north-1}\n'
                       '  us: {account: "310000000002", region: us-east-1}\n')
    root = spec_repo({ENV: org, SVC: _service("targets: [no]")})
    assert validate_problems(root, capsys) == [
        f'{SVC}:4: targets[0]: expected a string, got false: YAML reads unquoted yes, no, on, off, true and false '
        'as booleans; quote the name, e.g. "no"']
    from vigil.plan.resolve import plan_workspace
    from vigil.spec.workspace import read_sources

    root = spec_repo({ENV: org, SVC: _service('targets: ["no"]')})
    plan = plan_workspace(read_sources(root), only=["org"])
    assert {e.target: [s.name for s in e.services] for e in plan.environments} == {"no": ["coaching"], "us": []}


def test_names_made_of_the_environment_alone_fit_whatever_it_is_called() -> None:
    """Topics, sinks, StackSets and the monitoring stack carry only the environment's name (at most 40
    characters) and a region: they fit AWS's limits for any name the environment file accepts."""
    from vigil import naming
    from vigil.limits import MAX_DASHBOARD_NAME, MAX_SINK_NAME, MAX_STACK_NAME, MAX_STACKSET_NAME, MAX_TOPIC_NAME

    env, region = "e" * 40, "ap-southeast-5"
    assert len(naming.topic_name(env, "critical")) <= MAX_TOPIC_NAME
    assert len(naming.sink_name(env)) <= MAX_SINK_NAME
    assert len(naming.stackset_name(env)) <= MAX_STACKSET_NAME
    assert len(naming.monitoring_stack_name(env, region)) <= MAX_STACK_NAME
    assert len(naming.organisation_dashboard_name(env)) <= MAX_DASHBOARD_NAME

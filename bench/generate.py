"""Write a synthetic organisation: `services` services with `alarms` alarms each, in one environment.

The mix per service, in alarm order: 40% static thresholds, 25% percentiles, 25% metric math (two metrics),
10% composites over two earlier alarms of the same service. Routing: critical -> PagerDuty and Slack (Chatbot),
warning -> Slack (webhook), info -> email. Output is deterministic for given sizes.

    python -m bench.generate OUT [--services 50] [--alarms 200]
"""

from __future__ import annotations

import argparse
from pathlib import Path

ENVIRONMENT = "bench"
ACCOUNT = "123456789012"
SEVERITIES = ("critical", "warning", "info")

ENVIRONMENT_YAML = f"""\
version: 1
name: {ENVIRONMENT}
account: "{ACCOUNT}"
region: us-east-1
routes:
  critical: [pagerduty-primary, slack-incidents]
  warning: [slack-alerts]
  info: [team-email]
channels:
  pagerduty-primary: {{type: pagerduty, integration_key: {{secret: monitoring/pagerduty-primary}}}}
  slack-incidents: {{type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}}
  slack-alerts: {{type: slack, webhook: {{secret: monitoring/slack-alerts}}}}
  team-email: {{type: email, address: oncall@example.com}}
tags: {{cost-center: platform}}
"""


def alarm_kind(index: int) -> str:
    """The kind of the `index`-th alarm (0-based) of a service: static, percentile, math or composite."""
    slot = index % 20
    if slot < 8:
        return "static"
    if slot < 13:
        return "percentile"
    if slot < 18:
        return "math"
    return "composite"


def service_yaml(number: int, alarms: int, targets: list[str] | None = None) -> str:
    """The spec file of service `number` (1-based) with `alarms` alarms, running in `targets` (default: all)."""
    name = f"svc{number:03d}"
    lines = [
        "version: 1",
        f"service: {name}",
        f"owner: team-{number % 7}",
        f"runbook: https://runbooks.example.com/{name}",
        *([f"targets: [{', '.join(targets)}]"] if targets is not None else []),
        f"defaults: {{namespace: Org/{name}, dimensions: {{Service: {name}}}, period: 5m}}",
        "alarms:",
    ]
    for index in range(alarms):
        key = f"a{index:04d}-{alarm_kind(index)}"
        severity = SEVERITIES[index % 3]
        kind = alarm_kind(index)
        summary = f"{kind} alarm {index} of {name}"
        if kind == "static":
            body = (f"{{severity: {severity}, summary: {summary}, metric: Errors{index % 9}, stat: Sum, "
                    f'threshold: "> {index + 1}", evaluation_periods: 2}}')
        elif kind == "percentile":
            body = (f"{{severity: {severity}, summary: {summary}, metric: Latency{index % 5}, stat: p99, "
                    f'period: 1m, threshold: "> {1000 + index}", evaluation_periods: 3, datapoints_to_alarm: 2}}')
        elif kind == "math":
            body = (f"{{severity: {severity}, summary: {summary}, expression: 100 * errors / requests, "
                    f"metrics: {{errors: {{metric: Errors{index % 9}, stat: Sum}}, "
                    f'requests: {{metric: Requests, stat: Sum}}}}, threshold: "> 5"}}')
        else:
            first, second = f"a{index - 18:04d}-{alarm_kind(index - 18)}", f"a{index - 10:04d}-{alarm_kind(index - 10)}"
            if index < 18:
                first = f"a{0:04d}-{alarm_kind(0)}"
            body = f'{{severity: {severity}, summary: {summary}, composite: "ALARM({first}) OR ALARM({second})"}}'
        lines.append(f"  {key}: {body}")
    return "\n".join(lines) + "\n"


def generate(out: Path, services: int = 50, alarms: int = 200) -> Path:
    """Write the organisation under `out` (environments/, alarm_specs/); return `out`."""
    (out / "environments").mkdir(parents=True, exist_ok=True)
    (out / "alarm_specs").mkdir(parents=True, exist_ok=True)
    (out / "environments" / f"{ENVIRONMENT}.yaml").write_text(ENVIRONMENT_YAML, encoding="utf-8")
    for number in range(1, services + 1):
        (out / "alarm_specs" / f"svc{number:03d}.yaml").write_text(service_yaml(number, alarms), encoding="utf-8")
    return out


ORG_ENVIRONMENT = "bench-org"
ORG_REGIONS = ("us-east-1", "eu-west-1")
MONITORING_ACCOUNT = "300000000999"


def org_targets(accounts: int) -> dict[str, tuple[str, str]]:
    """Target name -> (account, region): `accounts` accounts, each in ORG_REGIONS (a01-us, a01-eu, ...)."""
    return {f"a{number:02d}-{region.split('-')[0]}": (f"3000000{number:05d}", region)
            for number in range(1, accounts + 1) for region in ORG_REGIONS}


def generate_org(out: Path, accounts: int = 20, services: int = 500, alarms: int = 200) -> Path:
    """Write an organisation under `out`: one environment with `accounts` x 2 regions as targets, per-account
    routing, a monitoring account; `services` services of `alarms` alarms, service n running in target n
    (round robin), so the organisation holds `services` x `alarms` alarms. Return `out`."""
    (out / "environments").mkdir(parents=True, exist_ok=True)
    (out / "alarm_specs").mkdir(parents=True, exist_ok=True)
    targets = org_targets(accounts)
    lines = ENVIRONMENT_YAML.replace(f"name: {ENVIRONMENT}", f"name: {ORG_ENVIRONMENT}").splitlines()
    lines = [line for line in lines if not line.startswith(("account:", "region:"))]
    lines += ["targets:"] + [f'  {name}: {{account: "{account}", region: {region}}}'
                             for name, (account, region) in targets.items()]
    lines += [f'monitoring: {{account: "{MONITORING_ACCOUNT}", region: {ORG_REGIONS[0]}}}']
    (out / "environments" / f"{ORG_ENVIRONMENT}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    names = list(targets)
    for number in range(1, services + 1):
        text = service_yaml(number, alarms, [names[(number - 1) % len(names)]])
        (out / "alarm_specs" / f"svc{number:03d}.yaml").write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--alarms", type=int, default=200, help="alarms per service")
    args = parser.parse_args()
    generate(args.out, args.services, args.alarms)


if __name__ == "__main__":
    main()

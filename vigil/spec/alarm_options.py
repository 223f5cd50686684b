"""What an alarm can state beyond its metric and condition: labels, other accounts' metrics, units, intermediate
expressions, which states notify, actions besides the severity routing, and a composite's actions suppressor.

CloudWatch references: PutMetricAlarm (AlarmActions, Metrics, Unit, EvaluateLowSampleCountPercentile)
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html and PutCompositeAlarm
(ActionsSuppressor) https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, StringConstraints, Tag

from vigil.expressions import metric_ids
from vigil.spec.logs import Unit
from vigil.spec.metrics import MetricSpec, check_expression_metrics, check_metric_ids
from vigil.spec.rules import RuleProblems
from vigil.spec.types import AlarmPeriod, Duration, Key, SpecModel

ACCOUNT_PATTERN = r"^\d{12}$"
"""A 12-digit AWS account id."""
AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_PATTERN)]
"""A 12-digit AWS account id."""
Label = Annotated[str, StringConstraints(min_length=1, max_length=255)]
"""The name CloudWatch shows for a metric or expression in graphs and notifications."""
NotifyState = Literal["alarm", "ok", "insufficient_data"]
"""An alarm state whose entry notifies the severity's channels."""
NOTIFY_STATES: tuple[NotifyState, ...] = ("alarm", "ok", "insufficient_data")
LowSampleCount = Literal["evaluate", "ignore"]
"""EvaluateLowSampleCountPercentile: with too few data points for a percentile, evaluate anyway or keep the
alarm's state."""

ACTION_ARN_PATTERNS = {
    "Lambda function": r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?",
    "Systems Manager OpsItem": r"arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:opsitem:[1-4](#CATEGORY=[A-Za-z]+)?",
    "Incident Manager response plan": r"arn:aws[a-z-]*:ssm-incidents::\d{12}:(response-plan|responseplan)/"
                                      r"[A-Za-z0-9_-]{1,200}",
    "EC2 action": r"arn:aws[a-z-]*:automate:[a-z0-9-]+:ec2:(stop|terminate|reboot|recover)",
    "EC2 action (by instance)": r"arn:aws[a-z-]*:swf:[a-z0-9-]+:\d{12}:action/actions/"
                                r"AWS_EC2\.InstanceId\.(Stop|Terminate|Reboot|Recover)/1\.0",
    "Auto Scaling policy": r"arn:aws[a-z-]*:autoscaling:[a-z0-9-]+:\d{12}:scalingPolicy:[0-9a-f-]{36}:"
                           r"(autoScalingGroupName/[^:]{1,255}|resource/[^:]{1,1600}):policyName/[^:]{1,255}",
}
"""The alarm actions CloudWatch takes besides SNS topics, by kind (the forms PutMetricAlarm's AlarmActions lists;
CloudWatch's own Incident Manager form is `responseplan/`, the console and the CDK write `response-plan/`)."""
ACTION_ARN_PATTERN = "^(" + "|".join(f"(?:{p})" for p in ACTION_ARN_PATTERNS.values()) + ")$"

ActionArn = Annotated[str, StringConstraints(pattern=ACTION_ARN_PATTERN, max_length=1024)]


class AlarmMetricSpec(MetricSpec):
    """A metric of an alarm's expression: a CloudWatch metric, optionally labelled, from another account, or with
    a unit."""

    label: Label | None = Field(default=None, description="Name CloudWatch shows for the metric; default: none.")
    account: AccountId | None = Field(
        default=None, description="Account that publishes the metric, when it is not the environment's (a source "
                                  "account of CloudWatch cross-account observability; the environment must list it "
                                  "in source_accounts).")
    unit: Unit | None = Field(default=None, description="Only data points in this unit count; default: any.")


class ExpressionSpec(SpecModel):
    """An intermediate metric-math expression of an alarm: other expressions (and the alarm's) may use its id;
    its own result is not the alarm's."""

    expression: Annotated[str, StringConstraints(min_length=1, max_length=1024)] = Field(
        description="Metric math over the alarm's other metric and expression ids, e.g. FILL(errors, 0).")
    label: Label | None = Field(default=None, description="Name CloudWatch shows for the result; default: none.")
    period: AlarmPeriod | None = Field(default=None, description="Period of the result; default: its metrics'.")


def _metric_or_expression(value: Any) -> str:
    if isinstance(value, Mapping):
        return "expression" if "expression" in value else "metric"
    return "expression" if isinstance(value, ExpressionSpec) else "metric"


AlarmQuerySpec = Annotated[
    Annotated[AlarmMetricSpec, Tag("metric")] | Annotated[ExpressionSpec, Tag("expression")],
    Discriminator(_metric_or_expression),
]
"""An entry of an alarm's `metrics`: a metric (`metric:`) or an intermediate expression (`expression:`)."""


def check_alarm_metrics(expression: str, entries: Mapping[str, AlarmMetricSpec | ExpressionSpec],
                        problems: RuleProblems) -> None:
    """The `metrics` of an expression alarm: at most CloudWatch's 10 metrics, every id an expression uses defined,
    no intermediate expression using itself or others in a cycle."""
    expressions = {k: v for k, v in entries.items() if isinstance(v, ExpressionSpec)}
    check_expression_metrics(entries, problems, counted=len(entries) - len(expressions))
    check_metric_ids(("expression",), expression, entries, problems)
    for expression_id, intermediate in sorted(expressions.items()):
        check_metric_ids(("metrics", expression_id, "expression"), intermediate.expression, entries, problems,
                         itself=expression_id)
    cycle = _cycle({k: [u for u in metric_ids(e.expression) if u in expressions and u != k]
                    for k, e in expressions.items()})
    if cycle:
        problems.add(("metrics", cycle[0]), f"expressions refer to each other in a cycle: {' -> '.join(cycle)}")


def _cycle(uses: dict[str, list[str]]) -> list[str]:
    """One cycle in `uses` (id -> ids it uses) as a path that ends where it starts, or [] if there is none."""
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str]:
        state[node] = 1
        for used in uses.get(node, []):
            if state.get(used) == 1:
                return [*trail[trail.index(used):], used] if used in trail else [node, used]
            if used not in state:
                found = visit(used, [*trail, used])
                if found:
                    return found
        state[node] = 2
        return []

    for start in sorted(uses):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return []


class AlarmActionsSpec(SpecModel):
    """Actions beside the severity routing, by the state whose entry takes them: Lambda functions, Systems Manager
    OpsItems and Incident Manager response plans, EC2 instance actions, Auto Scaling policies (by ARN)."""

    alarm: list[ActionArn] = Field(default_factory=list, description="On entering ALARM.")
    ok: list[ActionArn] = Field(default_factory=list, description="On entering OK.")
    insufficient_data: list[ActionArn] = Field(default_factory=list, description="On entering INSUFFICIENT_DATA.")


class SuppressorSpec(SpecModel):
    """While `alarm` is in ALARM, a composite alarm takes no actions (a maintenance window, a deployment, an
    upstream outage already paging)."""

    alarm: Key = Field(description="Key of the suppressing alarm, in the same service.")
    wait: Duration = Field(default=0, description="How long the composite waits for the suppressor to enter "
                                                  "ALARM after itself doing so; default 0s.")
    extension: Duration = Field(default=0, description="How long actions stay suppressed after the suppressor "
                                                       "leaves ALARM; default 0s.")

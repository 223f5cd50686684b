"""The AWS limits the plan checks, in one place, so that CloudFormation and the CDK never refuse a plan.

Where each is checked: a limit that one spec file says all about (an expression's metrics, a metric's
dimensions, a sampling rule's attributes, a log group's metric filters and theirs, a canary's schedule,
retention and run time) by the spec models in vigil/spec when the file is read, with a JSON Schema saying the
same; the others while planning an environment: alarms (name, description, composite rule, actions) in
vigil/plan/alarms.py and vigil/plan/slo.py; stacks (resources, template bytes) in vigil/plan/shards.py;
dashboards in vigil/plan/dashboards.py; X-Ray names in vigil/plan/tracing.py; canary names in
vigil/naming.py. Limits on one value as written (a metric name's 255 characters, an X-Ray filter's 2,000)
are constraints of the spec models, written there.
"""

from __future__ import annotations

# CloudFormation
MAX_RESOURCES_PER_STACK = 500
"""Resources in one template (the CDK refuses to synthesize more)."""
MAX_TEMPLATE_BYTES = 1_000_000
"""Bytes of a template uploaded through S3 (the CDK uploads large templates as assets)."""

MAX_STACK_NAME = 128
"""Characters in a stack name: letters, digits and `-` (AWS::CloudFormation::Stack, CreateStack StackName)."""

# Names of what the routing creates, from the CloudFormation resource schemas (as cfn-lint ships them)
MAX_CHATBOT_CONFIGURATION_NAME = 128
"""AWS::Chatbot::SlackChannelConfiguration ConfigurationName: 1 to 128 of letters, digits, `-` and `_`."""
MAX_FUNCTION_NAME = 64
"""AWS::Lambda::Function FunctionName: 1 to 64 of letters, digits, `-` and `_` (the Slack forwarder)."""
CHANNEL_RESOURCE_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"
"""What Chatbot configuration and Lambda function names may hold."""
MAX_TOPIC_NAME = 256
"""AWS::SNS::Topic TopicName: `vigil-{env}-{severity}` stays far below it (environment names have at most 40
characters), so the plan needs no check; tests/test_organisation_input.py proves it."""
MAX_SINK_NAME = 255
"""AWS::Oam::Sink Name (`vigil-{env}`): far below it, as MAX_TOPIC_NAME."""
MAX_STACKSET_NAME = 128
"""AWS::CloudFormation::StackSet StackSetName (`vigil-{env}-baseline`): far below it, as MAX_TOPIC_NAME."""

# CloudWatch alarms
MAX_ALARM_NAME = 255
"""Characters in an alarm name. It bounds a composite alarm's ActionsSuppressor too, which is always an alarm
vigil names (an SLO's traffic guard)."""
MAX_ALARM_DESCRIPTION = 1024
"""Characters in an alarm description."""
MAX_ACTIONS_PER_STATE = 5
"""Actions per alarm state (AlarmActions, OKActions, InsufficientDataActions), each."""
MAX_METRICS_PER_ALARM = 10
"""Metrics in one alarm's Metrics array besides its expression."""
MAX_DIMENSIONS = 30
"""Dimensions of one metric."""
MAX_COMPOSITE_RULE = 10240
"""Characters in a composite alarm rule, with full alarm names."""
SECONDS_PER_DAY = 86400


def max_evaluation_seconds(period: int) -> int:
    """How far back an alarm may evaluate (period x evaluation periods), in seconds: one day for periods under
    an hour, seven days otherwise (PutMetricAlarm, EvaluationPeriods)."""
    return SECONDS_PER_DAY if period < 3600 else 7 * SECONDS_PER_DAY

# CloudWatch dashboards
MAX_DASHBOARD_NAME = 255
"""Characters in a dashboard name."""
MAX_DASHBOARD_WIDGETS = 500
"""Widgets in one dashboard."""
MAX_DASHBOARD_METRICS = 2500
"""Metrics (metric and expression lines) in one dashboard, over all its widgets."""
MAX_GRAPH_METRICS = 500
"""Metrics in one graph widget."""
MAX_ALARMS_PER_WIDGET = 100
"""Alarms in one alarm status widget; generated dashboards use several widgets beyond that."""

# Synthetics and X-Ray
MAX_CANARY_NAME = 255
"""Synthetics: canary name (vigil/naming.py shortens longer names with a hash)."""
MAX_CANARY_RUN_SECONDS = 840
"""Synthetics: a canary run lasts at most 14 minutes, and no longer than its schedule interval."""
MIN_CANARY_INTERVAL_SECONDS, MAX_CANARY_INTERVAL_SECONDS = 60, 3600
"""Synthetics: schedule intervals vigil offers (`rate(1 minute)` to `rate(1 hour)`, whole minutes)."""
MIN_CANARY_RETENTION_DAYS, MAX_CANARY_RETENTION_DAYS = 1, 455
"""Synthetics: days that successful and failed runs are kept."""
MAX_XRAY_NAME = 32
"""X-Ray: group and sampling rule names, 1 to 32 characters (CreateGroup, CreateSamplingRule)."""
MAX_SAMPLING_ATTRIBUTES = 5
"""X-Ray: attributes a sampling rule may match."""

# CloudWatch Logs
MAX_FILTERS_PER_GROUP = 100
"""Metric filters on one log group."""
MAX_FILTER_DIMENSIONS = 3
"""Dimensions of one metric filter."""

# The StackSet's log retention function
MAX_INLINE_CODE_BYTES = 4096
"""Bytes of the function's inline source (`Code.ZipFile`). CloudFormation documented 4,096 characters for
ZipFile until 2022 (aws/aws-cdk#20624 followed its removal; the resource schema now says the zip may reach
4 MB), but the code travels inside the StackSet's TemplateBody (51,200 bytes), which the routing baseline
shares, so vigil keeps it within the old limit."""
MAX_RETENTION_PREFIXES = 10
"""Log group name prefixes of `stackset.log_retention`. The daily schedule passes them to the function as its
input, which EventBridge caps at 8,192 characters (PutTargets, Target.Input): ten of CloudWatch Logs' longest
names (512 characters) fit."""


def action_count_problems(alarm_actions: tuple[str, ...], ok_actions: tuple[str, ...],
                          insufficient_data_actions: tuple[str, ...] = ()) -> list[str]:
    """A message for each alarm state with more actions than CloudWatch allows (the severity topic and any
    actions by ARN together)."""
    problems = []
    for state, actions in (("ALARM", alarm_actions), ("OK", ok_actions),
                           ("INSUFFICIENT_DATA", insufficient_data_actions)):
        if len(actions) > MAX_ACTIONS_PER_STATE:
            problems.append(f"{len(actions)} actions on {state}; CloudWatch allows {MAX_ACTIONS_PER_STATE} per "
                            "alarm state")
    return problems

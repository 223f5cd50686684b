"""The one place that names deployed things. Names are part of the contract: changing one replaces a resource."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from vigil.limits import MAX_CANARY_NAME
from vigil.spec.types import Severity


def alarm_name(env: str, service: str, key: str) -> str:
    """CloudWatch alarm name: `{env}-{service}-{key}`, e.g. `prod-coaching-api-down`."""
    return f"{env_prefix(env)}{service}-{key}"


def vigil_prefix(env: str) -> str:
    """What the names of an environment's shared resources start with (stacks, topics, drill alarms, channel
    resources): `vigil-{env}-`."""
    return f"vigil-{env}-"


def env_prefix(env: str) -> str:
    """What the names of a service's resources in `env` start with (alarms, dashboards, canaries, X-Ray groups
    and sampling rules): `{env}-`."""
    return f"{env}-"


def without_env_prefix(env: str, name: str) -> str:
    """The inverse of `env_prefix`: `name` without a leading `{env}-`, or `name` itself when it has none
    (e.g. `prod-coaching-api-down` -> `coaching-api-down` in prod)."""
    prefix = env_prefix(env)
    return name[len(prefix):] if name.startswith(prefix) else name


def topic_name(env: str, severity: Severity) -> str:
    """SNS topic for one severity: `vigil-{env}-{severity}`."""
    return f"{vigil_prefix(env)}{severity}"


def topic_arn(partition: str, region: str, account: str, env: str, severity: Severity) -> str:
    """The ARN of a severity topic, built from its name so that service stacks need no cross-stack export."""
    return f"arn:{partition}:sns:{region}:{account}:{topic_name(env, severity)}"


def sns_topic_arn(region: str, account: str, topic: str) -> str:
    """The ARN of the SNS topic named `topic` in the partition of `region`, as a deployed alarm lists it."""
    return f"arn:{partition(region)}:sns:{region}:{account}:{topic}"


def secret_arn(partition: str, region: str, account: str, secret: str) -> str:
    """The IAM resource for reading a Secrets Manager secret named `secret` (or the ARN itself when `secret` is
    one). Secrets Manager appends `-` and six random characters to a secret's name in its ARN, hence `-??????`
    (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html)."""
    if secret.startswith("arn:"):
        return secret
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{secret}-??????"


def dashboard_name(env: str, name: str) -> str:
    """CloudWatch dashboard name: `{env}-{name}`."""
    return f"{env}-{name}"


def routing_stack_name(env: str) -> str:
    """The stack holding an environment's severity topics and channels."""
    return f"{vigil_prefix(env)}routing"


def regional_routing_stack_name(env: str, region: str) -> str:
    """The routing stack of an environment in another region its alarms need (`vigil-{env}-routing-{region}`):
    the same severity topics and channels there."""
    return f"{vigil_prefix(env)}routing-{region}"


def regional_service_stack_name(env: str, service: str, region: str) -> str:
    """The stack of a service's alarms pinned to another region (`vigil-{env}-{service}-{region}`)."""
    return f"{vigil_prefix(env)}{service}-{region}"


def service_stack_name(env: str, service: str, shard: int = 1) -> str:
    """The stack holding one service's monitoring in one environment: `vigil-{env}-{service}` for the first
    (1-based) shard, `vigil-{env}-{service}-{shard}` for the others, so sharding never renames a first stack."""
    return f"{vigil_prefix(env)}{service}" if shard == 1 else f"{vigil_prefix(env)}{service}-{shard}"


def channel_resource_name(env: str, channel: str, region: str | None = None) -> str:
    """Name for per-channel resources (Chatbot configuration, forwarder function): `vigil-{env}-{channel}`, with
    `-{region}` in a regional routing stack (Chatbot configuration names are unique per account)."""
    return f"{vigil_prefix(env)}{channel}" + (f"-{region}" if region else "")


def xray_name(env: str, key: str) -> str:
    """X-Ray group or sampling rule name: `{env}-{key}`, e.g. `prod-coaching-slow` (X-Ray allows 32 characters)."""
    return f"{env}-{key}"


def canary_name(env: str, service: str, key: str) -> str:
    """Synthetics canary name: `{env}-{service}-{key}`, e.g. `prod-wwhd-health`. A name over 255 characters is
    cut to 246 and ends with `-` and 8 hex digits of its SHA-256, so it stays unique and stable."""
    name = f"{env}-{service}-{key}"
    if len(name) <= MAX_CANARY_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:MAX_CANARY_NAME - 9]}-{digest}"


CANARY_FUNCTION_NAME_CHARACTERS = 21
"""Characters of a canary name in the name of its Lambda function and log group (DeleteCanary API reference:
https://docs.aws.amazon.com/AmazonSynthetics/latest/APIReference/API_DeleteCanary.html)."""


def canary_log_group_prefix(canary: str) -> str:
    """`/aws/lambda/cwsyn-{the first 21 characters of the canary name}`: Synthetics names a canary's Lambda
    function `cwsyn-{those characters}-{canary id}`, and Lambda logs to `/aws/lambda/{function name}`; the canary
    id is known only once the canary exists."""
    return f"/aws/lambda/cwsyn-{canary[:CANARY_FUNCTION_NAME_CHARACTERS]}"


def canary_alarm_key(key: str, kind: str = "") -> str:
    """The alarm key of a canary's alarm: `canary-{key}` (failed runs) or `canary-{key}-{kind}`; the alarm name
    is then `{env}-{service}-canary-{key}`."""
    return f"canary-{key}-{kind}" if kind else f"canary-{key}"


def preset_alarm_key(resource: str, alarm: str) -> str:
    """The alarm key of a resource's preset alarm, e.g. `orders-fn-errors` (resource `orders-fn`, alarm `errors`;
    vigil/presets); the alarm name is then `{env}-{service}-orders-fn-errors`."""
    return f"{resource}-{alarm}"


def slo_alarm_key(slo: str, part: str) -> str:
    """The alarm key of one part of an SLO, e.g. `slo-availability-burn-5m-page`; the alarm name is then
    `{env}-{service}-slo-availability-burn-5m-page`."""
    return f"slo-{slo}-{part}"


def generated_dashboard_name(env: str, service: str, part: int = 1) -> str:
    """A service's generated dashboard: `{env}-{service}`; when split at CloudWatch's limits, the further parts
    are `{env}-{service}-2`, `-3`, ... so that the first keeps its name as the service grows."""
    base = dashboard_name(env, service)
    return base if part == 1 else f"{base}-{part}"


def dashboards_stack_name(env: str) -> str:
    """The stack holding an environment's declared dashboards that name no service."""
    return f"{vigil_prefix(env)}dashboards"


def query_definition_name(env: str, service: str, key: str) -> str:
    """A saved Logs Insights query: `{env}-{service}/{key}`, shown in the console folder `{env}-{service}`."""
    return f"{env}-{service}/{key}"


def partition(region: str) -> str:
    """The AWS partition of a region: aws-cn for cn-*, aws-us-gov for us-gov-*, else aws."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def alarm_arn(region: str, account: str, name: str) -> str:
    """The ARN of a metric or composite alarm, as dashboards (plain JSON strings) refer to it."""
    return f"arn:{partition(region)}:cloudwatch:{region}:{account}:alarm:{name}"


def drill_alarm_name(env: str, severity: Severity) -> str:
    """The routing drill alarm of one severity: `vigil-{env}-drill-{severity}`."""
    return f"{vigil_prefix(env)}drill-{severity}"


ALARMS_CONSTRUCT_ID = "Alarms"
"""The construct id under which a service stack holds its alarms; part of every alarm's logical id."""
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def logical_id(path: tuple[str, ...]) -> str:
    """The logical id the CDK gives a resource at construct `path` below its stack, e.g. ("Alarms", "api-down")
    -> `Alarmsapidown28C9862D`: the path's letters and digits (at most 240), then the first 8 hex digits of the
    MD5 of the path joined with `/`, in upper case. The same rule as the CDK's `makeUniqueId`: a logical id
    that changed would replace the alarm."""
    components = [part for part in path if part != "Default"]
    if len(components) == 1 and len(_NOT_ALPHANUMERIC.sub("", components[0])) <= 255:
        return _NOT_ALPHANUMERIC.sub("", components[0])
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    human: list[str] = []
    for part in components:
        if not human or not human[-1].endswith(part):
            human.append(part)
    return "".join(_NOT_ALPHANUMERIC.sub("", part) for part in human if part != "Resource")[:240] + digest


def target_scope(env: str, target: str | None) -> str:
    """What the names of one target start with in place of `{env}`: the environment name for an environment
    with one `account` and `region` (so its names never change), `{env}-{target}` for each of its `targets`, so
    that nothing named collides when targets share an account (dashboards, Chatbot configurations and IAM are
    global to an account) or a monitoring account holds the alarms of several targets of one region."""
    return env if target is None else f"{env}-{target}"


def regional_scope(env: str, region: str) -> str:
    """The scope of routing that one account holds per region (central routing in the monitoring account, the
    StackSet's per-account baseline): `{env}-{region}`, since its channel resources (Chatbot configurations) are
    global to the account."""
    return f"{env}-{region}"


def monitoring_stack_name(env: str, region: str) -> str:
    """The stack of an environment's monitoring account in one region (sink, StackSet, central routing)."""
    return f"vigil-{env}-monitoring-{region}"


def source_stack_name(scope: str, service: str) -> str:
    """With central routing, the stack that stays in a target's own account: the service's log groups, X-Ray
    and canaries (its alarms and dashboards live in the monitoring account)."""
    return f"vigil-{scope}-{service}-source"


def sink_name(env: str) -> str:
    """The CloudWatch cross-account observability sink of an environment (one per region)."""
    return f"vigil-{env}"


def stackset_name(env: str) -> str:
    """The StackSet that gives every account of the organisational units what it needs (one per region)."""
    return f"vigil-{env}-baseline"


def log_retention_function_name(env: str) -> str:
    """The StackSet's log retention function in each account and region, `vigil-{env}-log-retention` (its log
    group is `/aws/lambda/` and that name)."""
    return f"{vigil_prefix(env)}log-retention"


def organisation_dashboard_name(env: str) -> str:
    """The monitoring account's dashboard of every target's alarms: `{env}-organisation`."""
    return f"{env}-organisation"


def role_variable(env: str, account: str | None = None) -> str:
    """The CI repository variable holding the role a deployment assumes: `VIGIL_ROLE_{ENV}`, or
    `VIGIL_ROLE_{ENV}_{ACCOUNT}` (`account` given) in an environment with targets; upper case, `-` as `_`."""
    return (f"VIGIL_ROLE_{env}" + (f"_{account}" if account else "")).upper().replace("-", "_")


MANAGED_BY = ("managed-by", "vigil")
"""The tag on every stack and resource vigil creates (import tells vigil's log groups from others by it)."""


def stack_tags(tags: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """A stack's tags: `tags` plus MANAGED_BY, sorted by key."""
    return tuple(sorted({**dict(tags), MANAGED_BY[0]: MANAGED_BY[1]}.items()))

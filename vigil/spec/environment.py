"""The environment file (environments/<name>.yaml): where to deploy and who is notified for each severity."""

from __future__ import annotations

import fnmatch
import re
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from vigil.limits import MAX_RETENTION_PREFIXES
from vigil.spec.alarm_options import AccountId, NotifyState
from vigil.spec.logs import ExpiringRetention, LogGroupName
from vigil.spec.rules import RuleProblems
from vigil.spec.types import Key, Name, Severity, SpecModel

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Hosts a local environment's channel endpoint may name."""
_NOT_CHATBOT = {"not": {"anyOf": [{"required": ["workspace_id"]}, {"required": ["channel_id"]}]}}


class SecretRef(SpecModel):
    """A Secrets Manager secret, resolved at deploy or run time; its value never appears in a template."""

    secret: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9/_+=.@:-]{1,2048}$")] = Field(
        description="Secret name or ARN in the environment's account and region (another account's or region's "
                    "only when listed in the environment's allow.secrets)."
    )
    field: str | None = Field(
        default=None, description="JSON key inside the secret string; default: the whole secret string."
    )


class PagerDutyChannel(SpecModel):
    """PagerDuty through its CloudWatch integration: an SNS HTTPS subscription that also resolves on OK."""

    type: Literal["pagerduty"] = Field(description="Channel type.")
    integration_key: SecretRef = Field(description="Secret holding the PagerDuty CloudWatch integration key.")
    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="Only in a local environment: deliver to this http(s) URL on loopback instead, "
        "for end-to-end tests against LocalStack."
    )


class SlackChannel(SpecModel):
    """Slack, either through AWS Chatbot (`workspace_id` + `channel_id`) or an incoming webhook (`webhook`)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["webhook"], **_NOT_CHATBOT},
        {"required": ["workspace_id", "channel_id"], "not": {"required": ["webhook"]}},
        {"required": ["endpoint"]},
    ]})

    type: Literal["slack"] = Field(description="Channel type.")
    workspace_id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{9,11}$")] | None = Field(
        default=None, description="Slack workspace (team) id, e.g. T0123ABCD, authorised in AWS Chatbot."
    )
    channel_id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{9,11}$")] | None = Field(
        default=None, description="Slack channel id, e.g. C0123ABCD."
    )
    webhook: SecretRef | None = Field(
        default=None, description="Secret holding the incoming-webhook URL, read by the forwarder function."
    )
    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="Only in a local environment: deliver to this http(s) URL on loopback instead, "
        "for end-to-end tests against LocalStack."
    )

    @model_validator(mode="after")
    def _one_way_to_slack(self) -> Self:
        problems = RuleProblems()
        chatbot = self.workspace_id is not None or self.channel_id is not None
        if self.endpoint is not None:
            pass  # a local endpoint replaces both ways
        elif chatbot and self.webhook is not None:
            problems.add(("webhook",), "expected either webhook or workspace_id + channel_id, not both")
        elif chatbot and (self.workspace_id is None or self.channel_id is None):
            missing = "channel_id" if self.channel_id is None else "workspace_id"
            problems.add((missing,), "required field is missing; AWS Chatbot needs workspace_id and channel_id")
        elif not chatbot and self.webhook is None:
            problems.add((), "expected webhook, or workspace_id and channel_id")
        problems.raise_any(type(self))
        return self


class EmailChannel(SpecModel):
    """An SNS email subscription; the address must confirm it once."""

    type: Literal["email"] = Field(description="Channel type.")
    address: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)] = Field(
        description="Recipient address; it receives a confirmation mail once."
    )
    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="Only in a local environment: deliver to this http(s) URL on loopback instead, "
        "for end-to-end tests against LocalStack."
    )


SecretArnPattern = Annotated[str, StringConstraints(
    pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@*?-]+$", max_length=2048)]
"""A Secrets Manager secret ARN, where `*` matches any characters and `?` one."""

HostName = Annotated[str, StringConstraints(
    pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", max_length=253)]
"""A DNS host name in lower case, e.g. chat.example.com (no IP address, port or path)."""


class AllowList(SpecModel):
    """Exceptions to an environment's boundaries. Each entry is a decision reviewed in the environment file."""

    secrets: list[SecretArnPattern] = Field(
        default_factory=list,
        description="Secrets outside this environment's account and region that channels and canaries may name: "
                    "secret ARNs, where * matches any characters, e.g. "
                    "arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/slack-*. Default: none.",
    )
    webhook_hosts: list[HostName] = Field(
        default_factory=list,
        description="Hosts that Slack webhook forwarders may post to besides Slack's own (hooks.slack.com, "
                    "hooks.slack-gov.com); always over https, never to private addresses. Default: none.",
    )


def secret_problem(secret: str, account: str, region: str, allowed: list[str]) -> str | None:
    """Why `secret` (a name or an ARN) may not be read by an environment of `account` and `region` with the
    allow-list `allowed`, or None when it may. A name always resolves in the environment's own account and
    region; an ARN must be there too, unless it matches an allow-list pattern."""
    if not secret.startswith("arn:"):
        return None
    parts = secret.split(":", 6)
    if len(parts) == 7 and parts[2:6] == ["secretsmanager", region, account, "secret"]:
        return None
    if any(fnmatch.fnmatchcase(secret, pattern) for pattern in allowed):
        return None
    return (f"expected a secret of this environment's account {account} and region {region}, got "
            f'"{secret}"; list it under allow.secrets in the environment file to read it anyway')


LOCAL_ACCOUNT = "000000000000"
"""LocalStack's default account id; no real AWS account has it."""
LOCAL_ACCOUNT_PATTERN = r"^0{10}\d{2}$"
"""Accounts a local environment may name: LocalStack takes a 12-digit access key id as the account, and vigil's
local environments use 000000000000 to 000000000099, which no real AWS account has."""

Channel = Annotated[PagerDutyChannel | SlackChannel | EmailChannel, Field(discriminator="type")]
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-\d$"
"""An AWS region code, e.g. us-east-1, us-gov-west-1."""
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
TargetName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,19}$")]
"""A target name: lowercase letters, digits and `-`, at most 20; it becomes part of stack and resource names."""
OrganizationalUnit = Annotated[str, StringConstraints(pattern=r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")]
"""An organisational unit id (ou-abcd-12345678) or the organisation root (r-abcd)."""


class TargetSpec(SpecModel):
    """One account and region an environment deploys to."""

    account: AccountId = Field(description="12-digit AWS account id.")
    region: Region = Field(description="AWS region, e.g. eu-west-1.")


class MonitoringSpec(SpecModel):
    """The central monitoring account: CloudWatch cross-account observability sinks in every region of the
    targets, the organisation's dashboards and, with `routing: central`, every alarm and its routing."""

    account: AccountId = Field(description="12-digit id of the monitoring account.")
    region: Region = Field(description="Home region: the organisation dashboard and the StackSet live here.")
    organization_id: Annotated[str, StringConstraints(pattern=r"^o-[a-z0-9]{10,32}$")] | None = Field(
        default=None, description="AWS Organizations id (o-...): any account of the organisation may link to the "
        "sinks. Default: only the targets' accounts and the environment's `source_accounts`.")


class LogRetentionSpec(SpecModel):
    """A retention for the log groups every account of the StackSet already has, and for those created later:
    a function in each account and region sets it when the StackSet's stack is created or updated, and daily.
    Removing it (or the account leaving the OUs) changes no log group back."""

    retention: ExpiringRetention = Field(
        description="How long events are kept, in days CloudWatch Logs accepts (e.g. 30d; not never). Also the "
                    "retention of the function's own log group.")
    prefixes: list[LogGroupName] = Field(
        default_factory=list, max_length=MAX_RETENTION_PREFIXES,
        description=f"Only log groups whose names start with one of these, e.g. /aws/lambda/ (at most "
                    f"{MAX_RETENTION_PREFIXES}, none covering another). Default: every log group of the account "
                    "and region.")
    apply_to: Literal["never-expire", "never-expire-or-longer"] = Field(
        default="never-expire",
        description="never-expire (default): only log groups without a retention, whose events are kept forever; "
                    "never-expire-or-longer: also shorten longer retentions to `retention`. A shorter retention "
                    "is never lengthened.")

    @model_validator(mode="after")
    def _distinct_prefixes(self) -> Self:
        problems = RuleProblems()
        for index, prefix in enumerate(self.prefixes):
            wider = next(((i, other) for i, other in enumerate(self.prefixes)
                          if i != index and prefix.startswith(other) and (other != prefix or i < index)), None)
            if wider is not None:
                problems.add(("prefixes", index), f'"{prefix}" is already covered by "{wider[1]}" '
                                                  f"(prefixes[{wider[0]}]); keep one")
        problems.raise_any(type(self))
        return self


class StackSetSpec(SpecModel):
    """What every account of some organisational units needs (the OAM link; with `routing: central` the
    CloudWatch sharing role; with `routing: per-account` the severity topics and channels; with `log_retention`
    a retention for their log groups), rolled out by
    CloudFormation StackSets with service-managed permissions from the monitoring account (a delegated
    administrator for StackSets)."""

    organizational_units: Annotated[list[OrganizationalUnit], Field(min_length=1)] = Field(
        json_schema_extra={"uniqueItems": True},
        description="OUs (or the root r-...) whose accounts get the StackSet's stack, in every target region.")
    regions: list[Region] | None = Field(default=None, json_schema_extra={"uniqueItems": True},
                                         description="Regions of the stack instances; default: the regions of "
                                         "the targets and those that preset alarms are pinned to (us-east-1 for "
                                         "CloudFront and Route 53 health checks).")
    auto_deployment: bool = Field(default=True, description="Deploy to accounts that join the OUs later; "
                                  "default true.")
    retain_stacks_on_account_removal: bool = Field(default=False, description="Keep an account's stack when it "
                                                   "leaves the OUs; default false (deleted).")
    failure_tolerance_percentage: int = Field(default=0, ge=0, le=100, description="Per region, the percentage "
                                              "of accounts whose deployment may fail before the operation stops "
                                              "there; default 0.")
    max_concurrent_percentage: int = Field(default=25, ge=1, le=100, description="Per region, the percentage of "
                                           "accounts deployed at once; default 25.")
    concurrency_mode: Literal["soft", "strict"] = Field(
        default="soft", description="soft (default): `max_concurrent_percentage` of the accounts deploy at once "
        "whatever fails; strict: CloudFormation lowers that to one account more than the failure tolerance "
        "allows to fail, so `max_concurrent_percentage` may not exceed `failure_tolerance_percentage`.")
    region_concurrency: Literal["parallel", "sequential"] = Field(default="parallel",
                                                                  json_schema_extra={"const": "parallel"},
                                                                  description="Only "
                                                                  "parallel (the default): each region has a "
                                                                  "StackSet of its own, in the monitoring "
                                                                  "account's stack of that region.")
    log_retention: LogRetentionSpec | None = Field(
        default=None, description="A retention for every account's log groups that have none (CloudWatch Logs "
                                  "keeps their events forever), existing ones and those created later. Default: "
                                  "none; log groups keep what they have.")

    @model_validator(mode="after")
    def _operation_preferences(self) -> Self:
        problems = RuleProblems()
        for index, unit in enumerate(self.organizational_units):
            if unit in self.organizational_units[:index]:
                problems.add(("organizational_units", index), f"{unit} is listed twice", unit)
        for index, region in enumerate(self.regions or ()):
            if region in (self.regions or ())[:index]:
                problems.add(("regions", index), f"{region} is listed twice", region)
        if self.region_concurrency == "sequential":
            problems.add(("region_concurrency",), "each region has a StackSet of its own (in the monitoring "
                                                  "account's stack of that region), so there is no order of regions "
                                                  "to follow; deploy those stacks one by one instead", "sequential")
        # CloudFormation's STRICT_FAILURE_TOLERANCE runs at most FailureTolerance + 1 accounts at once, whatever
        # MaxConcurrent says (rounded down, the tolerance to whole accounts): see ConcurrencyMode in
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html
        most = max(self.failure_tolerance_percentage, 1)
        if self.concurrency_mode == "strict" and self.max_concurrent_percentage > most:
            problems.add(("max_concurrent_percentage",),
                         f"with concurrency_mode: strict CloudFormation deploys at most one account more than "
                         f"failure_tolerance_percentage ({self.failure_tolerance_percentage}%) lets fail, never "
                         f"{self.max_concurrent_percentage}% at once; lower it to "
                         f"{most} or less, raise failure_tolerance_percentage, "
                         "or use concurrency_mode: soft", self.max_concurrent_percentage)
        problems.raise_any(type(self))
        return self


class EnvironmentSpec(SpecModel):
    """One environment: where it deploys (one `account` and `region`, or several `targets`), severity routes
    and channels."""

    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"local": {"const": True}}, "required": ["local"]},
        "then": {"properties": {
            "account": {"pattern": LOCAL_ACCOUNT_PATTERN},
            "channels": {"additionalProperties": {"properties": {"endpoint": {
                "pattern": r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/\S*)?$"}}}},
        }},
        "else": {"properties": {"channels": {"additionalProperties": {"not": {"required": ["endpoint"]}}}}},
    })

    version: Literal[1] = Field(description="Spec format version; must be 1.")
    name: Name = Field(description="Environment name; must match the file name (prod for prod.yaml).")
    account: AccountId | None = Field(default=None, description="12-digit AWS account id (with `region`; or "
                                      "`targets`).")
    region: Region | None = Field(default=None, description="AWS region, e.g. us-east-1 (with `account`).")
    targets: dict[TargetName, TargetSpec] | None = Field(
        default=None, description="Several accounts and regions by name, instead of `account` and `region`. "
        "Stacks and resource names then carry the target: vigil-{env}-{target}-{service}, {env}-{target}-...")
    monitoring: MonitoringSpec | None = Field(default=None, description="A central monitoring account watching "
                                              "the targets (CloudWatch cross-account observability).")
    routing: Literal["central", "per-account"] = Field(
        default="per-account", description="Where alarms and routing live: in each target's account "
        "(per-account, default) or only in the monitoring account (central), which then holds every alarm on "
        "the targets' metrics.")
    stackset: StackSetSpec | None = Field(default=None, description="Roll what every account needs out to "
                                          "organisational units with a StackSet (needs `monitoring`).")
    protected: bool = Field(default=False, description="Refuse drills and other disruptive commands unless forced.")
    local: bool = Field(default=False, description="A LocalStack environment for end-to-end tests: its accounts "
                        "must be LocalStack's (000000000000 to 000000000099), and only it may override channel "
                        "endpoints.")
    routes: dict[Severity, list[Key]] = Field(
        description="Severity (critical, warning, info) -> names of channels notified. A severity left out "
        "notifies nobody."
    )
    channels: dict[Key, Channel] = Field(default_factory=dict, description="Notification channels by name.")
    notify: dict[Severity, list[NotifyState]] = Field(
        default_factory=dict, description="States whose entry notifies each severity's channels; default: "
                                          "critical and warning [alarm, ok], info [alarm]. An alarm's own notify "
                                          "overrides it.")
    source_accounts: list[AccountId] = Field(
        default_factory=list, json_schema_extra={"uniqueItems": True},
        description="Accounts whose metrics this environment's alarms may read besides its own and its targets' "
                    "(it is their CloudWatch cross-account observability monitoring account), each once.")
    allow: AllowList = Field(default_factory=AllowList, description="Exceptions to the environment's "
                             "boundaries: secrets of other accounts or regions, webhook hosts besides Slack's.")
    vars: dict[str, Any] = Field(default_factory=dict, description="Values for Jinja2 templates in specs: vars.x.")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags added to every resource.")

    def secret_problem(self, secret: str) -> str | None:
        """Why this environment's channels and canaries may not read `secret`, or None (see `secret_problem`)."""
        return secret_problem(secret, self.account, self.region, self.allow.secrets)

    @model_validator(mode="after")
    def _routes_channels_and_secrets(self) -> Self:
        problems = RuleProblems()
        for severity, channels in self.routes.items():
            for index, channel in enumerate(channels):
                if channel not in self.channels:
                    known = ", ".join(sorted(self.channels)) or "none defined"
                    problems.add(("routes", severity, index), f'unknown channel "{channel}"; channels: {known}')
        self._check_targets(problems)
        for name, channel in self.channels.items():
            if channel.endpoint is None:
                continue
            if not self.local:
                problems.add(("channels", name, "endpoint"), "only allowed in a local environment (local: true)")
            elif urlsplit(channel.endpoint).hostname not in LOOPBACK_HOSTS:
                problems.add(("channels", name, "endpoint"), f"expected a loopback URL (127.0.0.1 or localhost), "
                                                             f'got "{channel.endpoint}"')
        for name, channel in self.channels.items():
            field, ref = (("integration_key", channel.integration_key) if isinstance(channel, PagerDutyChannel)
                          else ("webhook", channel.webhook) if isinstance(channel, SlackChannel) else ("", None))
            message = ref and self.secret_problem(ref.secret)
            if ref is not None and message:
                problems.add(("channels", name, field, "secret"), message, ref.secret)
        problems.raise_any(type(self))
        return self

    def _check_targets(self, problems: RuleProblems) -> None:
        """Where the environment deploys: `account` and `region`, or `targets` (one account in one region
        each); what `monitoring`, `routing: central` and `stackset` need; the accounts of a local environment."""
        if self.targets is not None:
            if not self.targets:
                problems.add(("targets",), "expected at least one target")
            for field in ("account", "region"):
                if getattr(self, field) is not None:
                    problems.add((field,), f"expected either {field} or targets, not both: each target names its "
                                           "account and region")
            seen: dict[tuple[str, str], str] = {}
            for name, target in sorted(self.targets.items()):
                where = (target.account, target.region)
                if where in seen:
                    problems.add(("targets", name), f'account {target.account} in {target.region} is already '
                                                    f'target "{seen[where]}"; a target is one account in one region')
                seen.setdefault(where, name)
        else:
            for field in ("account", "region"):
                if getattr(self, field) is None:
                    problems.add((field,), MISSING_FIELD)
            for field in ("monitoring", "stackset"):
                if getattr(self, field) is not None:
                    problems.add((field,), "needs targets: a monitoring account watches an environment's targets")
        self._check_organisation(problems)
        if self.routing == "central" and self.monitoring is None:
            problems.add(("routing",), "central routing needs a monitoring account (monitoring: {account, region})")
        if self.stackset is not None and self.monitoring is None and self.targets is not None:
            problems.add(("stackset",), "needs a monitoring account: the StackSet links every account to its sink")
        if self.stackset is not None and self.routing == "per-account":
            for name, channel in self.channels.items():
                if isinstance(channel, SlackChannel) and channel.webhook is not None and channel.endpoint is None:
                    problems.add(("channels", name, "webhook"),
                                 "a StackSet carries the routing with per-account routing, and its template cannot "
                                 "carry the forwarder function's code; use a Chatbot channel (workspace_id, "
                                 "channel_id) or routing: central")
        if self.local:
            accounts: list[tuple[tuple[str | int, ...], str | None]] = [(("account",), self.account)]
            accounts += [(("targets", name, "account"), t.account) for name, t in (self.targets or {}).items()]
            if self.monitoring is not None:
                accounts.append((("monitoring", "account"), self.monitoring.account))
            for path, account in accounts:
                if account is not None and not re.match(LOCAL_ACCOUNT_PATTERN, account):
                    problems.add(path, f"a local environment must use LocalStack's accounts (000000000000 to "
                                       f"000000000099), got {account}")


    def _check_organisation(self, problems: RuleProblems) -> None:
        """Where the monitoring account and the StackSet work (the targets' regions: CloudWatch alarms and OAM
        links stay in their region), and which accounts `source_accounts` may add (none watched already)."""
        target_regions = sorted({t.region for t in (self.targets or {}).values()})
        stackset_regions = list(self.stackset.regions or ()) if self.stackset is not None else []
        if self.targets and stackset_regions:
            missing = [region for region in target_regions if region not in stackset_regions]
            if missing:
                problems.add(("stackset", "regions"), f"expected every target's region, missing "
                                                      f"{', '.join(missing)}: the StackSet links each account to "
                                                      "the sink of its region, and a target without a link is "
                                                      "watched by nothing; leave regions out to take the targets'")
        monitoring_regions = sorted({*target_regions, *stackset_regions})
        if self.targets and self.monitoring is not None and self.monitoring.region not in monitoring_regions:
            problems.add(("monitoring", "region"), f"expected one of the regions the monitoring account serves "
                                                   f"({', '.join(monitoring_regions)}), got {self.monitoring.region}: "
                                                   "the organisation dashboard lives in the monitoring stack of "
                                                   "its home region, and there is none elsewhere")
        watched = {t.account: f'target "{name}"' for name, t in sorted((self.targets or {}).items(), reverse=True)}
        if self.account is not None:
            watched[self.account] = "the environment's own account"
        if self.monitoring is not None:
            watched[self.monitoring.account] = "the monitoring account"
        for index, account in enumerate(self.source_accounts):
            if account in self.source_accounts[:index]:
                problems.add(("source_accounts", index), f"{account} is listed twice", account)
            elif account in watched:
                problems.add(("source_accounts", index), f"{account} is {watched[account]}, watched already; "
                                                         "list only other accounts here", account)


MISSING_FIELD = "required field is missing"
"""How a missing required field is reported (pydantic's words)."""


def missing_place(data: object) -> list[tuple[str, str]]:
    """(field, message) for `account` and `region` missing from an environment file's data without `targets`:
    read from the data, so that they are reported with the model's other problems, not only once those are
    fixed (the model's own check runs only on an otherwise valid file)."""
    if not isinstance(data, dict) or "targets" in data:
        return []
    return [(field, MISSING_FIELD) for field in ("account", "region") if field not in data]

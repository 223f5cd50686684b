"""The environment file (environments/<name>.yaml): where to deploy and who is notified for each severity."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from vigil.spec.alarm_options import AccountId, NotifyState
from vigil.spec.rules import RuleProblems
from vigil.spec.types import Key, Name, Severity, SpecModel

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Hosts a local environment's channel endpoint may name."""
_NOT_CHATBOT = {"not": {"anyOf": [{"required": ["workspace_id"]}, {"required": ["channel_id"]}]}}


class SecretRef(SpecModel):
    """A Secrets Manager secret, resolved at deploy or run time; its value never appears in a template."""

    secret: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9/_+=.@:-]{1,2048}$")] = Field(
        description="Secret name or ARN in the environment's account and region."
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


LOCAL_ACCOUNT = "000000000000"
"""LocalStack's account id; no real AWS account has it."""

Channel = Annotated[PagerDutyChannel | SlackChannel | EmailChannel, Field(discriminator="type")]


class EnvironmentSpec(SpecModel):
    """One deployment target: account, region, severity routes and channels."""

    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"local": {"const": True}}, "required": ["local"]},
        "then": {"properties": {
            "account": {"const": LOCAL_ACCOUNT},
            "channels": {"additionalProperties": {"properties": {"endpoint": {
                "pattern": r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/\S*)?$"}}}},
        }},
        "else": {"properties": {"channels": {"additionalProperties": {"not": {"required": ["endpoint"]}}}}},
    })

    version: Literal[1] = Field(description="Spec format version; must be 1.")
    name: Name = Field(description="Environment name; must match the file name (prod for prod.yaml).")
    account: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] = Field(description="12-digit AWS account id.")
    region: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] = Field(
        description="AWS region, e.g. us-east-1."
    )
    protected: bool = Field(default=False, description="Refuse drills and other disruptive commands unless forced.")
    local: bool = Field(default=False, description="A LocalStack environment for end-to-end tests: its account "
                        "must be LocalStack's 000000000000, and only it may override channel endpoints.")
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
        default_factory=list, description="Accounts whose metrics this environment's alarms may read (it is their "
                                          "CloudWatch cross-account observability monitoring account).")
    vars: dict[str, Any] = Field(default_factory=dict, description="Values for Jinja2 templates in specs: vars.x.")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags added to every resource.")

    @model_validator(mode="after")
    def _routes_and_local_channels(self) -> Self:
        problems = RuleProblems()
        for severity, channels in self.routes.items():
            for index, channel in enumerate(channels):
                if channel not in self.channels:
                    known = ", ".join(sorted(self.channels)) or "none defined"
                    problems.add(("routes", severity, index), f'unknown channel "{channel}"; channels: {known}')
        if self.local and self.account != LOCAL_ACCOUNT:
            problems.add(("local",), f"a local environment must use LocalStack's account {LOCAL_ACCOUNT}, got "
                                     f"{self.account}")
        for name, channel in self.channels.items():
            if channel.endpoint is None:
                continue
            if not self.local:
                problems.add(("channels", name, "endpoint"), "only allowed in a local environment (local: true)")
            elif urlsplit(channel.endpoint).hostname not in LOOPBACK_HOSTS:
                problems.add(("channels", name, "endpoint"), f"expected a loopback URL (127.0.0.1 or localhost), "
                                                             f'got "{channel.endpoint}"')
        problems.raise_any(type(self))
        return self

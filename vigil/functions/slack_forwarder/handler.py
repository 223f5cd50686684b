"""Forward CloudWatch alarm notifications from SNS to a Slack incoming webhook.

Deployed as an AWS Lambda function (Python 3.13 runtime, handler
``handler.handler``) subscribed to a vigil severity SNS topic. Only the
standard library and boto3 (bundled with the Lambda runtime) are used.

Environment variables:

``WEBHOOK_SECRET_ID`` (required)
    Secrets Manager secret id or ARN. The secret string is either the bare
    webhook URL or a JSON object with key ``url`` (or ``webhook_url``).
``VIGIL_ENV`` (optional, default ``"unknown"``)
    Environment name shown in every message, e.g. ``prod``.
``POST_TIMEOUT_SECONDS`` (optional, default ``10``)
    Timeout in seconds for the HTTP POST to Slack.
``LOG_LEVEL`` (optional, default ``INFO``)
    Level of this module's logger.
``WEBHOOK_ALLOWED_HOSTS`` (optional)
    Comma-separated host names the function may post to besides Slack's
    webhook hosts (``hooks.slack.com``, ``hooks.slack-gov.com``), from the
    environment file's ``allow.webhook_hosts``.

Destinations: the function posts only over https, on port 443, to Slack's
webhook hosts or the allowed ones, and only when every address the host
resolves to is public (never loopback, link-local or private); redirects are
not followed. A secret holding any other URL is refused before any request.

Alarm fields: severity, owner and runbook are read only from the structured
description vigil writes (``Label: value`` lines in a fixed order, from
``Summary`` to ``Source: ... (managed by vigil)``); any other description is
shown whole as the summary, so text inside it cannot pose as a field.

Webhook URL caching: the URL is fetched on first use and cached for the life
of the Lambda execution environment. If a POST is rejected with a 4xx status
other than 429 (e.g. 403/404/410 after the webhook was revoked and the secret
rotated), the cache is dropped and the secret fetched once more; the message
is re-sent only if the secret now holds a different URL, otherwise the
original error is raised. 429 and 5xx are never retried here: the error is
raised so the asynchronous SNS -> Lambda invocation is retried by Lambda and
the failure is visible in metrics.

Security: the webhook URL is a credential. It is never logged and never placed
in exception messages; logs contain only the alarm name, HTTP status code and
exception type names.
"""

import http.client
import ipaddress
import json
import logging
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

LOGGER_NAME = "vigil.slack_forwarder"
logger = logging.getLogger(LOGGER_NAME)
_level = logging.getLevelName(os.environ.get("LOG_LEVEL", "INFO").upper())
logger.setLevel(_level if isinstance(_level, int) else logging.INFO)

DEFAULT_POST_TIMEOUT_SECONDS = 10.0
"""Default HTTP POST timeout, in seconds."""

DEFAULT_ENVIRONMENT = "unknown"
"""Environment label used when ``VIGIL_ENV`` is unset."""

MAX_SECTION_TEXT_CHARS = 2900
"""Slack limits section text to 3000 characters; keep a margin for markup."""

MAX_HEADER_CHARS = 150
"""Slack limit for header block text, in characters."""

MAX_PLAIN_TEXT_CHARS = 3900
"""Cap for forwarded non-alarm messages, in characters."""

STATE_STYLES: dict[str, tuple[str, str]] = {
    "ALARM": (":red_circle:", "#D00000"),
    "OK": (":large_green_circle:", "#2EB67D"),
    "INSUFFICIENT_DATA": (":white_circle:", "#9E9E9E"),
}
"""Alarm state -> (Slack emoji shortcode, attachment colour)."""

UNKNOWN_STATE_STYLE = (":grey_question:", "#9E9E9E")

SLACK_WEBHOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
"""Hosts of Slack incoming webhooks (GovSlack's are on hooks.slack-gov.com)."""

DESCRIPTION_LABELS = (
    "Summary",
    "Condition",
    "Severity",
    "Environment",
    "Owner",
    "Runbook",
    "Source",
)
"""The labels of vigil's alarm descriptions, in the order vigil writes them
(vigil/plan/describe.py); Summary and Source are always present."""

MANAGED_SUFFIX = " (managed by vigil)"
"""How the Source line of a vigil description ends."""

_cached_webhook_url: str | None = None


class WebhookPostError(RuntimeError):
    """The webhook POST failed.

    Attributes:
        status: HTTP status code returned by Slack, or ``None`` when no HTTP
            response was received (timeout, DNS or connection failure).

    The message never contains the webhook URL.
    """

    def __init__(self, status: int | None, detail: str) -> None:
        """Create the error from a status code and a URL-free detail string."""
        self.status = status
        super().__init__(f"Slack webhook POST failed (status={status}): {detail}")

    @property
    def may_be_stale_url(self) -> bool:
        """True for 4xx other than 429, which may mean the URL was revoked."""
        return (
            self.status is not None and 400 <= self.status < 500 and self.status != 429
        )


@dataclass(frozen=True)
class AlarmNotification:
    """The fields of a CloudWatch alarm SNS notification that vigil displays.

    Attributes:
        name: Alarm name.
        new_state: ``ALARM``, ``OK`` or ``INSUFFICIENT_DATA``.
        old_state: Previous state, or ``None`` if absent.
        reason: ``NewStateReason`` text.
        region: Region code (e.g. ``us-east-1``), or ``None`` if unknown.
        account: AWS account id, or ``None`` if unknown.
        state_change_time: ``StateChangeTime`` as sent by CloudWatch (ISO 8601).
        summary: ``Summary:`` line of the description (or the whole
            description when it has no structured lines).
        owner: ``Owner:`` line of the description.
        runbook: ``Runbook:`` URL (http/https only) from the description.
        severity: ``Severity:`` line of the description.
        metric: Short metric description for metric alarms.
        alarm_rule: ``AlarmRule`` for composite alarms.
        triggering_children: Names of child alarms that triggered a composite.
    """

    name: str
    new_state: str
    old_state: str | None = None
    reason: str = ""
    region: str | None = None
    account: str | None = None
    state_change_time: str | None = None
    summary: str | None = None
    owner: str | None = None
    runbook: str | None = None
    severity: str | None = None
    metric: str | None = None
    alarm_rule: str | None = None
    triggering_children: tuple[str, ...] = field(default_factory=tuple)

    @property
    def console_url(self) -> str | None:
        """CloudWatch console link to the alarm, or ``None`` without a region."""
        if not self.region:
            return None
        quoted = urllib.parse.quote(self.name, safe="")
        return (
            f"https://{self.region}.console.aws.amazon.com/cloudwatch/home"
            f"?region={self.region}#alarmsV2:alarm/{quoted}"
        )


# --------------------------------------------------------------------------- parsing


def _arn_part(arn: str | None, index: int) -> str | None:
    """Return colon-separated ARN field ``index`` (3 = region, 4 = account)."""
    if not arn or not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 6)
    if len(parts) < 6:
        return None
    return parts[index] or None


def _alarm_name_from_arn(arn: str) -> str:
    """Return the alarm name of a CloudWatch alarm ARN (or the ARN itself)."""
    marker = ":alarm:"
    return arn.split(marker, 1)[1] if marker in arn else arn


def parse_description(description: str | None) -> dict[str, str]:
    """Extract the fields of a description vigil wrote.

    A vigil description is a block of ``Label: value`` lines, labels in the
    order of ``DESCRIPTION_LABELS``, each at most once, starting with
    ``Summary`` and ending with ``Source: ... (managed by vigil)``; vigil
    escapes every value to one line. Returns lower-case keys among
    ``summary``, ``owner``, ``runbook``, ``severity``. Any other description
    (hand-written, another tool's, or one a value tried to extend) is
    returned whole as ``summary``: no runbook or severity is read from free
    text. A runbook that is not an http(s) URL is dropped.
    """
    if not description or not description.strip():
        return {}
    fields = _structured_fields(description.split("\n"))
    if fields is None:
        return {"summary": description.strip()}
    runbook = fields.get("runbook")
    if runbook and urllib.parse.urlsplit(runbook).scheme not in ("http", "https"):
        del fields["runbook"]
    return {k: v for k, v in fields.items() if k in ("summary", "owner", "runbook", "severity")}


def _structured_fields(lines: list[str]) -> dict[str, str] | None:
    """The fields of vigil's description lines, or None when they are not exactly that shape."""
    fields: dict[str, str] = {}
    position = -1
    for line in lines:
        label, separator, value = line.partition(": ")
        if not separator or label not in DESCRIPTION_LABELS or not value:
            return None
        index = DESCRIPTION_LABELS.index(label)
        if index <= position:
            return None
        position = index
        fields[label.lower()] = value
    if "summary" not in fields or not fields.get("source", "").endswith(MANAGED_SUFFIX):
        return None
    return fields


def _describe_metric(trigger: Any) -> str | None:
    """Summarise a metric alarm ``Trigger``.

    Example: ``AWS/ApplicationELB HealthyHostCount (MINIMUM) LessThanThreshold 1.0``.
    Returns ``None`` for metric-math alarms (no ``MetricName``) and composites.
    """
    if not isinstance(trigger, dict) or not trigger.get("MetricName"):
        return None
    statistic = trigger.get("Statistic") or trigger.get("ExtendedStatistic") or ""
    parts = [f"{trigger.get('Namespace', '')} {trigger['MetricName']}".strip()]
    if statistic:
        parts.append(f"({statistic})")
    if (
        trigger.get("ComparisonOperator") is not None
        and trigger.get("Threshold") is not None
    ):
        parts.append(f"{trigger['ComparisonOperator']} {trigger['Threshold']}")
    return " ".join(parts)


def parse_alarm_message(message: str) -> AlarmNotification | None:
    """Parse an SNS ``Message`` sent by CloudWatch for a metric or composite alarm.

    Returns ``None`` if the message is not JSON or is not an alarm state
    change notification (no ``AlarmName``/``NewStateValue``); callers then
    forward it as plain text. The region is taken from ``AlarmArn`` (the
    ``Region`` field holds a display name such as "US East (N. Virginia)"),
    falling back to the function's own ``AWS_REGION``.
    """
    try:
        data = json.loads(message)
    except (TypeError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or not data.get("AlarmName")
        or not data.get("NewStateValue")
    ):
        return None

    arn = data.get("AlarmArn")
    described = parse_description(data.get("AlarmDescription"))
    children = tuple(
        _alarm_name_from_arn(child["Arn"])
        for child in data.get("TriggeringChildren") or []
        if isinstance(child, dict) and isinstance(child.get("Arn"), str)
    )
    return AlarmNotification(
        name=str(data["AlarmName"]),
        new_state=str(data["NewStateValue"]),
        old_state=data.get("OldStateValue"),
        reason=str(data.get("NewStateReason") or ""),
        region=_arn_part(arn, 3) or os.environ.get("AWS_REGION"),
        account=data.get("AWSAccountId") or _arn_part(arn, 4),
        state_change_time=data.get("StateChangeTime"),
        summary=described.get("summary"),
        owner=described.get("owner"),
        runbook=described.get("runbook"),
        severity=described.get("severity"),
        metric=_describe_metric(data.get("Trigger")),
        alarm_rule=data.get("AlarmRule"),
        triggering_children=children,
    )


# --------------------------------------------------------------------------- formatting


def escape_mrkdwn(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` as Slack mrkdwn requires."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_timestamp(value: str | None) -> str:
    """Render a CloudWatch timestamp as UTC text.

    ``2024-05-01T12:00:00.000+0000`` becomes ``2024-05-01 12:00:00 UTC``.

    Unparseable values are returned unchanged; ``None`` becomes ``"n/a"``.
    """
    if not value:
        return "n/a"
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            parsed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return value


def _field(label: str, value: str | None) -> dict[str, str]:
    """Build one mrkdwn field of a section block."""
    return {"type": "mrkdwn", "text": f"*{label}*\n{escape_mrkdwn(value or 'n/a')}"}


def _section(text: str) -> dict[str, Any]:
    """Build a mrkdwn section block (text must already be escaped)."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _truncate(text, MAX_SECTION_TEXT_CHARS)},
    }


def format_slack_message(alarm: AlarmNotification, environment: str) -> dict[str, Any]:
    """Build the Slack webhook payload for an alarm notification.

    The payload has a top-level ``text`` (used for notifications and as the
    fallback) and one attachment carrying the state colour and the blocks;
    attachments are the only way to get a coloured bar in Slack.
    """
    emoji, colour = STATE_STYLES.get(alarm.new_state, UNKNOWN_STATE_STYLE)
    transition = (
        f"{alarm.old_state} → {alarm.new_state}" if alarm.old_state else alarm.new_state
    )
    headline = f"{emoji} [{environment}] {alarm.new_state}: {alarm.name}"

    fields = [
        _field("State", transition),
        _field("Environment", environment),
        _field("Account", alarm.account),
        _field("Region", alarm.region),
        _field("Time", format_timestamp(alarm.state_change_time)),
    ]
    if alarm.severity:
        fields.append(_field("Severity", alarm.severity))
    if alarm.owner:
        fields.append(_field("Owner", alarm.owner))

    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": _truncate(headline, MAX_HEADER_CHARS),
                "emoji": True,
            },
        },
    ]
    if alarm.summary:
        blocks.append(_section(f"*Summary*\n{escape_mrkdwn(alarm.summary)}"))
    blocks.append({"type": "section", "fields": fields})
    blocks.append(_section(f"*Reason*\n{escape_mrkdwn(alarm.reason or 'n/a')}"))
    if alarm.metric:
        blocks.append(_section(f"*Metric*\n{escape_mrkdwn(alarm.metric)}"))
    if alarm.alarm_rule:
        blocks.append(_section(f"*Alarm rule*\n`{escape_mrkdwn(alarm.alarm_rule)}`"))
    if alarm.triggering_children:
        blocks.append(
            _section(
                f"*Triggered by*\n{escape_mrkdwn(', '.join(alarm.triggering_children))}"
            )
        )

    links = []
    if alarm.runbook:
        links.append(f":book: <{escape_mrkdwn(alarm.runbook)}|Runbook>")
    if alarm.console_url:
        links.append(f":mag: <{escape_mrkdwn(alarm.console_url)}|Open in CloudWatch>")
    if links:
        blocks.append(_section("   ".join(links)))

    fallback = headline + (f" — {alarm.summary}" if alarm.summary else "")
    return {
        "text": escape_mrkdwn(fallback),
        "attachments": [
            {"color": colour, "fallback": escape_mrkdwn(fallback), "blocks": blocks}
        ],
    }


def format_plain_message(
    message: str, subject: str | None, environment: str
) -> dict[str, Any]:
    """Build a payload forwarding a non-alarm SNS message as plain text."""
    title = f"[{environment}] {subject}" if subject else f"[{environment}] SNS message"
    body = _truncate(message, MAX_PLAIN_TEXT_CHARS)
    return {"text": escape_mrkdwn(f"{title}\n{body}")}


# --------------------------------------------------------------------------- I/O


def _secret_to_url(secret_string: str) -> str:
    """Extract the webhook URL from a bare-URL or JSON secret string (key ``WEBHOOK_SECRET_FIELD``, default
    ``url`` or ``webhook_url``)."""
    value = secret_string.strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            raise ValueError(
                "webhook secret looks like JSON but does not parse"
            ) from None
        field = os.environ.get("WEBHOOK_SECRET_FIELD")
        keys = (field,) if field else ("url", "webhook_url")
        value = (
            str(next((data[k] for k in keys if data.get(k)), "")).strip()
            if isinstance(data, dict)
            else ""
        )
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError("webhook secret does not contain an http(s) URL")
    return value


def clear_webhook_cache() -> None:
    """Forget the cached webhook URL so the next call refetches it."""
    global _cached_webhook_url
    _cached_webhook_url = None


def get_webhook_url() -> str:
    """Return the webhook URL from Secrets Manager, cached for the container's life.

    The secret id is read from ``WEBHOOK_SECRET_ID``. Raises ``KeyError`` if
    that variable is unset and ``ValueError`` if the secret holds no URL.
    """
    global _cached_webhook_url
    if _cached_webhook_url is None:
        client = boto3.client(
            "secretsmanager",
            config=Config(
                connect_timeout=5,
                read_timeout=5,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        response = client.get_secret_value(SecretId=os.environ["WEBHOOK_SECRET_ID"])
        secret_string = response.get("SecretString")
        if not secret_string:
            raise ValueError("webhook secret has no SecretString")
        _cached_webhook_url = _secret_to_url(secret_string)
    return _cached_webhook_url


def post_timeout_seconds() -> float:
    """Return the POST timeout in seconds from ``POST_TIMEOUT_SECONDS`` (default 10).

    Non-numeric or non-positive values fall back to the default.
    """
    raw = os.environ.get("POST_TIMEOUT_SECONDS")
    if not raw:
        return DEFAULT_POST_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        logger.warning(
            "Ignoring invalid POST_TIMEOUT_SECONDS; using %.0f s",
            DEFAULT_POST_TIMEOUT_SECONDS,
        )
        return DEFAULT_POST_TIMEOUT_SECONDS
    return value


def allowed_hosts() -> frozenset[str]:
    """Slack's webhook hosts and those in ``WEBHOOK_ALLOWED_HOSTS``, lower case."""
    extra = os.environ.get("WEBHOOK_ALLOWED_HOSTS", "")
    return SLACK_WEBHOOK_HOSTS | {
        host.strip().lower().rstrip(".") for host in extra.split(",") if host.strip()
    }


def check_destination(url: str) -> None:
    """Raise ``WebhookPostError`` unless ``url`` may receive alarm messages.

    It must be https on port 443 to an allowed host (``allowed_hosts``), and
    every address the host resolves to must be public: a webhook secret can
    never point the function at loopback, link-local (the instance metadata
    service) or private addresses. Messages never include the URL.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https":
        raise WebhookPostError(None, "the webhook URL is not https")
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if host not in allowed_hosts() or port not in (None, 443):
        raise WebhookPostError(
            None,
            "the webhook host is not Slack's or an allowed host (allow.webhook_hosts)",
        )
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)}
    except OSError as err:
        raise WebhookPostError(None, type(err).__name__) from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise WebhookPostError(
                None, "the webhook host resolves to a loopback, link-local or private address"
            )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: a redirect could lead to a host ``check_destination`` never saw."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(
    url: str, payload: dict[str, Any], timeout: float = DEFAULT_POST_TIMEOUT_SECONDS
) -> int:
    """POST ``payload`` as JSON to ``url`` and return the HTTP status code.

    ``timeout`` is in seconds. ``url`` must pass ``check_destination``;
    redirects are not followed (a 3xx is an error). Raises
    ``WebhookPostError`` for any refused destination, non-2xx status or
    transport failure; its message never includes ``url``.
    """
    check_destination(url)
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as err:
        raise WebhookPostError(err.code, str(err.reason)) from None
    except (
        urllib.error.URLError,
        http.client.HTTPException,
        OSError,
        ValueError,
    ) as err:
        # These may embed the URL in their message: keep only the type name.
        raise WebhookPostError(None, type(err).__name__) from None
    if not 200 <= status < 300:
        raise WebhookPostError(status, "unexpected status")
    return status


def _deliver(payload: dict[str, Any], label: str) -> int:
    """Send ``payload`` to the webhook, refetching the URL once on a stale-looking 4xx."""
    timeout = post_timeout_seconds()
    url = get_webhook_url()
    try:
        return post_json(url, payload, timeout)
    except WebhookPostError as err:
        logger.warning("Slack POST failed for %s: status=%s", label, err.status)
        if not err.may_be_stale_url:
            raise
        clear_webhook_cache()
        fresh_url = get_webhook_url()
        if fresh_url == url:
            raise
        logger.info("Webhook secret changed; retrying %s once", label)
        return post_json(fresh_url, payload, timeout)


def handler(event: dict[str, Any], context: object) -> dict[str, int]:
    """Lambda entry point for SNS events.

    Each record's ``Sns.Message`` is formatted (as an alarm, or as plain text
    when it is not an alarm notification) and POSTed to Slack. Any failure
    raises so that Lambda retries the asynchronous invocation. Returns the
    number of messages posted.
    """
    environment = os.environ.get("VIGIL_ENV") or DEFAULT_ENVIRONMENT
    posted = 0
    for record in event.get("Records", []):
        sns = record.get("Sns", {})
        message = sns.get("Message") or ""
        alarm = parse_alarm_message(message)
        if alarm is not None:
            payload = format_slack_message(alarm, environment)
            label = f"alarm {alarm.name!r} ({alarm.new_state})"
        else:
            payload = format_plain_message(message, sns.get("Subject"), environment)
            label = f"plain-text message {sns.get('MessageId', '')!r}"
        status = _deliver(payload, label)
        logger.info("Posted %s to Slack: status=%s", label, status)
        posted += 1
    return {"posted": posted}

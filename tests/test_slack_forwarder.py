"""Tests for the Slack forwarder Lambda (vigil/functions/slack_forwarder/handler.py).

A real HTTP server on 127.0.0.1 stands in for the Slack webhook and moto
provides Secrets Manager, so the handler runs end to end: SNS event ->
secret lookup -> formatting -> HTTP POST. The destination policy (https to
Slack's hosts on public addresses only) would refuse that server, so the end
to end tests record its verdict instead and it is tested on its own below.
"""

import json
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.loopback import serving
from vigil.functions.slack_forwarder import handler as forwarder

REAL_CHECK_DESTINATION = forwarder.check_destination

FIXTURE = Path(__file__).parent / "fixtures" / "cloudwatch_alarm_sns_event.json"
SECRET_ID = "vigil/prod/slack-webhook"
ALARM_NAME = "prod-coaching-api-down"
RUNBOOK = "https://runbooks.example.com/coaching/api-down"
# A secret-looking path, so a leak of the URL (or just its token) is detectable.
WEBHOOK_PATH = "/services/T0VIGIL00/B0VIGIL00/s3cr3tT0kenXYZ"


@dataclass
class ReceivedRequest:
    """One request captured by the fake webhook."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)


@dataclass
class FakeWebhook:
    """A running fake Slack webhook server.

    ``statuses`` maps a request path to the HTTP status to answer with
    (default 200 with body ``ok``, like Slack).
    """

    server: HTTPServer
    requests: list[ReceivedRequest] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def url(self, path: str = WEBHOOK_PATH) -> str:
        """Return the full webhook URL for ``path``."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"


def _make_request_handler(webhook: "FakeWebhook") -> type[BaseHTTPRequestHandler]:
    """Build a request handler class that records into ``webhook``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            webhook.requests.append(
                ReceivedRequest(
                    "POST",
                    self.path,
                    dict(self.headers.items()),
                    self.rfile.read(length),
                )
            )
            status = webhook.statuses.get(self.path, 200)
            body = b"ok" if status == 200 else b"error"
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", webhook.url("/elsewhere"))
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    return Handler


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    """Run a fake Slack webhook on 127.0.0.1 with an OS-assigned port."""
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeWebhook(server=server)
    server.RequestHandlerClass = _make_request_handler(fake)
    with serving(server):
        yield fake


@pytest.fixture(autouse=True)
def _reset_cache() -> Iterator[None]:
    """Isolate tests from the module-level webhook URL cache."""
    forwarder.clear_webhook_cache()
    yield
    forwarder.clear_webhook_cache()


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Moto Secrets Manager with fake credentials and the forwarder's env vars."""
    for name in (
        "AWS_PROFILE",
        "AWS_REGION",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("WEBHOOK_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("VIGIL_ENV", "prod")
    monkeypatch.setenv("POST_TIMEOUT_SECONDS", "5")
    monkeypatch.setattr(forwarder, "check_destination", CHECKED.append)
    CHECKED.clear()
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


CHECKED: list[str] = []
"""URLs the end-to-end tests passed to the destination check (replaced by this recorder there)."""


def load_event() -> dict[str, Any]:
    """Return a fresh copy of the fixture SNS event."""
    return json.loads(FIXTURE.read_text())


def alarm_event(**overrides: Any) -> dict[str, Any]:
    """Return the fixture event with fields of the alarm message replaced."""
    event = load_event()
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message.update(overrides)
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def all_block_text(payload: dict[str, Any]) -> str:
    """Concatenate every text a Slack reader would see in the attachment blocks."""
    texts: list[str] = []
    for attachment in payload.get("attachments", []):
        for block in attachment["blocks"]:
            if "text" in block:
                texts.append(block["text"]["text"])
            texts.extend(f["text"] for f in block.get("fields", []))
    return "\n".join(texts)


# --------------------------------------------------------------------------- end to end


def test_fixture_is_a_real_shaped_sns_alarm_event() -> None:
    record = load_event()["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["Type"] == "Notification"
    message = json.loads(record["Sns"]["Message"])
    assert message["AlarmName"] == ALARM_NAME
    assert message["AWSAccountId"] == "123456789012"
    assert message["Region"] == "US East (N. Virginia)"
    assert {
        "MetricName",
        "Namespace",
        "Dimensions",
        "Threshold",
        "EvaluateLowSampleCountPercentile",
    } <= set(message["Trigger"])


def test_alarm_is_posted_once_with_key_details(
    webhook: FakeWebhook, secrets: Any
) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())

    result = forwarder.handler(load_event(), None)

    assert result == {"posted": 1}
    assert [webhook.url()] == CHECKED  # every POST passes the destination check first
    assert len(webhook.requests) == 1
    request = webhook.requests[0]
    assert request.method == "POST"
    assert request.path == WEBHOOK_PATH
    assert request.headers["Content-Type"].startswith("application/json")
    payload = request.json()

    assert ALARM_NAME in payload["text"]
    assert "ALARM" in payload["text"]
    assert "[prod]" in payload["text"]
    attachment = payload["attachments"][0]
    assert attachment["color"] == forwarder.STATE_STYLES["ALARM"][1]
    header = attachment["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == f":red_circle: [prod] ALARM: {ALARM_NAME}"

    text = all_block_text(payload)
    assert f"<{RUNBOOK}|Runbook>" in text
    assert "*Environment*\nprod" in text
    assert "*State*\nOK → ALARM" in text
    assert "*Account*\n123456789012" in text
    assert "*Region*\nus-east-1" in text  # derived from AlarmArn, not the display name
    assert "*Owner*\ncoaching-platform" in text
    assert "*Time*\n2025-03-14 09:41:36 UTC" in text
    assert "users cannot start coaching sessions" in text
    assert "Threshold Crossed: 2 out of the last 2 datapoints" in text
    assert "OK -&gt; ALARM transition" in text  # mrkdwn-escaped reason
    assert "AWS/ApplicationELB HealthyHostCount (MINIMUM) LessThanThreshold 1.0" in text
    console = (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        f"#alarmsV2:alarm/{ALARM_NAME}"
    )
    assert f"<{console}|Open in CloudWatch>" in text


def test_ok_transition_is_green(webhook: FakeWebhook, secrets: Any) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    event = alarm_event(
        NewStateValue="OK",
        OldStateValue="ALARM",
        NewStateReason=(
            "Threshold Crossed: 1 datapoint [2.0 (14/03/25 09:52:00)] was not less than the threshold (1.0)."
        ),
    )

    forwarder.handler(event, None)

    assert len(webhook.requests) == 1
    payload = webhook.requests[0].json()
    attachment = payload["attachments"][0]
    assert attachment["color"] == forwarder.STATE_STYLES["OK"][1]
    assert (
        attachment["blocks"][0]["text"]["text"]
        == f":large_green_circle: [prod] OK: {ALARM_NAME}"
    )
    assert payload["text"].startswith(f":large_green_circle: [prod] OK: {ALARM_NAME}")
    text = all_block_text(payload)
    assert "*State*\nALARM → OK" in text
    assert "was not less than the threshold" in text
    assert f"<{RUNBOOK}|Runbook>" in text


@pytest.mark.parametrize("key", ["url", "webhook_url"])
def test_json_secret_form(webhook: FakeWebhook, secrets: Any, key: str) -> None:
    secrets.create_secret(
        Name=SECRET_ID,
        SecretString=json.dumps({key: webhook.url(), "channel": "#alerts"}),
    )

    forwarder.handler(load_event(), None)

    assert len(webhook.requests) == 1
    assert webhook.requests[0].path == WEBHOOK_PATH
    assert ALARM_NAME in webhook.requests[0].json()["text"]


def test_server_error_raises_without_leaking_url(
    webhook: FakeWebhook, secrets: Any
) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    webhook.statuses[WEBHOOK_PATH] = 500

    with pytest.raises(forwarder.WebhookPostError) as excinfo:
        forwarder.handler(load_event(), None)

    assert excinfo.value.status == 500
    assert len(webhook.requests) == 1  # 5xx is left to Lambda's async retry
    assert "s3cr3tT0ken" not in str(excinfo.value)


def test_rate_limit_raises_without_refetch(webhook: FakeWebhook, secrets: Any) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    forwarder.handler(load_event(), None)  # primes the cache
    secrets.put_secret_value(
        SecretId=SECRET_ID, SecretString=webhook.url("/services/rotated")
    )
    webhook.statuses[WEBHOOK_PATH] = 429

    with pytest.raises(forwarder.WebhookPostError) as excinfo:
        forwarder.handler(load_event(), None)

    assert excinfo.value.status == 429
    assert [r.path for r in webhook.requests] == [WEBHOOK_PATH, WEBHOOK_PATH]


def test_revoked_webhook_refetches_rotated_secret_once(
    webhook: FakeWebhook, secrets: Any
) -> None:
    new_path = "/services/T0VIGIL00/B0VIGIL01/r0tatedT0ken"
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    forwarder.handler(load_event(), None)  # caches the old URL
    secrets.put_secret_value(SecretId=SECRET_ID, SecretString=webhook.url(new_path))
    webhook.statuses[WEBHOOK_PATH] = 410  # Slack: channel_is_archived / revoked

    assert forwarder.handler(load_event(), None) == {"posted": 1}
    assert [r.path for r in webhook.requests] == [WEBHOOK_PATH, WEBHOOK_PATH, new_path]

    forwarder.handler(load_event(), None)  # the fresh URL is now cached
    assert webhook.requests[-1].path == new_path


def test_4xx_with_unchanged_secret_raises_after_one_post(
    webhook: FakeWebhook, secrets: Any
) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    webhook.statuses[WEBHOOK_PATH] = 400

    with pytest.raises(forwarder.WebhookPostError) as excinfo:
        forwarder.handler(load_event(), None)

    assert excinfo.value.status == 400
    assert len(webhook.requests) == 1


def test_url_is_cached_between_invocations(webhook: FakeWebhook, secrets: Any) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    forwarder.handler(load_event(), None)
    secrets.delete_secret(SecretId=SECRET_ID, ForceDeleteWithoutRecovery=True)

    forwarder.handler(load_event(), None)  # would fail if the secret were read again

    assert len(webhook.requests) == 2


def test_plain_text_message_fallback(webhook: FakeWebhook, secrets: Any) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    event = load_event()
    event["Records"][0]["Sns"]["Subject"] = "Manual test"
    event["Records"][0]["Sns"]["Message"] = (
        "Hello from vigil: testing <channel> & routing"
    )

    assert forwarder.handler(event, None) == {"posted": 1}

    assert len(webhook.requests) == 1
    payload = webhook.requests[0].json()
    assert payload == {
        "text": "[prod] Manual test\nHello from vigil: testing &lt;channel&gt; &amp; routing"
    }


def test_webhook_url_never_logged(
    webhook: FakeWebhook, secrets: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger=forwarder.LOGGER_NAME)
    secrets.create_secret(
        Name=SECRET_ID, SecretString=json.dumps({"url": webhook.url()})
    )

    forwarder.handler(load_event(), None)
    webhook.statuses[WEBHOOK_PATH] = 404  # exercises the refetch/warning path too
    with pytest.raises(forwarder.WebhookPostError):
        forwarder.handler(load_event(), None)

    forwarder_logs = [
        r.getMessage() for r in caplog.records if r.name == forwarder.LOGGER_NAME
    ]
    assert any(ALARM_NAME in m and "status=200" in m for m in forwarder_logs)
    assert any(ALARM_NAME in m and "status=404" in m for m in forwarder_logs)
    for text in (caplog.text, *forwarder_logs):
        assert webhook.url() not in text
        assert "s3cr3tT0ken" not in text
        assert "127.0.0.1" not in text


# --------------------------------------------------------------------------- units


def test_composite_alarm_message_is_parsed() -> None:
    message = {
        "AlarmName": "prod coaching/composite",
        "AlarmDescription": "Summary: Coaching degraded\nSeverity: critical\nRunbook: "
                            "https://runbooks.example.com/coaching/degraded\nSource: alarm_specs/coaching.yaml "
                            "(managed by vigil)",
        "AWSAccountId": "123456789012",
        "NewStateValue": "ALARM",
        "NewStateReason": (
            "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-coaching-api-down transitioned to ALARM"
        ),
        "StateChangeTime": "2025-03-14T09:41:40.001+0000",
        "Region": "Europe (Ireland)",
        "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod coaching/composite",
        "OldStateValue": "OK",
        "AlarmRule": 'ALARM("prod-coaching-api-down") OR ALARM("prod-coaching-5xx")',
        "TriggeringChildren": [
            {
                "Arn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-coaching-api-down",
                "State": {
                    "Value": "ALARM",
                    "Timestamp": "2025-03-14T09:41:36.427+0000",
                },
            }
        ],
    }

    alarm = forwarder.parse_alarm_message(json.dumps(message))

    assert alarm is not None
    assert alarm.region == "eu-west-1"
    assert alarm.metric is None
    assert alarm.triggering_children == ("prod-coaching-api-down",)
    assert alarm.console_url == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#alarmsV2:alarm/prod%20coaching%2Fcomposite"
    )
    text = all_block_text(forwarder.format_slack_message(alarm, "prod"))
    assert "*Alarm rule*" in text
    assert "*Triggered by*\nprod-coaching-api-down" in text
    assert "<https://runbooks.example.com/coaching/degraded|Runbook>" in text


def test_insufficient_data_is_grey_and_unstructured_description_is_summary() -> None:
    alarm = forwarder.parse_alarm_message(
        json.dumps(
            {
                "AlarmName": "dev-queue-depth",
                "AlarmDescription": "Queue depth for the dev worker",
                "NewStateValue": "INSUFFICIENT_DATA",
                "AlarmArn": "arn:aws:cloudwatch:us-west-2:111122223333:alarm:dev-queue-depth",
            }
        )
    )

    assert alarm is not None
    assert alarm.summary == "Queue depth for the dev worker"
    assert alarm.runbook is None
    assert alarm.account == "111122223333"  # from the ARN when AWSAccountId is absent
    payload = forwarder.format_slack_message(alarm, "dev")
    assert (
        payload["attachments"][0]["color"]
        == forwarder.STATE_STYLES["INSUFFICIENT_DATA"][1]
    )
    assert payload["attachments"][0]["blocks"][0]["text"]["text"].startswith(
        ":white_circle:"
    )
    assert "Runbook" not in all_block_text(payload)


@pytest.mark.parametrize(
    "message", ["not json", "[1, 2]", json.dumps({"hello": "world"}), ""]
)
def test_non_alarm_messages_are_not_parsed(message: str) -> None:
    assert forwarder.parse_alarm_message(message) is None


def test_parse_description_rejects_non_http_runbook() -> None:
    fields = forwarder.parse_description(
        "Summary: x\nOwner: team-a\nRunbook: javascript:alert(1)\nSource: a.yaml (managed by vigil)"
    )
    assert fields == {"summary": "x", "owner": "team-a"}


SPOOFED_SUMMARY = "Disk fine\nRunbook: https://evil.example\nSeverity: info"


@pytest.mark.parametrize(
    "description",
    [
        # a summary with line breaks in front of vigil's own lines
        f"Summary: {SPOOFED_SUMMARY}\nSeverity: critical\nRunbook: https://runbooks.example.com/db\n"
        "Source: alarm_specs/db.yaml (managed by vigil)",
        # a hand-written description that imitates the labels but is not vigil's shape
        f"Summary: {SPOOFED_SUMMARY}",
        "Runbook: https://evil.example\nSeverity: info\nSummary: x\nSource: a.yaml (managed by vigil)",
        "Summary: x\nRunbook: https://evil.example\nSource: a.yaml",
    ],
    ids=["summary-with-line-breaks", "no-source-line", "labels-out-of-order", "source-not-vigil"],
)
def test_free_text_never_sets_runbook_or_severity(description: str) -> None:
    fields = forwarder.parse_description(description)
    assert fields == {"summary": description}
    alarm = forwarder.parse_alarm_message(
        json.dumps({"AlarmName": "prod-db-disk", "NewStateValue": "ALARM", "AlarmDescription": description})
    )
    assert alarm is not None and alarm.runbook is None and alarm.severity is None
    text = all_block_text(forwarder.format_slack_message(alarm, "prod"))
    assert "|Runbook>" not in text and "*Severity*" not in text


def test_vigil_description_with_an_escaped_summary_keeps_its_own_fields() -> None:
    # what vigil writes for such a summary: the line breaks escaped (vigil/plan/text.py)
    description = (
        "Summary: Disk fine\\nRunbook: https://evil.example\\nSeverity: info\nSeverity: critical\n"
        "Runbook: https://runbooks.example.com/db\nSource: alarm_specs/db.yaml (managed by vigil)"
    )
    fields = forwarder.parse_description(description)
    assert fields["severity"] == "critical"
    assert fields["runbook"] == "https://runbooks.example.com/db"
    assert fields["summary"].startswith("Disk fine\\nRunbook")


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Host name -> addresses, in place of DNS."""
    table: dict[str, list[str]] = {"hooks.slack.com": ["52.1.2.3"], "hooks.slack-gov.com": ["2600:1f18::1"]}

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in table:
            raise socket.gaierror(-2, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in table[host]]

    monkeypatch.setattr(forwarder.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.delenv("WEBHOOK_ALLOWED_HOSTS", raising=False)
    return table


@pytest.mark.parametrize("url", [
    "https://hooks.slack.com/services/T0/B0/x",
    "https://hooks.slack-gov.com/services/T0/B0/x",
    "https://HOOKS.SLACK.COM:443/services/T0/B0/x",
])
def test_slack_webhook_hosts_are_allowed(resolver: Any, url: str) -> None:
    forwarder.check_destination(url)


@pytest.mark.parametrize(("url", "reason"), [
    ("http://hooks.slack.com/services/T0/B0/x", "not https"),
    ("https://hooks.slack.com:8443/services/T0/B0/x", "not Slack's"),
    ("https://evil.example/services/T0/B0/x", "not Slack's"),
    ("https://hooks.slack.com.evil.example/services/x", "not Slack's"),
    ("https://hooks.slack.com@evil.example/services/x", "not Slack's"),
    ("https://127.0.0.1/services/x", "not Slack's"),
    ("https://169.254.169.254/latest/meta-data/", "not Slack's"),
    ("file:///etc/passwd", "not https"),
], ids=["http", "other-port", "other-host", "suffix-host", "userinfo", "loopback", "metadata", "file"])
def test_other_destinations_are_refused_before_any_request(resolver: Any, url: str, reason: str) -> None:
    with pytest.raises(forwarder.WebhookPostError, match=reason) as caught:
        forwarder.post_json(url, {"text": "x"}, timeout=1)
    assert url not in str(caught.value) and "/services/" not in str(caught.value)


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.0.0.8", "192.168.1.1", "::1", "fd00::1",
                                     "::ffff:127.0.0.1"])
def test_allowed_hosts_resolving_to_private_addresses_are_refused(
        resolver: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "chat.example.com, hooks.example.org")
    resolver["chat.example.com"] = ["93.184.216.34", address]
    with pytest.raises(forwarder.WebhookPostError, match="loopback, link-local or private"):
        forwarder.check_destination("https://chat.example.com/hook/x")


def test_hosts_allowed_by_the_environment_are_accepted(
        resolver: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "chat.example.com,hooks.example.org")
    resolver["hooks.example.org"] = ["93.184.216.34"]
    forwarder.check_destination("https://hooks.example.org/hook/x")
    assert forwarder.allowed_hosts() == {"hooks.slack.com", "hooks.slack-gov.com", "chat.example.com",
                                         "hooks.example.org"}


def test_a_loopback_webhook_secret_is_refused_end_to_end(
        webhook: FakeWebhook, secrets: Any, resolver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forwarder, "check_destination", REAL_CHECK_DESTINATION)
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    with pytest.raises(forwarder.WebhookPostError) as caught:
        forwarder.handler(load_event(), None)
    assert webhook.requests == []
    assert "s3cr3tT0ken" not in str(caught.value) and "127.0.0.1" not in str(caught.value)


@pytest.mark.parametrize("status", [301, 302, 307])
def test_redirects_are_not_followed(webhook: FakeWebhook, secrets: Any, status: int) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=webhook.url())
    webhook.statuses[WEBHOOK_PATH] = status
    with pytest.raises(forwarder.WebhookPostError) as caught:
        forwarder.handler(load_event(), None)
    assert caught.value.status == status
    assert [r.path for r in webhook.requests] == [WEBHOOK_PATH]  # never /elsewhere


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 10.0), ("2.5", 2.5), ("abc", 10.0), ("-1", 10.0)],
)
def test_post_timeout_seconds(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: float
) -> None:
    if raw is None:
        monkeypatch.delenv("POST_TIMEOUT_SECONDS", raising=False)
    else:
        monkeypatch.setenv("POST_TIMEOUT_SECONDS", raw)
    assert forwarder.post_timeout_seconds() == expected


def test_post_json_rejects_non_http_schemes() -> None:
    with pytest.raises(forwarder.WebhookPostError) as excinfo:
        forwarder.post_json("file:///etc/passwd", {"text": "x"})
    assert excinfo.value.status is None
    assert "passwd" not in str(excinfo.value)


def test_secret_without_url_is_rejected(secrets: Any) -> None:
    secrets.create_secret(Name=SECRET_ID, SecretString=json.dumps({"token": "nope"}))
    with pytest.raises(ValueError, match="does not contain"):
        forwarder.get_webhook_url()


def test_long_reason_is_truncated_to_slack_limits() -> None:
    event = alarm_event(NewStateReason="x" * 10_000)
    alarm = forwarder.parse_alarm_message(event["Records"][0]["Sns"]["Message"])
    assert alarm is not None
    for block in forwarder.format_slack_message(alarm, "prod")["attachments"][0][
        "blocks"
    ]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000

"""LocalStack on loopback for end-to-end tests: start it, wait until healthy, stop it; and a receiver that plays
PagerDuty, Slack and email for a `local` environment.

LocalStack runs from its own virtualenv (.venv-localstack, Python 3.13; `make local-venv`), since its pinned
dependencies conflict with the project's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from vigil.plan.deployments import Deployment
from vigil.plan.model import AlarmPlan, EnvironmentPlan, WorkspacePlan

ROOT = Path(__file__).resolve().parent.parent
LOCALSTACK_PYTHON = ROOT / ".venv-localstack" / "bin" / "python"
REQUIRES_LOCALSTACK = pytest.mark.skipif(not LOCALSTACK_PYTHON.exists() and not os.environ.get("VIGIL_E2E"),
                                         reason="LocalStack is not installed (make local-venv)")
"""Marks the end-to-end tests: they run where LocalStack is installed (make local-venv) or VIGIL_E2E is set."""
GATEWAY = os.environ.get("VIGIL_LOCALSTACK_GATEWAY", "127.0.0.1:4566")
"""Where LocalStack listens (host:port); VIGIL_LOCALSTACK_GATEWAY moves it off the default port."""
ENDPOINT_URL = f"http://{GATEWAY}"
START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 30
AWS_ENVIRONMENT = {
    "AWS_ENDPOINT_URL": ENDPOINT_URL,
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
"""What boto3 and the cdk CLI need to talk to LocalStack (LocalStack accepts any credentials)."""


def healthy() -> bool:
    """Whether a LocalStack gateway answers its health check on GATEWAY."""
    try:
        with urllib.request.urlopen(f"{ENDPOINT_URL}/_localstack/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def running_localstack(volume: Path) -> Iterator[None]:
    """Start LocalStack in the foreground of a child process group; stop it (and its children) on exit. Fails
    the test when .venv-localstack is missing (the end-to-end tests were asked for with VIGIL_E2E).

    Raises RuntimeError when something already listens on the gateway port or LocalStack does not become
    healthy within START_TIMEOUT_SECONDS.
    """
    if not LOCALSTACK_PYTHON.exists():
        pytest.fail("VIGIL_E2E is set but .venv-localstack is missing: run `make local-venv`")
    if healthy():
        raise RuntimeError(f"something already answers on {GATEWAY}; stop it first (make local-down)")
    environment = {**os.environ, "GATEWAY_LISTEN": GATEWAY, "SKIP_SSL_CERT_DOWNLOAD": "1", "DISABLE_EVENTS": "1",
                   "DNS_ADDRESS": "0", "LOCALSTACK_VOLUME_DIR": str(volume),
                   "CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES": "1"}
    log = (volume / "localstack.log").open("wb")
    process = subprocess.Popen([str(LOCALSTACK_PYTHON), "-m", "localstack.runtime.main"], env=environment,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not healthy():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"LocalStack did not start; see {volume / 'localstack.log'}")
            time.sleep(0.5)
        yield
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


class Receiver:
    """An HTTP server on loopback recording SNS deliveries by path (`/pagerduty-primary`, ...), confirming
    subscriptions as PagerDuty and AWS Chatbot do."""

    def __init__(self, port: int) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.confirmations: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                with receiver._lock:
                    target = receiver.messages if body.get("Type") == "Notification" else receiver.confirmations
                    target.append((self.path.strip("/"), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def alarm_messages(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(channel, new state, CloudWatch alarm message) for every alarm notification received so far."""
        return [(channel, message.get("NewStateValue", ""), message) for channel, _, message in self.deliveries()]

    def deliveries(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(channel, ARN of the SNS topic that delivered it, CloudWatch alarm message) for every alarm
        notification received so far."""
        with self._lock:
            return [(channel, body["TopicArn"], json.loads(body["Message"])) for channel, body in self.messages]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


COPIED = ("app.py", "cdk.json", "vigil", "environments", "alarm_specs", "dashboards")
"""What an end-to-end test copies of the repository to deploy from: the app and the example specs."""
COMMAND_TIMEOUT_SECONDS = 600
DELIVERY_TIMEOUT_SECONDS = 30


def copy_repository(destination: Path, extra: tuple[str, ...] = ()) -> Path:
    """Copy the app and example specs (COPIED, then `extra`) to `destination`, so that a test can edit specs
    and own its cdk.out; return `destination`."""
    for name in (*COPIED, *extra):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, destination / name)
    return destination


def cdk(workdir: Path, *args: str, account: str = "test", region: str = "us-east-1") -> str:
    """Run the pinned cdk CLI in `workdir` against LocalStack as `account` (LocalStack takes a 12-digit access
    key id as the account) in `region`; fail the test with its output if it fails."""
    return run_as(account, region, [str(ROOT / "node_modules" / ".bin" / "cdk"), *args], workdir,
                  {"PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}"
                           f"{os.environ.get('PATH', '')}",
                   "CDK_DISABLE_VERSION_CHECK": "1"})


def vigil(workdir: Path, *args: str, account: str, region: str) -> str:
    """Run `python -m vigil` in `workdir` (the repository copy's own vigil) against LocalStack as `account` in
    `region`; fail the test with its output if it fails."""
    return run_as(account, region, [str(ROOT / ".venv" / "bin" / "python"), "-m", "vigil", *args], workdir)


def run_as(account: str, region: str, command: list[str], workdir: Path, extra: dict[str, str] | None = None
           ) -> str:
    """Run `command` in `workdir` with the credentials and region of LocalStack's `account` (and `extra`
    environment variables), within COMMAND_TIMEOUT_SECONDS; fail the test with its output if it fails; return
    its output."""
    environment = {**os.environ, **AWS_ENVIRONMENT, "AWS_ACCESS_KEY_ID": account, "AWS_DEFAULT_REGION": region,
                   "AWS_REGION": region, **(extra or {})}
    result = subprocess.run(command, cwd=workdir, env=environment, capture_output=True, text=True,
                            timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def client(service: str, account: str = "test", region: str = "us-east-1") -> Any:
    """A boto3 client of LocalStack as `account` in `region`."""
    return boto3.client(service, endpoint_url=ENDPOINT_URL, region_name=region,  # type: ignore[call-overload]
                        aws_access_key_id=account, aws_secret_access_key="test")


def uncombined_alarm(plan: EnvironmentPlan, severity: str) -> AlarmPlan:
    """An alarm of `severity` that no composite refers to, so driving it notifies nothing else: a metric alarm
    where there is one, else a composite (an environment may have a severity's alarms only as SLO burn-rate
    children and their composite). Canary alarms are left out: LocalStack community has no Synthetics, so it
    skips the canaries those alarms watch."""
    children = {child for s in plan.services for a in s.alarms for child in a.children}
    candidates = [a for s in plan.services for a in s.alarms
                  if a.severity == severity and a.name not in children
                  and not (a.metric and a.metric.namespace == "CloudWatchSynthetics")]
    return min(candidates, key=lambda a: a.kind == "composite")


def wait_for(receiver: Receiver, count: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The alarm notifications received once `count` have arrived (or DELIVERY_TIMEOUT_SECONDS passed), and a
    second longer: anything unexpected (a second delivery, another account's) arrives in it too."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(receiver.alarm_messages()) < count and time.monotonic() < deadline:
        time.sleep(0.25)
    time.sleep(1)
    return receiver.alarm_messages()


def deploy_like_the_workflow(workdir: Path, environment: str, items: Sequence[Deployment]) -> None:
    """Deploy `environment` from `workdir` to the running LocalStack as the workflow does: one `cdk synth`,
    then per deployment (vigil/plan/deployments.py: one account and region) a bootstrap and a
    `cdk deploy --concurrency` of that deployment's stacks with its own account's credentials, the deployments
    side by side."""
    cdk(workdir, "synth", "--quiet", "-c", f"env={environment}")
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        list(pool.map(lambda d: cdk(workdir, "bootstrap", "--app", "cdk.out", f"aws://{d.account}/{d.region}",
                                    account=d.account, region=d.region), items))
        list(pool.map(lambda d: cdk(workdir, "deploy", "--app", "cdk.out", "--require-approval", "never",
                                    "--concurrency", "4", *d.stacks, account=d.account, region=d.region), items))


def confirm_subscriptions(receiver: Receiver, expected: int) -> None:
    """Wait until `expected` subscription confirmations have arrived (DELIVERY_TIMEOUT_SECONDS at most), assert
    that exactly as many did, and confirm each as the subscribing service would, in its topic's account and
    region."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(receiver.confirmations) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(receiver.confirmations) == expected
    for _, body in receiver.confirmations:
        _, _, _, region, account, _ = body["TopicArn"].split(":", 5)
        client("sns", account, region).confirm_subscription(TopicArn=body["TopicArn"], Token=body["Token"])


def planned_alarm_places(plan: WorkspacePlan) -> dict[tuple[str, str], list[str]]:
    """The names of the alarms `plan` deploys, sorted, by (account, region): each target's in the account
    holding its alarms (its own, or the monitoring account with central routing), in the region of the shard
    holding them (the target's, or the one region a preset pins them to), with its drills; and the drills of
    the monitoring account's central routing in each of its regions."""
    places: dict[tuple[str, str], list[str]] = {}
    for environment in plan.environments:
        for service in environment.services:
            names = {alarm.key: alarm.name for alarm in service.alarms}
            for shard in service.shards:
                places.setdefault((environment.alarm_account, shard.region or environment.region), []).extend(
                    names[key] for key in shard.alarms)
        places.setdefault((environment.alarm_account, environment.region), []).extend(
            alarm.name for alarm in environment.drills)
    for monitoring in plan.monitoring:
        if monitoring.routing_plan is not None:
            places.setdefault((monitoring.account, monitoring.region), []).extend(
                alarm.name for alarm in monitoring.routing_plan.drills)
    return {place: sorted(names) for place, names in places.items()}


def deployed_alarm_names(account: str, region: str) -> list[str]:
    """The names of every metric and composite alarm in LocalStack's `account` and `region`, sorted."""
    pages = client("cloudwatch", account, region).get_paginator("describe_alarms").paginate(
        AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return sorted(alarm["AlarmName"] for page in pages for kind in ("MetricAlarms", "CompositeAlarms")
                  for alarm in page.get(kind, []))

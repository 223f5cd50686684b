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
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from vigil.plan.model import AlarmPlan, EnvironmentPlan

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
    """Start LocalStack in the foreground of a child process group; stop it (and its children) on exit.

    Raises RuntimeError when something already listens on the gateway port or LocalStack does not become
    healthy within START_TIMEOUT_SECONDS.
    """
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
        with self._lock:
            out = []
            for channel, body in self.messages:
                message = json.loads(body["Message"])
                out.append((channel, message.get("NewStateValue", ""), message))
            return out

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
    environment = {**os.environ, **AWS_ENVIRONMENT, "AWS_ACCESS_KEY_ID": account, "AWS_DEFAULT_REGION": region,
                   "AWS_REGION": region,
                   "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}"
                           f"{os.environ.get('PATH', '')}",
                   "CDK_DISABLE_VERSION_CHECK": "1"}
    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdk"), *args], cwd=workdir, env=environment,
                            capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def client(service: str, account: str = "test", region: str = "us-east-1") -> Any:
    """A boto3 client of LocalStack as `account` in `region`."""
    return boto3.client(service, endpoint_url=ENDPOINT_URL, region_name=region,  # type: ignore[call-overload]
                        aws_access_key_id=account, aws_secret_access_key="test")


def uncombined_alarm(plan: EnvironmentPlan, severity: str) -> AlarmPlan:
    """An alarm of `severity` that no composite refers to, so driving it notifies nothing else. Canary alarms are
    left out: LocalStack community has no Synthetics, so it skips the canaries those alarms watch."""
    children = {child for s in plan.services for a in s.alarms for child in a.children}
    return next(a for s in plan.services for a in s.alarms
                if a.severity == severity and a.kind != "composite" and a.name not in children
                and not (a.metric and a.metric.namespace == "CloudWatchSynthetics"))


def wait_for(receiver: Receiver, count: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The alarm notifications received once `count` have arrived (or DELIVERY_TIMEOUT_SECONDS passed), and a
    second longer: anything unexpected (a second delivery, another account's) arrives in it too."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(receiver.alarm_messages()) < count and time.monotonic() < deadline:
        time.sleep(0.25)
    time.sleep(1)
    return receiver.alarm_messages()

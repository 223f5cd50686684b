"""LocalStack on loopback for end-to-end tests: start it, wait until healthy, stop it; and a receiver that plays
PagerDuty, Slack and email for a `local` environment.

LocalStack runs from its own virtualenv (.venv-localstack, Python 3.13; `make local-venv`), since its pinned
dependencies conflict with the project's.
"""

from __future__ import annotations

import json
import os
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

ROOT = Path(__file__).resolve().parent.parent
LOCALSTACK_PYTHON = ROOT / ".venv-localstack" / "bin" / "python"
GATEWAY = "127.0.0.1:4566"
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
                   "DNS_ADDRESS": "0", "LOCALSTACK_VOLUME_DIR": str(volume)}
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

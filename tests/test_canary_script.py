"""The generated canary scripts, run against a local HTTP server: passing, wrong status, wrong body, timeout,
multi-step with a saved token, and secrets read at run time (never written into the script)."""

from __future__ import annotations

import json
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.conftest import SpecRepo
from vigil.plan.model import CanaryPlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

SVC = "alarm_specs/coaching.yaml"
TOKEN = "tok-7f3a"
SECRETS = {("monitoring/canary-user", "username"): "canary@example.com",
           ("monitoring/canary-user", "password"): "pw-c4n4ry-s3cr3t",
           ("monitoring/api-key", None): "key-9b1e-s3cr3t"}
SLOW_SECONDS = 3


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: Any) -> None:
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
        if self.path == "/health":
            self._reply(200, {"status": "healthy", "checks": {"database": "healthy"}})
        elif self.path == "/degraded":
            self._reply(200, {"status": "degraded", "checks": {"database": "down"}})
        elif self.path == "/down":
            self._reply(503, {"status": "not_ready"})
        elif self.path == "/slow":
            time.sleep(SLOW_SECONDS)
            self._reply(200, {"status": "healthy"})
        elif self.path == "/private":
            ok = self.headers.get("X-Api-Key") == SECRETS[("monitoring/api-key", None)]
            self._reply(200 if ok else 403, {"ok": ok})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"null")
        self.seen.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body})
        if self.path == "/auth/login":
            ok = body == {"email": "canary@example.com", "password": "pw-c4n4ry-s3cr3t"}
            self._reply(200 if ok else 401, {"access_token": TOKEN, "user": {"roles": ["canary"]}} if ok else {})
        elif self.path == "/chat":
            ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
            self._reply(200 if ok else 403, {"reply": "Hank would ship it"} if ok else {"error": "forbidden"})
        else:
            self._reply(404, {"error": "not found"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A local HTTP server on 127.0.0.1 (a free port); yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    _Handler.seen.clear()


def canary_plan(spec_repo: SpecRepo, canaries: str) -> CanaryPlan:
    """Validate and plan a service with `canaries` (YAML, indented under canaries:); return the prod plan of its
    only canary."""
    text = "version: 1\nservice: coaching\nowner: coaching-team\ncanaries:\n" + canaries
    plan = plan_workspace(read_sources(spec_repo({SVC: text})), only=["prod"])
    [service] = plan.environments[0].services
    [canary] = service.canaries
    return canary


def load(script: str) -> dict[str, Any]:
    """Execute a generated script as the module index.py; return its namespace."""
    namespace: dict[str, Any] = {"__name__": "index"}
    exec(compile(script, "index.py", "exec"), namespace)
    return namespace


def fake_secrets(calls: list[tuple[str, str | None]]) -> Callable[[str, str | None], str]:
    def get_secret(secret_id: str, field: str | None) -> str:
        calls.append((secret_id, field))
        return SECRETS[(secret_id, field)]

    return get_secret


def run(plan: CanaryPlan, calls: list[tuple[str, str | None]] | None = None) -> list[dict[str, Any]]:
    module = load(plan.script)
    return module["run_checks"](module["CONFIG"], fake_secrets(calls if calls is not None else []), log=lambda _: None)


def failure(plan: CanaryPlan) -> str:
    module = load(plan.script)
    with pytest.raises(module["CheckFailed"]) as caught:
        module["run_checks"](module["CONFIG"], fake_secrets([]), log=lambda _: None)
    return str(caught.value)


def test_heartbeat_passes_on_the_expected_status_body_and_json(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, f"""\
  health:
    url: {server}/health
    severity: critical
    expect: {{status: 200, body_contains: '"healthy"', json: {{status: healthy, checks.database: healthy}}}}
""")
    results = run(plan)
    assert [(r["step"], r["status"]) for r in results] == [("check", 200)]
    assert [(s["method"], s["path"]) for s in _Handler.seen] == [("GET", "/health")]


def test_wrong_status_fails_with_the_status_and_the_expectation(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, f"  ready: {{url: '{server}/down', severity: warning}}\n")
    assert failure(plan) == f"step check: GET {server}/down returned status 503, expected 200"


def test_wrong_body_fails_on_the_missing_substring(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, f"  live: {{url: '{server}/degraded', severity: warning, "
                                  "expect: {body_contains: '\"healthy\"'}}\n")
    assert failure(plan) == f"step check: GET {server}/degraded: the body does not contain '\"healthy\"'"


def test_wrong_json_field_fails_with_actual_and_expected_values(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, f"  live: {{url: '{server}/degraded', severity: warning, "
                                  "expect: {json: {checks.database: healthy}}}\n")
    assert failure(plan) == (f'step check: GET {server}/degraded: JSON field checks.database is "down", '
                             'expected "healthy"')


def test_a_missing_json_field_fails(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, f"  live: {{url: '{server}/health', severity: warning, "
                                  "expect: {json: {checks.redis: healthy}}}\n")
    assert failure(plan) == f"step check: GET {server}/health: the JSON has no field checks.redis"


def test_a_slow_endpoint_fails_after_the_timeout_not_later(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, f"  slow: {{url: '{server}/slow', severity: warning, timeout: 1s}}\n")
    started = time.monotonic()
    message = failure(plan)
    elapsed = time.monotonic() - started
    assert message == f"step check: GET {server}/slow did not answer within 1 s"
    assert 0.9 < elapsed < SLOW_SECONDS - 0.5


def test_an_unreachable_endpoint_fails_with_the_reason(spec_repo: SpecRepo) -> None:
    plan = canary_plan(spec_repo, "  gone: {url: 'http://127.0.0.1:9/health', severity: warning, timeout: 2s}\n")
    assert failure(plan).startswith("step check: GET http://127.0.0.1:9/health failed: ")


API_WORKFLOW = """\
  api-workflow:
    severity: warning
    secrets:
      username: {{secret: monitoring/canary-user, field: username}}
      password: {{secret: monitoring/canary-user, field: password}}
    steps:
      - name: login
        method: POST
        url: {server}/auth/login
        body: {{email: "${{username}}", password: "${{password}}"}}
        expect: {{status: 200, json: {{user.roles.0: canary}}}}
        save: {{token: access_token}}
      - name: chat
        method: POST
        url: {server}/chat
        headers: {{Authorization: "Bearer ${{token}}"}}
        body: {{message: hello}}
        expect: {{status: 200, body_contains: Hank}}
      - name: health
        url: {server}/health
"""


def test_multi_step_check_uses_secrets_and_a_saved_token_in_order(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, API_WORKFLOW.format(server=server))
    calls: list[tuple[str, str | None]] = []
    results = run(plan, calls)
    assert [(r["step"], r["status"]) for r in results] == [("login", 200), ("chat", 200), ("health", 200)]
    assert sorted(calls) == [("monitoring/canary-user", "password"), ("monitoring/canary-user", "username")]
    login, chat, _health = _Handler.seen
    assert login["body"] == {"email": "canary@example.com", "password": "pw-c4n4ry-s3cr3t"}
    assert login["headers"]["Content-Type"] == "application/json"
    assert chat["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert plan.secret_ids == ("monitoring/canary-user",)


def test_multi_step_check_stops_at_the_first_failing_step(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, API_WORKFLOW.format(server=server).replace("Bearer ${token}", "Bearer ${password}"))
    assert failure(plan) == f"step chat: POST {server}/chat returned status 403, expected 200"
    assert [s["path"] for s in _Handler.seen] == ["/auth/login", "/chat"]


def test_no_secret_value_is_written_into_the_script_or_shown_in_failures(spec_repo: SpecRepo, server: str) -> None:
    plan = canary_plan(spec_repo, API_WORKFLOW.format(server=server).replace("/chat", "/nowhere"))
    message = failure(plan)
    for value in SECRETS.values():
        assert value not in plan.script and value not in message
    assert "monitoring/canary-user" in plan.script  # the reference, resolved at run time


def test_handler_reads_header_secrets_from_secrets_manager_without_the_synthetics_library(
        spec_repo: SpecRepo, server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = canary_plan(spec_repo, f"  private: {{url: '{server}/private', severity: info, "
                                  "headers: {X-Api-Key: {secret: monitoring/api-key}}}\n")
    requested: list[str] = []

    class _SecretsManager:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            requested.append(SecretId)
            return {"SecretString": SECRETS[(SecretId, None)]}

    fake_boto3 = types.ModuleType("boto3")
    fake_boto3.client = lambda service: _SecretsManager()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3)
    monkeypatch.setitem(sys.modules, "aws_synthetics", None)  # not installed: the handler falls back to logging
    module = load(plan.script)
    assert module["handler"]({}, None) == "passed"
    assert requested == ["monitoring/api-key"]
    assert _Handler.seen[-1]["headers"]["X-Api-Key"] == SECRETS[("monitoring/api-key", None)]
    assert plan.secret_ids == ("monitoring/api-key",)


def test_handler_raises_so_that_the_run_fails(spec_repo: SpecRepo, server: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plan = canary_plan(spec_repo, f"  ready: {{url: '{server}/down', severity: warning}}\n")
    monkeypatch.setitem(sys.modules, "aws_synthetics", None)
    module = load(plan.script)
    with pytest.raises(module["CheckFailed"], match="returned status 503"):
        module["handler"]({}, None)


def test_the_script_is_deterministic_and_names_its_source_and_runtime(spec_repo: SpecRepo, server: str) -> None:
    first = canary_plan(spec_repo, f"  health: {{url: '{server}/health', severity: critical}}\n")
    second = canary_plan(spec_repo, f"  health: {{url: '{server}/health', severity: critical}}\n")
    assert first.script == second.script
    assert first.script.startswith(f"# prod-coaching-health: CloudWatch Synthetics canary generated by vigil from "
                                   f"{SVC}.")
    assert "syn-python-selenium-" in first.script.splitlines()[1]
    compile(first.script, "index.py", "exec")

"""Progress of long commands: one line redrawn in place on a terminal, nothing in CI logs or pipes."""

from __future__ import annotations

import io

import pytest

from tests.conftest import FakeTerminal
from vigil.progress import CLEAR, StatusLine, interactive


def test_a_terminal_gets_one_line_redrawn_and_erased_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = FakeTerminal()
    with StatusLine(terminal) as status:
        for done in range(1, 1001):
            status.count("import: alarms", done, 1000, f"alarm-{done}")
    out = terminal.getvalue()
    assert "\n" not in out and out.endswith(CLEAR)
    assert out.startswith(CLEAR + "import: alarms 1/1000: alarm-1")
    assert CLEAR + "import: alarms 1000/1000: alarm-1000" in out  # the last count is always drawn
    assert out.count(CLEAR) < 50  # redrawn at most every 0.1 s, not a thousand times


@pytest.mark.parametrize(("isatty", "env", "shown"), [
    (False, {}, False),
    (True, {"CI": "true"}, False),
    (True, {"TERM": "dumb"}, False),
    (True, {}, True),
], ids=["a pipe or file", "a CI runner's pseudo-terminal", "a dumb terminal", "a terminal"])
def test_progress_is_shown_on_terminals_only(monkeypatch: pytest.MonkeyPatch, isatty: bool, env: dict[str, str],
                                             shown: bool) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = FakeTerminal() if isatty else io.StringIO()
    assert interactive(stream) is shown
    with StatusLine(stream) as status:
        status("synth: writing 48 templates to cdk.out")
    assert (stream.getvalue() != "") is shown

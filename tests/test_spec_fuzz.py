"""Property: whatever is done to the example specs (keys deleted or duplicated, values of the wrong type, YAML
tags, anchors and aliases, Jinja constructs, odd bytes), `vigil validate` exits 0, or exits 2 with only printable
`file:line: field: message` lines, within 5 seconds. Deterministic: the same examples on every run."""

from __future__ import annotations

import contextlib
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.test_untrusted_input import check_contract
from vigil.cli import main

SPEC_DIRS = ("environments", "alarm_specs", "dashboards")
SPEC_FILES = sorted(path.relative_to(ROOT).as_posix() for name in SPEC_DIRS for path in (ROOT / name).glob("*.yaml"))

ODD_VALUES = [
    "!!int abc", "!!float x", "!!bool maybe", "!!timestamp x", "!!binary '@@'", "!!python/name:os.system", "!custom x",
    "!!set {a: null}", "!!omap [a: 1]", "&anchor value", "*anchor", "*nowhere", "&r [*r]", "{<<: *anchor}",
    "[", "]", "{", "}", "[[[[[[[[", "'unterminated", '"unterminated', "|", ">", "> 600", ">5", ">= 90", "< 1",
    "null", "~", "true", "yes", "no", "on", "1e999", "-1", "0", "0x" + "f" * 40, "9" * 5000, ".nan", ".inf",
    "2024-01-01", "12:30:00", "[1, 2]", "{a: 1}", "[]", "{}", "''", '"\\u202e"', '"a\\nb: 1\\nfake.yaml:1: x"',
    '"\\0"', "{{ 1/0 }}", "{{ vars.nope }}", "{{ env }}", "'{{ [].pop() }}'", "{{ none|length }}",
    "{{ 'a' * 10**9 }}", "{{ range(10**9)|list }}", "{{ lipsum }}", "{{ ''.__class__ }}", "{% if %}",
    "{% for i in range(3) %}x{% endfor %}", "{% include 'x' %}", "{# comment #}", "{{", "{%", "#}", "<<: *anchor",
    "- item", "a: b: c", "=", "<<",
]
ODD_TEXT = [
    "\x00", "\x01", "\x7f", "\ufeff", "\u2028", "\u202e", "\r", "\t", "\n", "\n\n", " ", ":", ": ", "- ", "#",
    "&a ", "*a", "!", "!!str ", "%YAML 1.1\n", "---\n", "...\n", "{{", "}}", "{%", "%}", "{#", "#}", "'", '"', "\\",
    "[", "]", "{", "}", ",", "?", "|", ">", "\xe9",
]


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """One example spec file, changed in one to three places."""
    path = draw(st.sampled_from(SPEC_FILES))
    lines = (ROOT / path).read_text(encoding="utf-8").split("\n")
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[index] if lines else ""
        kind = draw(st.sampled_from(["delete", "duplicate", "value", "insert", "indent", "key"]))
        if kind == "delete" and lines:
            del lines[index]
        elif kind == "duplicate":
            lines.insert(index, line)
        elif kind == "value" and ":" in line:
            key, _, _ = line.partition(":")
            lines[index] = f"{key}: {draw(st.sampled_from(ODD_VALUES))}"
        elif kind == "insert":
            column = draw(st.integers(0, len(line)))
            lines[index] = line[:column] + draw(st.sampled_from(ODD_TEXT)) + line[column:]
        elif kind == "indent":
            lines[index] = line[2:] if line.startswith("  ") and draw(st.booleans()) else "  " + line
        elif kind == "key":
            lines.insert(index, f"{' ' * (len(line) - len(line.lstrip()))}{draw(st.sampled_from(ODD_VALUES))}: 1")
    data = "\n".join(lines).encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):  # odd bytes, possibly not UTF-8
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return path, data


@pytest.fixture(scope="module")
def spec_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    for name in SPEC_DIRS:
        shutil.copytree(ROOT / name, root / name)
    return root


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Turn a hang into a test failure instead of a stuck suite."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"validate ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=250, derandomize=True, database=None, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(mutation=mutations())
def test_mutated_examples_meet_the_contract(spec_copy: Path, capsys: pytest.CaptureFixture[str],
                                            mutation: tuple[str, bytes]) -> None:
    path, data = mutation
    target = spec_copy / path
    original = (ROOT / path).read_bytes()
    target.write_bytes(data)
    try:
        capsys.readouterr()
        started = time.monotonic()
        with time_limit(20):
            code = main(["--root", str(spec_copy), "validate"])
        check_contract(code, capsys.readouterr().err, time.monotonic() - started)
    finally:
        target.write_bytes(original)

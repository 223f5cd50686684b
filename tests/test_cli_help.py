"""The command line's habits: examples in every --help, one table of exit codes, --version, completion, colour
only on terminals and never with NO_COLOR, JSON where it reports."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, FakeTerminal
from vigil import cli_help, exit_codes, terminal
from vigil.cli import build_parser, main


def test_every_command_has_examples_in_its_help() -> None:
    commands = dict(cli_help.leaf_commands(cli_help.subcommands(build_parser())))  # `slo simulate` by its full name
    assert set(commands) == set(cli_help.EXAMPLES), "add the command's examples to vigil/cli_help.py"
    for name, parser in commands.items():
        text = parser.format_help()
        assert "examples:\n" in text and f"vigil {name}" in text.split("examples:")[1], name


def test_the_top_level_help_lists_every_exit_code_the_cli_uses() -> None:
    text = build_parser().format_help()
    for code in exit_codes.EXIT_CODES:
        assert f"\n  {code:<4} " in text
    assert set(exit_codes.EXIT_CODES) == {exit_codes.EXIT_OK, exit_codes.EXIT_ERROR, exit_codes.EXIT_SPEC,
                                          exit_codes.EXIT_FINDINGS, exit_codes.EXIT_INTERRUPTED}


def test_version_names_vigil_and_the_cdk_library(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    from vigil import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"vigil {__version__} (aws-cdk-lib {metadata.version('aws-cdk-lib')}, ")


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_scripts_name_the_commands(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert "validate" in script and "verify" in script and "--format" in script


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert terminal.paint("ok", "green", FakeTerminal()) == "\033[32mok\033[0m"
    assert terminal.paint("ok", "green", io.StringIO()) == "ok"
    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal.paint("ok", "green", FakeTerminal()) == "ok"
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("TERM", "dumb")
    assert terminal.paint("ok", "green", FakeTerminal()) == "ok"


def test_problems_in_a_pipe_carry_no_escape_codes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.yaml").write_text("version: 1\nname: dev\n")
    result = subprocess.run([sys.executable, "-m", "vigil", "--root", str(tmp_path), "validate"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "\033[" not in result.stderr and "environments/dev.yaml:" in result.stderr


def test_validate_reports_as_json(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert main(["--root", str(ROOT), "validate", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["problems"] == [] and summary["environments"] >= 1
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.yaml").write_text("version: 1\nname: dev\n")
    assert main(["--root", str(tmp_path), "validate", "--format", "json"]) == 2
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert {"file": "environments/dev.yaml", "line": 1, "field": "account",
            "message": "required field is missing"} in problems


def test_python_m_vigil_and_the_console_script_are_one_program() -> None:
    result = subprocess.run([sys.executable, "-m", "vigil", "--version"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0 and result.stdout == cli_help.version_line() + "\n"

"""Spec files are untrusted: every input ends in exit 0, or exit 2 with one printable `file:line: field: message`
line per problem, quickly, never a traceback, a crash or code run on the spec's behalf. One test per kind of
hostile or careless input (YAML tags, aliases, nesting, Jinja, file names and kinds, links)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SERVICE_YAML, SpecRepo
from vigil.cli import main
from vigil.spec import input_limits as limits

SVC = "alarm_specs/coaching.yaml"
PROBLEM_LINE = re.compile(r"^[^\s:][^:]*:[1-9][0-9]*: \S.*$")
SUMMARY_LINE = re.compile(r"^[0-9]+ problem\(s\) found\.$")


def check_contract(code: int, err: str, seconds: float) -> list[str]:
    """The contract every spec input must meet; returns the problem lines."""
    assert code in (0, 2), err
    assert seconds < 5, f"took {seconds:.1f} s"
    lines = err.splitlines()
    assert "Traceback" not in err and "internal error" not in err
    if code == 0:
        return []
    assert lines and SUMMARY_LINE.match(lines[-1]), err
    for line in lines[:-1]:
        assert line.isprintable() and PROBLEM_LINE.match(line), repr(line)
    return lines[:-1]


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Run `vigil validate` in process; the problem lines, after checking the contract."""
    capsys.readouterr()
    started = time.monotonic()
    code = main(["--root", str(root), "validate"])
    return check_contract(code, capsys.readouterr().err, time.monotonic() - started)


def service_problems(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str], text: str | bytes) -> list[str]:
    root = spec_repo()
    path = root / SVC
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return validate(root, capsys)


EXTRA = SERVICE_YAML.count("\n") + 1
"""The line of text appended to the example service."""

YAML_CASES = [
    ("a custom tag", SERVICE_YAML.replace("severity: warning", "severity: !custom x"),
     [f"{SVC}:24: alarms.high-latency.severity: unsupported YAML tag !custom; spec files use plain values"]),
    ("!!int that is not a number", SERVICE_YAML + "x: !!int abc\n", [f'{SVC}:{EXTRA}: x: "abc" is not a valid !!int']),
    ("!!float that is not a number", SERVICE_YAML + "x: !!float abc\n",
     [f'{SVC}:{EXTRA}: x: "abc" is not a valid !!float']),
    ("!!bool that is not a boolean", SERVICE_YAML + "x: !!bool maybe\n",
     [f'{SVC}:{EXTRA}: x: "maybe" is not a valid !!bool']),
    ("!!timestamp", SERVICE_YAML + "x: !!timestamp x\n",
     [f"{SVC}:{EXTRA}: x: unsupported YAML tag !!timestamp; spec files use plain values"]),
    ("!!binary", SERVICE_YAML + 'x: !!binary "@@@"\n',
     [f"{SVC}:{EXTRA}: x: unsupported YAML tag !!binary; spec files use plain values"]),
    ("a Python tag", SERVICE_YAML + "x: !!python/name:os.system\n",
     [f"{SVC}:{EXTRA}: x: unsupported YAML tag !!python/name:os.system; spec files use plain values"]),
    ("a tag on a mapping", SERVICE_YAML + "x: !!set {a: null}\n",
     [f"{SVC}:{EXTRA}: x: unsupported YAML tag !!set; spec files use plain mappings, lists and values"]),
    ("a merge key on a scalar", SERVICE_YAML + "x: &s a\ny: {<<: *s}\n",
     [f"{SVC}:{EXTRA + 1}: y.<<: a merge key (<<) takes an alias of a mapping, or a list of them"]),
    ("an integer of 5,000 digits", SERVICE_YAML + "x: " + "9" * 5000 + "\n",
     [f"{SVC}:{EXTRA}: x: expected a number of at most 4,300 digits"]),
    ("a hexadecimal integer of 5,000 digits", SERVICE_YAML + "x: 0x" + "f" * 5000 + "\n",
     [f"{SVC}:{EXTRA}: x: expected a number of at most 4,300 digits"]),
    ("an alias inside its own anchor", SERVICE_YAML + "x: &r [*r]\n",
     [f"{SVC}:{EXTRA}: x[0]: alias *r refers to a value that contains it"]),
    ("an alias without anchor", SERVICE_YAML + "x: *nowhere\n",
     [f"{SVC}:{EXTRA}: x: alias *nowhere names no anchor (&nowhere) defined before it"]),
    ("500 nested mappings", SERVICE_YAML + "x: " + "{a: " * 500 + "1" + "}" * 500 + "\n",
     [f"{SVC}:{EXTRA}: x" + ".a" * 63 + ": nested over 64 levels deep"]),
    ("1,000 nested lists", SERVICE_YAML + "x: " + "[" * 1000 + "]" * 1000 + "\n",
     [f"{SVC}:{EXTRA}: x" + "[0]" * 63 + ": nested over 64 levels deep"]),
    ("a second document", SERVICE_YAML + "---\na: 1\n",
     [f"{SVC}:{EXTRA}: a second YAML document (---); a spec file holds one"]),
    ("an unquoted comparison", SERVICE_YAML.replace('threshold: "> 2000"', "threshold: > 600"),
     [f'{SVC}:28: a comparison must be quoted: threshold: "> 600" (YAML reads an unquoted > as the start of a '
      "block of text)"]),
    ("an unquoted comparison without a space", SERVICE_YAML.replace('threshold: "> 2000"', "threshold: >5"),
     [f'{SVC}:28: alarms.high-latency.threshold: a comparison must be quoted: threshold: ">5" (YAML reads an '
      "unquoted > as the start of a block of text)"]),
    ("a key that forges a problem line", SERVICE_YAML + '"bad\\nkey: 1\\nfake.yaml:1": 1\n',
     [f"{SVC}:{EXTRA}: bad\\nkey: 1\\nfake.yaml:1: unknown field; expected one of: version, service, owner, "
      "runbook, targets, tags, defaults, alarms, resources, tracing, canaries, slos, log_groups, dashboard"]),
    ("a value with a bidirectional override", SERVICE_YAML.replace("severity: warning", 'severity: "\u202eevil"'),
     [f'{SVC}:24: alarms.high-latency.severity: expected \'critical\', \'warning\' or \'info\', got "\\u202eevil"']),
    ("an empty file", "", [f"{SVC}:1: the file is empty; expected a mapping starting with version: 1"]),
    ("a control character", SERVICE_YAML + "x: \x01\n",
     [f"{SVC}:{EXTRA}: invalid YAML: control characters are not allowed (U+0001)"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_hostile_yaml_gets_one_line_per_problem(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                                text: str, expected: list[str]) -> None:
    assert service_problems(spec_repo, capsys, text) == expected


def test_billion_laughs_stops_at_the_value_budget(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    text = SERVICE_YAML + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]\n" for level in range(1, 10))
    found = service_problems(spec_repo, capsys, text)
    assert len(found) == 1
    assert found[0].endswith(f"over {limits.MAX_VALUES:,} values (aliases count each time they are used)")


def test_alias_count_is_limited(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    text = SERVICE_YAML + "a: &a 1\nb: [" + ", ".join(["*a"] * (limits.MAX_ALIASES + 1)) + "]\n"
    assert service_problems(spec_repo, capsys, text) == [
        f"{SVC}:{EXTRA + 1}: b[{limits.MAX_ALIASES}]: over {limits.MAX_ALIASES:,} aliases"]


def test_merge_keys_merge_mappings_and_written_keys_win(spec_repo: SpecRepo,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    text = SERVICE_YAML.replace("  traffic-anomaly: {severity: info, metric: RequestCount, stat: Sum, anomaly: "
                                "{band: 2}}",
                                "  traffic-anomaly: &base {severity: info, metric: RequestCount, stat: Sum, "
                                "anomaly: {band: 2}}\n  traffic-anomaly-2: {<<: *base, severity: warning}")
    assert service_problems(spec_repo, capsys, text) == []


TEMPLATE_CASES = [
    ("division by zero inside a YAML comment", "# {{ 1/0 }}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: division by zero"]),
    ("an include", "{% include 'x' %}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: {{% include %}} is not available: a spec file renders on its own"]),
    ("an import", "{% import 'x' as y %}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: {{% import %}} is not available: a spec file renders on its own"]),
    ("extends", "{% extends 'x' %}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: {{% extends %}} is not available: a spec file renders on its own"]),
    ("a mutating method", SERVICE_YAML + 'x: "{{ [].pop() }}"\n',
     [f"{SVC}:{EXTRA}: template: access to attribute 'pop' of 'list' object is unsafe."]),
    ("a zero range step", SERVICE_YAML + 'x: "{{ range(1, 2, 0) }}"\n',
     [f"{SVC}:{EXTRA}: template: range() arg 3 must not be zero"]),
    ("the length of none", SERVICE_YAML + 'x: "{{ none|length }}"\n',
     [f"{SVC}:{EXTRA}: template: object of type 'NoneType' has no len()"]),
    ("a macro calling itself", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: macro calls or recursive loops nest over {limits.MAX_TEMPLATE_CALL_DEPTH} deep"]),
    ("a loop of a billion", "{% for i in range(10**9) %}{% endfor %}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: range() of over {limits.MAX_TEMPLATE_ITERATIONS:,} numbers"]),
    ("nested loops of a million", "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}\n"
     + SERVICE_YAML, [f"{SVC}:1: template: loops run over {limits.MAX_TEMPLATE_ITERATIONS:,} iterations"]),
    ("a string of a billion", SERVICE_YAML + "x: \"{{ 'a' * 10**9 }}\"\n",
     [f"{SVC}:{EXTRA}: template: a value of over {limits.MAX_RENDERED_CHARS:,} characters"]),
    ("a list of a billion", SERVICE_YAML + 'x: "{{ range(10**9)|list }}"\n',
     [f"{SVC}:{EXTRA}: template: range() of over {limits.MAX_TEMPLATE_ITERATIONS:,} numbers"]),
    ("a replace that multiplies", SERVICE_YAML + "x: \"{{ ('a' * 1000000)|replace('', 'bbbbbbbbbb') }}\"\n",
     [f"{SVC}:{EXTRA}: template: a value of over {limits.MAX_RENDERED_CHARS:,} characters"]),
    ("a map over copies of one string", "{% set big = 'a' * 1000000 %}{{ ([big] * 1000)|map('upper')|list }}\n"
     + SERVICE_YAML, [f"{SVC}:1: template: a value of over {limits.MAX_RENDERED_CHARS:,} characters"]),
    ("a long chain of ~", "{% set b = 'a' * 1000000 %}{{ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b }}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: a value of over {limits.MAX_RENDERED_CHARS:,} characters"]),
    ("a huge power", "{{ 10 ** 100000 }}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: an integer over {limits.MAX_INTEGER_BITS:,} bits"]),
    ("a width in str.format", SERVICE_YAML + "x: \"{{ '{:>999999999}'.format(1) }}\"\n",
     [f"{SVC}:{EXTRA}: template: calling format() is not available in spec templates"]),
    ("printf-style formatting", SERVICE_YAML + "x: \"{{ '%999999999s' % 1 }}\"\n",
     [f"{SVC}:{EXTRA}: template: % formatting of text is not available; join text with ~"]),
    ("a filter that pads", SERVICE_YAML + "x: \"{{ 'a'|center(999999999) }}\"\n",
     [f"{SVC}:{EXTRA}: template syntax: No filter named 'center'."]),
    ("expressions nested deeply", "{{ " + "(" * 200 + "1" + ")" * 200 + " }}\n" + SERVICE_YAML,
     [f"{SVC}:1: template: expressions nested too deeply"]),
    ("a template syntax error", SERVICE_YAML + "x: {% if %}\n",
     [f"{SVC}:{EXTRA}: template syntax: Expected an expression, got 'end of statement block'"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in TEMPLATE_CASES],
                         ids=[c[0] for c in TEMPLATE_CASES])
def test_hostile_templates_get_one_line_per_problem(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                                    text: str, expected: list[str]) -> None:
    # One line for all three environments: the problem is the same in each.
    assert service_problems(spec_repo, capsys, text) == expected


@pytest.mark.parametrize("expression", [
    "lipsum.__globals__['os'].getcwd()", "cycler.__init__.__globals__.os.getcwd()", "''.__class__.__mro__",
    "self._TemplateReference__context", "namespace.__init__.__globals__", "range.__globals__",
    "vars.__class__", "(1).__class__.__subclasses__()"])
def test_templates_cannot_reach_python_internals(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                                 expression: str) -> None:
    text = SERVICE_YAML.replace("More than 5% of requests fail", f'"{{{{ {expression} }}}}"')
    found = service_problems(spec_repo, capsys, text)
    assert found and all(line.startswith(f"{SVC}:9: template: ") for line in found), found
    assert str(ROOT) not in "\n".join(found)


def test_templates_see_only_the_documented_context(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    text = SERVICE_YAML.replace("More than 5% of requests fail",
                                "'{{ env }} {{ account }} {{ region }} {{ vars.api_host }} {{ range(2)|list }}'")
    assert service_problems(spec_repo, capsys, text) == []
    for name in ("lipsum", "cycler", "joiner", "dict", "config", "request"):
        found = service_problems(spec_repo, capsys, SERVICE_YAML + f'x: "{{{{ {name} }}}}"\n')
        assert found == [f'{SVC}:{EXTRA}: template: "{name}" is undefined; templates see env, account, region and '
                         "vars"]


def test_a_missing_variable_names_the_environment_and_vars(spec_repo: SpecRepo,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    found = service_problems(spec_repo, capsys, SERVICE_YAML + 'x: "{{ vars.orders_db_gib }}"\n')
    assert found == [f'{SVC}:{EXTRA}: template: environment "{env}" has no vars.orders_db_gib (add it to its vars)'
                     for env in ("dev", "prod", "staging")]


def test_problems_inside_a_loop_point_at_the_line_written(spec_repo: SpecRepo,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    text = SERVICE_YAML + (
        "{% for queue in ['orders', 'payments'] %}\n"          # EXTRA
        "  {{ queue }}-depth:\n"                                 # EXTRA + 1
        "    severity: warning\n"
        "    metric: ApproximateNumberOfMessagesVisible\n"
        "    dimensions: {QueueName: '{{ queue }}'}\n"
        "    threshold: 5\n"                                     # EXTRA + 5
        "{% endfor %}\n"
        "  after-the-loop: {severity: info, metric: M, threshold: 1}\n")  # EXTRA + 7
    assert service_problems(spec_repo, capsys, text) == [
        f'{SVC}:{EXTRA + 5}: alarms.orders-depth.threshold: expected a comparison like "> 5", got "5"',
        f'{SVC}:{EXTRA + 5}: alarms.payments-depth.threshold: expected a comparison like "> 5", got "5"',
        f'{SVC}:{EXTRA + 7}: alarms.after-the-loop.threshold: expected a comparison like "> 5", got "1"',
    ]


def test_problems_report_at_line_1_not_0(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert service_problems(spec_repo, capsys, b"version: 1\nservice: \xff\n") == [
        f"{SVC}:2: not valid UTF-8 (byte 0xff); save the file as UTF-8"]
    assert service_problems(spec_repo, capsys, b"\xef\xbb\xbf" + SERVICE_YAML.encode()) == []


FILE_CASES = [
    ("a link to /dev/zero", lambda d: os.symlink("/dev/zero", d / "zero.yaml"),
     ["alarm_specs/zero.yaml:1: a symbolic link out of the repository; vigil reads only files inside it"]),
    ("a dangling link", lambda d: os.symlink("nothing.yaml", d / "dangling.yaml"),
     ["alarm_specs/dangling.yaml:1: a symbolic link to nothing (the file it names does not exist)"]),
    ("a looping link", lambda d: (os.symlink("b.yaml", d / "a.yaml"), os.symlink("a.yaml", d / "b.yaml")),
     ["alarm_specs/a.yaml:1: a symbolic link loop", "alarm_specs/b.yaml:1: a symbolic link loop"]),
    ("a FIFO", lambda d: os.mkfifo(d / "fifo.yaml"),
     ["alarm_specs/fifo.yaml:1: not a regular file (a FIFO, device or socket)"]),
    ("a directory named x.yaml", lambda d: (d / "x.yaml").mkdir(),
     ["alarm_specs/x.yaml:1: a directory, not a YAML file"]),
    ("a file over the size limit", lambda d: (d / "big.yaml").write_bytes(b"#" * (limits.MAX_SPEC_FILE_BYTES + 1)),
     [f"alarm_specs/big.yaml:1: the file is over {limits.MAX_SPEC_FILE_BYTES:,} bytes; split it"]),
    ("a name with a newline", lambda d: (d / "a\nfake.yaml:1: x.yaml").write_text(SERVICE_YAML),
     ["alarm_specs/a\\nfake.yaml:1: x.yaml:1: the file name holds control or other unprintable characters; "
      "rename the file"]),
    ("a name that is not UTF-8", lambda d: Path(os.fsdecode(bytes(d) + b"/bad\xff.yaml")).write_text(SERVICE_YAML),
     ["alarm_specs/bad\\udcff.yaml:1: the file name is not valid UTF-8; rename the file"]),
    ("two files for one service", lambda d: (d / "coaching.yml").write_text(SERVICE_YAML),
     ["alarm_specs/coaching.yml:1: alarm_specs/coaching.yaml has the same name; keep one file per service"]),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_odd_files_are_problems_not_skipped(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str],
                                            make: object, expected: list[str]) -> None:
    root = spec_repo()
    make(root / "alarm_specs")  # type: ignore[operator]
    assert validate(root, capsys) == expected


def test_a_second_file_for_one_environment_is_refused(spec_repo: SpecRepo,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo()
    (root / "environments" / "prod.yml").write_text((root / "environments" / "prod.yaml").read_text())
    assert validate(root, capsys) == [
        "environments/prod.yml:1: environments/prod.yaml has the same name; keep one file per environment"]


def test_a_link_out_of_the_repository_is_refused_and_never_echoed(spec_repo: SpecRepo, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "credentials"
    secret.write_text("[default]\naws_secret_access_key = not-a-real-secret-but-must-not-show\n")
    root = spec_repo()
    os.symlink(secret, root / "environments" / "x.yaml")
    os.symlink(secret, root / "vigil.lock.json")
    capsys.readouterr()
    assert main(["--root", str(root), "validate"]) == 2
    err = capsys.readouterr().err
    assert "must-not-show" not in err
    assert err.splitlines()[:-1] == [
        "environments/x.yaml:1: a symbolic link out of the repository; vigil reads only files inside it",
        "vigil.lock.json:1: a symbolic link out of the repository; vigil reads only files inside it"]


def test_a_link_inside_the_repository_is_read(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo()
    (root / "shared").mkdir()
    (root / "shared" / "coaching.yaml").write_text(SERVICE_YAML)
    (root / "alarm_specs" / "coaching.yaml").unlink()
    os.symlink("../shared/coaching.yaml", root / "alarm_specs" / "coaching.yaml")
    assert validate(root, capsys) == []


def test_read_problems_come_with_the_other_problems(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({"alarm_specs/other.yaml": "version: 1\nservice: other\nowner: o\nalarms: {a: {}}\n"})
    os.mkfifo(root / "alarm_specs" / "fifo.yaml")
    found = validate(root, capsys)
    assert found[0] == "alarm_specs/fifo.yaml:1: not a regular file (a FIFO, device or socket)"
    assert found[1] == "alarm_specs/other.yaml:4: alarms.a.severity: required field is missing"


def test_a_stale_lock_is_one_note_line(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    lock = ('{"version": 1, "environments": {"prod": {'
            + ", ".join(f'"gone-{n}": {{"a": 1}}' for n in range(8)) + "}}}\n")
    root = spec_repo({"vigil.lock.json": lock})
    capsys.readouterr()
    assert main(["--root", str(root), "validate"]) == 0
    notes = capsys.readouterr().err.splitlines()
    assert len(notes) == 1
    assert notes[0].startswith("note: vigil.lock.json is out of date for 11 service(s) (dev/coaching, ")


def test_git_revisions_follow_the_same_rules(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo()
    os.symlink("/dev/zero", root / "alarm_specs" / "zero.yaml")
    (root / "alarm_specs" / "coaching.yml").write_text(SERVICE_YAML)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    from vigil.spec.git_sources import read_sources_at

    sources = read_sources_at(root, "HEAD")
    assert sorted(str(p) for p in sources.problems) == [
        "alarm_specs/coaching.yml:1: alarm_specs/coaching.yaml has the same name; keep one file per service",
        "alarm_specs/zero.yaml:1: not a regular file at this revision (a symbolic link or submodule); not read"]


@pytest.mark.parametrize("text", [
    "x: " + "[" * 25000 + "]" * 25000 + "\n",
    "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 10)),
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
], ids=["25,000 nested brackets (a segfault in PyYAML's C composer)", "billion laughs", "a loop of 10**10"])
def test_as_a_process_no_signal_no_hang(spec_repo: SpecRepo, text: str) -> None:
    root = spec_repo({SVC: SERVICE_YAML + text})
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "vigil", "--root", str(root), "validate"], capture_output=True,
                            text=True, cwd=ROOT, timeout=60, check=False)
    lines = check_contract(result.returncode, result.stderr, time.monotonic() - started)
    assert len(lines) == 1, result.stderr


def test_the_documented_loop_example_writes_one_alarm_per_queue(spec_repo: SpecRepo) -> None:
    readme = (ROOT / "docs" / "specs.md").read_text(encoding="utf-8")
    loop = readme.split("```yaml\nalarms:\n{% for queue", 1)[1].split("```", 1)[0]
    root = spec_repo({SVC: "version: 1\nservice: coaching\nowner: o\nalarms:\n{% for queue" + loop})
    for name in ("dev", "prod", "staging"):
        path = root / "environments" / f"{name}.yaml"
        path.write_text(path.read_text().replace("vars: {", "vars: {queues: [orders, payments], "))
    from vigil.plan.resolve import plan_workspace
    from vigil.spec.workspace import read_sources

    prod = next(e for e in plan_workspace(read_sources(root)).environments if e.name == "prod")
    alarms = {alarm.name: alarm for alarm in prod.services[0].alarms}
    assert sorted(alarms) == ["prod-coaching-orders-backlog", "prod-coaching-payments-backlog"]
    metric = alarms["prod-coaching-orders-backlog"].metric
    assert metric is not None and dict(metric.dimensions) == {"QueueName": "orders-prod"}


def test_rendered_size_is_limited(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    line = "#" + "x" * 98 + "\n"
    text = "{% for i in range(30000) %}" + line + "{% endfor %}\n" + SERVICE_YAML
    assert service_problems(spec_repo, capsys, text) == [
        f"{SVC}:1: template: the file renders to over {limits.MAX_RENDERED_CHARS:,} characters"]


def test_every_problem_is_reported_in_one_run(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    # A model problem in one alarm does not hide a plan problem (M of N) in another, nor does a composite over
    # the invalid alarm report it as unknown.
    text = (SERVICE_YAML.replace("stat: p95", "stat: p1000")
            .replace("    evaluation_periods: 2\n  api-down", "    evaluation_periods: 2\n    datapoints_to_alarm: 3\n"
                     "  api-down")
            .replace("  api-down:\n    severity: critical", "  api-down:\n    severity: urgent"))
    assert service_problems(spec_repo, capsys, text) == [
        f"{SVC}:16: alarms.high-error-rate.datapoints_to_alarm: expected at most evaluation_periods (2), got 3",
        f"{SVC}:18: alarms.api-down.severity: expected 'critical', 'warning' or 'info', got \"urgent\"",
        f'{SVC}:27: alarms.high-latency.stat: expected a statistic: Sum, Average, Minimum, Maximum, SampleCount, a '
        'percentile like p95 or p99.9, a trimmed mean like tm90 or TM(10%:90%), or PR(:2000); got "p1000"']

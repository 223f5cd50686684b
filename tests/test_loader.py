"""The loader: Jinja2 with StrictUndefined, YAML with line numbers, duplicate keys refused."""

from __future__ import annotations

import pytest

from vigil.spec.errors import SpecError
from vigil.spec.loader import load, parse


def test_lines_are_recorded_for_keys_and_list_items() -> None:
    document = parse("f.yaml", "a:\n  b: 1\n  c:\n    - x\n    - y\n")
    assert document.line_of(("a", "b")) == 2
    assert document.line_of(("a", "c", 1)) == 5
    assert document.line_of(("a", "missing", "deeper")) == 1


def test_duplicate_keys_are_an_error_with_both_lines() -> None:
    with pytest.raises(SpecError) as caught:
        parse("f.yaml", "alarms:\n  a: 1\n  b: 2\n  a: 3\n")
    assert str(caught.value) == ("f.yaml:4: alarms.a: duplicate key (first defined on line 2); "
                                 "YAML would keep only the last")


def test_merge_keys_do_not_count_as_duplicates() -> None:
    document = parse("f.yaml", "base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n")
    assert document.data["item"] == {"x": 1, "y": 3}


def test_templates_render_with_the_environment_context() -> None:
    context = {"env": "prod", "account": "1", "region": "us-east-1", "vars": {"host": "api.example.com"}}
    document = load("f.yaml", "url: https://{{ vars.host }}/{{ env }}\n", context)
    assert document.data == {"url": "https://api.example.com/prod"}


def test_an_undefined_variable_names_its_line() -> None:
    with pytest.raises(SpecError) as caught:
        load("f.yaml", "a: 1\nb: 2\nc: {{ vars.nope }}\n", {"env": "prod", "vars": {}})
    assert str(caught.value) == 'f.yaml:3: template: environment "prod" has no vars.nope (add it to its vars)'


def test_template_syntax_errors_name_their_line() -> None:
    with pytest.raises(SpecError) as caught:
        load("f.yaml", "a: 1\n{% if %}\n", {})
    assert str(caught.value).startswith("f.yaml:2: template syntax:")


def test_rendering_keeps_line_numbers() -> None:
    text = "{% set x = 1 %}\na: 1\nb: {{ x }}\n"
    document = load("f.yaml", text, {})
    assert document.line_of(("b",)) == 3

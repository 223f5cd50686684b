"""The one rule `vigil diff` and `vigil preview` tell a dashboard's added, removed, changed and moved widgets
apart by (vigil/review/widget_matching.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.review.widget_matching import WidgetChanges, compare, title


def widget(name: str | None, x: int = 0, y: int = 0, metric: str = "M", kind: str = "metric") -> dict[str, Any]:
    properties: dict[str, Any] = {"metrics": [["NS", metric]]}
    if name is not None:
        properties["title"] = name
    return {"type": kind, "x": x, "y": y, "width": 6, "height": 6, "properties": properties}


def test_a_moved_widget_is_unchanged_and_an_edited_one_keeps_its_title() -> None:
    changes = compare([widget("a"), widget("b", 6), widget("c", 12)],
                      [widget("b", 0, 6), widget("a"), widget("c", 12, metric="N"), widget("d", 18)])
    assert changes.changed == [(2, 2)] and changes.added == [3] and changes.removed == []


def test_a_retitled_widget_in_the_same_place_is_changed_and_elsewhere_is_a_swap() -> None:
    in_place = compare([widget("99% over 30 d", 0, 0)], [widget("99.5% over 30 d", 0, 0)])
    assert in_place.changed == [(0, 0)] and not in_place.added and not in_place.removed
    moved = compare([widget("99% over 30 d", 0, 0)], [widget("99.5% over 30 d", 6, 0)])
    assert moved.changed == [] and moved.added == [0] and moved.removed == [0]


def test_identical_widgets_are_matched_one_for_one() -> None:
    changes = compare([widget("a"), widget("a")], [widget("a"), widget("a"), widget("a")])
    assert changes.added == [2] and not changes.changed and not changes.removed


def test_a_widget_is_called_by_its_title_else_its_first_text_line_else_its_type() -> None:
    assert title(widget("Errors")) == "Errors"
    assert title({"type": "text", "properties": {"markdown": "# coaching in prod\nOwner: x"}}) == "coaching in prod"
    assert title({"type": "alarm"}) == "alarm"


widgets = st.lists(st.builds(widget, st.sampled_from(["a", "b", "c", None]), st.integers(0, 3), st.integers(0, 3),
                             st.sampled_from(["M", "N"])), max_size=8)


@settings(max_examples=200, derandomize=True)
@given(widgets, widgets)
def test_every_widget_is_accounted_for_once_on_each_side(before: list[dict[str, Any]],
                                                         after: list[dict[str, Any]]) -> None:
    changes = compare(before, after)
    after_seen = changes.added + [new for _, new in changes.changed]
    before_seen = changes.removed + [old for old, _ in changes.changed]
    assert len(after_seen) == len(set(after_seen)) and len(before_seen) == len(set(before_seen))
    # what is left on each side is the same widgets up to their place
    assert len(after) - len(after_seen) == len(before) - len(before_seen)
    assert compare(before, before) == WidgetChanges()


@settings(max_examples=100, derandomize=True)
@given(widgets, st.randoms(use_true_random=False))
def test_moving_widgets_changes_nothing(before: list[dict[str, Any]], random: Any) -> None:
    after = [{**w, "x": random.randint(0, 18), "y": random.randint(0, 30)} for w in before]
    random.shuffle(after)
    assert compare(before, after) == WidgetChanges()

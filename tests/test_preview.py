"""`vigil preview`: each dashboard drawn on CloudWatch's 24-column grid, checked in a real browser (Debian's
Chromium driven by Playwright): every dashboard renders, every widget sits where its dashboard body puts it, no
console errors, and text from spec files cannot become markup."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SpecRepo
from vigil.plan.resolve import plan_workspace
from vigil.review import preview
from vigil.review.preview_images import CHROMIUM, CHROMIUM_FLAGS
from vigil.spec.workspace import read_sources


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's Chromium (installed by `make test`), never a browser of its own."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": list(CHROMIUM_FLAGS)}


def _open(page: Any, path: Path) -> list[str]:
    """Load a preview page; the console errors and page errors it raises, as text."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return errors


def test_every_example_dashboard_renders_with_each_widget_where_its_body_puts_it(page: Any, tmp_path: Path) -> None:
    environment = plan_workspace(read_sources(ROOT), only=["prod"]).environments[0]
    dashboards = preview.environment_dashboards(environment)
    path = tmp_path / "prod.html"
    path.write_text(preview.render_page("prod", preview.views(environment)), encoding="utf-8")
    errors = _open(page, path)
    assert len(dashboards) == 12
    checked = 0
    for name, dashboard in dashboards.items():
        section = page.locator(f'section[data-dashboard="{name}"]')
        assert section.count() == 1, name
        grid = section.locator(".grid").bounding_box()
        widgets = json.loads(dashboard.body)["widgets"]
        assert section.locator(".widget").count() == len(widgets)
        for index, widget in enumerate(widgets):
            box = section.locator(f'.widget[data-index="{index}"]').bounding_box()
            expected = (widget["x"] * preview.COLUMN_PX, widget["y"] * preview.ROW_PX,
                        widget["width"] * preview.COLUMN_PX, widget["height"] * preview.ROW_PX)
            drawn = (box["x"] - grid["x"], box["y"] - grid["y"], box["width"], box["height"])
            assert drawn == pytest.approx(expected, abs=0.5), (name, index, widget.get("properties", {}).get("title"))
            checked += 1
    assert checked > 100
    assert errors == []
    # what a reviewer reads: titles, a threshold line at its value, alarm names, a query, markdown
    coaching = page.locator('section[data-dashboard="prod-coaching"]')
    assert coaching.locator(".widget .title", has_text="api-down").count() == 1
    assert coaching.locator('.hline[data-value="1"]').first.inner_text() == "critical < 1"
    assert "prod-coaching-p0" in coaching.locator(".widget.alarm").inner_text()
    assert coaching.locator(".markdown h1").inner_text() == "coaching in prod"
    assert coaching.locator(".side > .note").inner_text() == "time range: last 3 hours (CloudWatch's default)"
    assert page.locator('section[data-dashboard="prod-coaching-overview"] .side > .note').inner_text() == (
        "time range: last 1 day")  # range: 24h
    assert "SOURCE '/aws/lambda/purposepath-coaching-api-prod'" in page.locator(
        'section[data-dashboard="prod-coaching-errors"] pre.query').first.inner_text()


HOSTILE = """\
version: 1
dashboard: hostile
rows:
  - - type: text
      width: 12
      markdown: "# Notes <script>window.owned = 1</script>\\n\\n<img src=x onerror=\\"window.owned = 2\\">\\n\\n\
[click](javascript:window.owned=3) ![pixel](https://tracker.example.com/p.png) [runbook](https://runbooks.example.com)"
    - type: metric
      title: '"><img src=x onerror="window.owned = 4">'
      width: 12
      metrics: [{namespace: NS, metric: M, label: "</li><script>window.owned = 5</script>"}]
      annotations: {horizontal: [{value: 5, label: "<b>bold</b>"}]}
"""


def test_text_from_specs_is_shown_as_text_and_nothing_runs_or_loads(page: Any, tmp_path: Path,
                                                                    spec_repo: SpecRepo) -> None:
    environment = plan_workspace(read_sources(spec_repo({"dashboards/hostile.yaml": HOSTILE})),
                                 only=["prod"]).environments[0]
    path = tmp_path / "prod.html"
    path.write_text(preview.render_page("prod", preview.views(environment)), encoding="utf-8")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors = _open(page, path)
    section = page.locator('section[data-dashboard="prod-hostile"]')
    assert page.evaluate("window.owned") is None
    assert page.locator("script, img, iframe, object, embed").count() == 0
    assert section.locator("a").evaluate_all("links => links.map(a => a.href)") == ["https://tracker.example.com/p.png",
                                                                                   "https://runbooks.example.com/"]
    assert section.locator(".markdown h1").inner_text() == "Notes <script>window.owned = 1</script>"
    assert section.locator(".widget.metric .title").inner_text() == '"><img src=x onerror="window.owned = 4">'
    assert section.locator(".legend li").inner_text().startswith("</li><script>")
    assert section.locator(".hline").inner_text() == "<b>bold</b>"
    assert requests == [path.resolve().as_uri()] and errors == []


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def test_base_draws_changed_dashboards_before_and_after_as_images(spec_repo: SpecRepo) -> None:
    overview = "version: 1\ndashboard: overview\nrows:\n  - - {type: text, markdown: hi, width: 24}\n"
    root = spec_repo({"dashboards/overview.yaml": overview, "dashboards/same.yaml": overview.replace(
        "dashboard: overview", "dashboard: same")})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    (root / "dashboards" / "overview.yaml").write_text(
        overview + "  - - {type: metric, title: Requests, metrics: [{namespace: NS, metric: RequestCount}]}\n")
    # in a process of its own: the images are taken with Playwright's sync API, like the CLI does
    run = subprocess.run([sys.executable, "-m", "vigil", "--root", str(root), "preview", "--env", "prod",
                          "--base", "HEAD", "--images"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("prod: ") and "1 dashboard(s), 2 image(s)" in run.stdout
    html = (root / "preview" / "prod.html").read_text()
    assert html.count('<section class="dashboard"') == 1 and 'data-dashboard="prod-overview"' in html
    assert html.count('data-side="before"') == 1 and html.count('data-side="after"') == 1
    assert html.count('data-mark="added"') == 1 and html.count('data-mark="changed"') == 0  # the new widget only
    images = sorted(p.name for p in (root / "preview" / "prod").iterdir())
    assert images == ["prod-overview-after.png", "prod-overview-before.png"]
    before, after = ((root / "preview" / "prod" / name).read_bytes() for name in reversed(images))
    assert before.startswith(b"\x89PNG") and len(after) > len(before)  # the new widget makes it taller
    assert (root / "preview" / "summary.md").read_text() == (
        "- `prod`: prod-overview (changed: prod-overview-before.png, prod-overview-after.png)\n")


def test_widget_marks_tell_added_removed_changed_and_moved_widgets_apart() -> None:
    def body(*widgets: dict[str, Any]) -> str:
        return json.dumps({"widgets": list(widgets)})

    def widget(title: str, x: int, y: int, metric: str = "M") -> dict[str, Any]:
        return {"type": "metric", "x": x, "y": y, "width": 6, "height": 6,
                "properties": {"title": title, "metrics": [["NS", metric]]}}

    marks = preview.widget_marks(body(widget("kept", 0, 0), widget("moved", 6, 0), widget("edited", 12, 0),
                                      widget("gone", 18, 0)),
                                 body(widget("kept", 0, 0), widget("moved", 0, 6), widget("edited", 12, 0, "N"),
                                      widget("new", 6, 6)))
    assert marks == {"before": {2: "changed", 3: "removed"}, "after": {2: "changed", 3: "added"}}


def test_only_hex_colours_reach_a_style_attribute() -> None:
    body = json.dumps({"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 6, "height": 6, "properties": {
        "metrics": [["NS", "M", {"color": "red;background:url(https://x.example.com/a)"}],
                    ["NS", "N", {"color": "#2ca02c"}]],
        "annotations": {"horizontal": [{"value": 1, "color": "#d62728\"><b>"}]}}}]})
    page = preview.render_page("prod", [preview.DashboardView("d", "declared", None, body, "unchanged")])
    assert "url(" not in page and "<b>" not in page
    assert 'style="background:#1f77b4"' in page and 'style="background:#2ca02c"' in page

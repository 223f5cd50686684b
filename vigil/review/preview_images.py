"""PNG images of the dashboards of a preview page, one per dashboard (before and after for a change), taken by
a headless Chromium through Playwright from the page itself, so that the images are what the page draws."""

from __future__ import annotations

import re
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium (`apt-get install chromium`); Playwright drives it instead of a browser of its own."""
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")
"""Headless, as root in CI (no sandbox), and no network use of the browser's own."""
VIEWPORT = {"width": 1280, "height": 900}


def image_name(dashboard: str, side: str, state: str) -> str:
    """`prod-coaching.png`, or `prod-coaching-before.png` / `-after.png` for a dashboard a change touches."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", dashboard)
    return f"{safe}.png" if state == "unchanged" else f"{safe}-{side}.png"


def screenshots(page: Path, out: Path, executable: str = CHROMIUM) -> list[Path]:
    """Open the preview page and save an image of each dashboard (each side of a changed one) in `out`."""
    from playwright.sync_api import sync_playwright

    if not Path(executable).exists():
        raise FileNotFoundError(f"no browser at {executable}: install Chromium (apt-get install chromium) or "
                                "pass --browser PATH")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS))
        try:
            tab = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            tab.goto(page.resolve().as_uri())
            for section in tab.query_selector_all("section.dashboard"):
                name = section.get_attribute("data-dashboard") or "dashboard"
                state = section.get_attribute("data-state") or "unchanged"
                for side in section.query_selector_all(".side"):
                    path = out / image_name(name, side.get_attribute("data-side") or "after", state)
                    side.screenshot(path=str(path))
                    written.append(path)
        finally:
            browser.close()
    return written

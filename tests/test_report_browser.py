"""The report opens in a real browser with the network off: headless Chromium (Debian's, driven
by Playwright) loads it with no console error and no request leaving the file, every chart is
drawn, nothing overflows, and no two axis or legend labels overlap. A full-page screenshot is
kept in the test's tmp dir and copied to /tmp/report_screenshot.png for a person to look at.

Chromium comes from `scripts/install_browser.sh`. Without it the test skips, except under CI
(CI=true), where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pricer.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_COPY = Path("/tmp/report_screenshot.png")
VIEWPORT = {"width": 1500, "height": 1000}
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = 7

# Per chart: the SVG's drawn size, its data marks, and every pair of axis or legend labels
# (within one axis or legend) whose boxes overlap.
INSPECT_JS = """
() => {
  const overlap = (a, b) => !(a.right <= b.left + 0.5 || b.right <= a.left + 0.5 ||
                              a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5);
  const charts = [...document.querySelectorAll('figure.chart')].map(fig => {
    const svg = fig.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const marks = svg ? svg.querySelectorAll(
      'g.role-mark.mark-rect path, g.role-mark.mark-arc path, g.role-mark.mark-symbol path'
    ).length : 0;
    const clashes = [];
    const groups = svg ? svg.querySelectorAll('g.role-axis-label, g.role-legend-entry') : [];
    for (const group of groups) {
      // Vega hides the labels it drops for overlap with opacity 0: only visible ones count.
      const labels = [...group.querySelectorAll('text')]
        .filter(t => t.textContent.trim() !== '' && t.getAttribute('opacity') !== '0' &&
                     parseFloat(getComputedStyle(t).opacity) > 0)
        .map(t => ({text: t.textContent, box: t.getBoundingClientRect()}));
      for (let i = 0; i < labels.length; i++)
        for (let j = i + 1; j < labels.length; j++)
          if (overlap(labels[i].box, labels[j].box))
            clashes.push(labels[i].text + ' / ' + labels[j].text);
    }
    return {name: fig.dataset.chart, width: box.width, height: box.height, marks, clashes};
  });
  const doc = document.documentElement;
  return {charts, scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth,
          height: doc.scrollHeight, fonts: document.fonts.status};
}
"""


def _require_browser() -> None:
    """Skip when Chromium or Playwright is missing on a developer's machine; fail under CI."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (bash scripts/install_browser.sh)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (bash scripts/setup.sh)")
    if not missing:
        return
    message = "no browser for the report test: missing " + ", ".join(missing)
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


def test_report_renders_offline_in_chromium(built_project, tmp_path: Path) -> None:
    _require_browser()
    from playwright.sync_api import sync_playwright

    page_file = write_report(built_project.db_path, tmp_path / "site" / "report.html")
    url = page_file.resolve().as_uri()
    problems: list[str] = []
    requests: list[str] = []

    def route(route_obj) -> None:
        # The network is off: anything but the page itself is recorded and refused.
        request_url = route_obj.request.url
        if request_url == url:
            route_obj.continue_()
        else:
            problems.append(f"request: {request_url}")
            route_obj.abort()

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=LAUNCH_ARGS,
            viewport=VIEWPORT,
            offline=True,
            timeout=60_000,
        )
        try:
            context.route("**/*", route)
            page = context.new_page()
            page.on(
                "console",
                lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"),
            )
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            page.on(
                "requestfailed",
                lambda req: problems.append(f"failed: {req.url} {req.failure}"),
            )
            page.on("request", lambda req: requests.append(req.url))
            response = page.goto(url, wait_until="load", timeout=30_000)
            assert response is None or response.ok
            page.evaluate("document.fonts.ready.then(() => true)")
            state = page.evaluate(INSPECT_JS)
            screenshot = tmp_path / "report.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()

    shutil.copyfile(screenshot, SCREENSHOT_COPY)
    assert problems == [], problems
    assert requests == [url], requests
    charts = state["charts"]
    assert len(charts) == CHARTS, [c["name"] for c in charts]
    for chart in charts:
        assert chart["width"] > 200 and chart["height"] > 150, chart
        assert chart["marks"] > 0, f"{chart['name']} draws no data marks"
        assert chart["clashes"] == [], f"{chart['name']}: overlapping labels {chart['clashes']}"
    assert state["scrollWidth"] <= state["clientWidth"], "the page scrolls sideways"
    assert state["height"] > VIEWPORT["height"]
    assert screenshot.stat().st_size > 50_000

"""The demo's digest in a real headless Chromium: its registered-trials section reads on a desktop, at 375 px and
in dark mode (no horizontal scroll, every entry inside the page, badges readable), and the page stays inert.

The digest is the one ``littrack demo`` writes: real recorded PubMed and ClinicalTrials.gov records, topic matches
and two trials' earlier states synthetic (and labelled so in the page).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import ARTIFACTS, luminance, open_page, require_chromium
from littrack.config import load_config, shipped_config_path
from littrack.demo import run_demo

require_chromium()
pytestmark = pytest.mark.slow  # the demo and a real browser


@pytest.fixture(scope="module")
def demo_digest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    _, result = run_demo(load_config(shipped_config_path()), out_dir=out, say=lambda line: None)
    assert result.path is not None
    return result.path


@pytest.mark.parametrize(
    ("name", "context_args"),
    [
        ("desktop", {"viewport": {"width": 1280, "height": 900}}),
        ("phone", {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True}),
        ("dark", {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"}),
    ],
)
def test_trials_section_reads_on_desktop_phone_and_dark(
    browser: object, demo_digest: Path, name: str, context_args: dict[str, object]
) -> None:
    context, page, watch = open_page(browser, demo_digest, **context_args)
    entries = page.locator("#trials li.trial")
    assert entries.count() == 6
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "horizontal scroll"
    for i in range(entries.count()):
        box = entries.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (i, box)
    synthetic = page.locator("#trials .kind-synthetic")
    assert synthetic.count() == 2 and synthetic.first.is_visible()
    fg, bg = page.evaluate(
        "(() => { const b = document.querySelector('#trials .kind'); const s = getComputedStyle(b);"
        " return [s.color, s.backgroundColor]; })()"
    )
    assert abs(luminance(fg) - luminance(bg)) > 0.3, (fg, bg)  # a badge you can read
    page.locator("#trials").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#trials").screenshot(path=str(ARTIFACTS / f"trials-{name}.png"))
    watch.assert_clean()
    context.close()

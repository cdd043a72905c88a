"""A real headless Chromium opens the evidence page: desktop, 375 px and dark mode; inert with hostile data; sorting
is an enhancement the page reads the same without; a retracted row is struck through.

Debian's /usr/bin/chromium through Playwright; a browser is never downloaded. The store holds real recorded
records; lookups, topic matches and passage relations are SYNTHETIC (evidence_samples.py), so that every part of
the page shows.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from browser import ARTIFACTS, luminance, no_horizontal_scroll, open_page, require_chromium
from digest_samples import HOSTILE_TITLE, hostile_paper
from evidence_samples import (
    CRPS,
    FM,
    NARRATIVE,
    PRECLINICAL,
    RCT_1998,
    RCT_2012,
    RCT_2013,
    RCT_WITH_ERRATA,
    RETRACTED,
    SR_2018,
    SR_2021,
    config,
    looked_up,
    open_filled,
    today,
)
from littrack.evidence_page.gather import gather
from littrack.evidence_page.job import build_page
from littrack.evidence_page.render import render_evidence_html
from littrack.models import RelatedPassage

require_chromium()
pytestmark = pytest.mark.slow  # starts a real browser

README_SHOT = Path(__file__).parents[1] / "docs" / "evidence-screenshot.png"
@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("evidence")
    cfg = config(tmp, background={"resolve_mentions": True})
    topics = {
        FM: [SR_2021, SR_2018, RCT_2013, RCT_2012, RCT_1998, RCT_WITH_ERRATA, RETRACTED, NARRATIVE, PRECLINICAL],
        CRPS: [RCT_2013, PRECLINICAL, hostile_paper()],
    }
    with open_filled(cfg, topics) as store:
        looked_up(store, cfg, {1997: [RCT_WITH_ERRATA], 2000: [RETRACTED], 2011: [RCT_1998]})
        snap = gather(cfg, store)
    # SYNTHETIC: newer reviews and trials bear on the passage with the 1995-2011 claims.
    bearing = {SR_2021, SR_2018, RCT_2013, RCT_2012}
    related = (RelatedPassage("", "", "", 0.5, passage_id="healthrising-stephanie#15"),)
    snap = dataclasses.replace(
        snap, facts=tuple(dataclasses.replace(f, related=related) if f.paper.pmid in bearing else f for f in snap.facts)
    )
    path = cfg.digest.output_dir / "evidence.html"
    path.parent.mkdir(parents=True)
    path.write_text(render_evidence_html(build_page(snap, title="littrack digest", generated_at=today())), "utf-8")
    return path


def test_desktop_page_is_inert_and_fits_and_strikes_the_retracted_row_through(browser: object, page_file: Path) -> None:
    ctx, page, watch = open_page(browser, page_file, viewport={"width": 1280, "height": 900})
    no_horizontal_scroll(page)
    assert page.locator(f"#{CRPS}-pmid-99999999 .study-title").inner_text() == HOSTILE_TITLE  # text, not markup
    retracted = page.locator(f"#{FM}-pmid-{RETRACTED} td").first
    assert "line-through" in retracted.evaluate("td => getComputedStyle(td).textDecorationLine")
    assert page.locator(f"#{FM}-pmid-{RETRACTED} .col-status a").inner_text() == "notice, PMID 11600210"
    preclinical = page.locator(f"#topic-{FM} details.fold").first
    assert preclinical.evaluate("d => d.open") is False and "Preclinical work" in preclinical.inner_text()
    assert page.locator(".claim .kind-info", has_text="newer higher-tier evidence exists").count() >= 1
    assert watch.problems == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evidence-desktop.png"), full_page=True)
    README_SHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(README_SHOT), clip={"x": 0, "y": 0, "width": 1280, "height": 1000}, full_page=True)
    ctx.close()  # type: ignore[attr-defined]


def test_clicking_a_column_heading_sorts_and_the_page_reads_the_same_without_scripts(
    browser: object, page_file: Path
) -> None:
    ctx, page, watch = open_page(browser, page_file, viewport={"width": 1280, "height": 900})
    years = f"#topic-{FM} tbody tr td:first-child"
    first_order = [int(t.split()[0]) for t in page.locator(years).all_inner_texts()]
    assert first_order != sorted(first_order, reverse=True)  # tier first, so not by year
    page.locator(f"#topic-{FM} th button.sort", has_text="Year").click()
    by_year = [int(t.split()[0]) for t in page.locator(years).all_inner_texts()]
    assert by_year == sorted(first_order, reverse=True)
    page.locator(f"#topic-{FM} th button.sort", has_text="Year").click()
    assert [int(t.split()[0]) for t in page.locator(years).all_inner_texts()] == sorted(first_order)
    assert watch.problems == []
    ctx.close()  # type: ignore[attr-defined]
    ctx, page, watch = open_page(browser, page_file, viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    assert page.locator("button.sort").count() == 0
    assert [int(t.split()[0]) for t in page.locator(years).all_inner_texts()] == first_order
    assert watch.problems == []
    ctx.close()  # type: ignore[attr-defined]


def test_at_phone_width_rows_become_cards_and_nothing_scrolls_sideways(browser: object, page_file: Path) -> None:
    ctx, page, watch = open_page(
        browser, page_file, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    no_horizontal_scroll(page)
    row = page.locator(f"#{FM}-pmid-{RCT_2013}")
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    box = row.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    label = row.locator("td[data-label=Conclusion]").evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Conclusion: "'
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
    page.locator(f"#{FM}-pmid-{RCT_2013}").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "evidence-phone.png"))
    assert watch.problems == []
    ctx.close()  # type: ignore[attr-defined]


def test_dark_mode_renders_light_text_on_a_dark_background(browser: object, page_file: Path) -> None:
    ctx, page, watch = open_page(browser, page_file, viewport={"width": 1280, "height": 900}, color_scheme="dark")
    bg, fg = page.evaluate("[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
    assert luminance(bg) < 0.1 < 0.6 < luminance(fg), (bg, fg)
    head = page.locator(f"#topic-{FM} thead th").first
    assert luminance(head.evaluate("th => getComputedStyle(th).backgroundColor")) < 0.2
    page.locator("#claims").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "evidence-dark.png"))
    assert watch.problems == []
    ctx.close()  # type: ignore[attr-defined]



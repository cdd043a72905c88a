"""A real headless Chromium opens a rendered digest and e-mail: no errors, no requests, no script runs,
phone-width safe, dark-mode readable; the briefing, the safety lane, the one-line "also under" entries, the
preclinical fold and the e-mail's papers and link work as a reader uses them.

Uses Debian's /usr/bin/chromium through Playwright; a browser is never downloaded. Without chromium the
test is skipped locally, but it fails in CI (env CI set), where .ci/run installs it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from browser import ARTIFACTS, luminance, open_page, require_chromium
from configs import TOPICS, write_config
from digest_samples import (
    HOSTILE_TITLE,
    RAT_PMID,
    RCT_PMID,
    SAFETY_PMID,
    bidi_paper,
    build_view,
    hostile_paper,
    long_author_paper,
    real_papers,
    recorded_stored,
)
from littrack.config import load_config
from littrack.digest.assemble import build_view as assemble
from littrack.digest.email_html import render_email_html
from littrack.digest.render import render_html
from littrack.digest.view import DigestView
from littrack.models import DateWindow

require_chromium()
pytestmark = pytest.mark.slow  # starts a real browser

README_SHOT = Path(__file__).parents[1] / "docs" / "digest-screenshot.png"
EMAIL_SHOT = Path(__file__).parents[1] / "docs" / "email-screenshot.png"
PUBLIC = "https://clinic.example.org/digests/2026-11-21.html"
@pytest.fixture(scope="module")
def sample_view() -> DigestView:
    papers = real_papers()
    # Real records first: a structured-abstract meta-analysis, inline markup, MathML, CollectiveName, German.
    order = [35830032, 38914053, 27933116, 30108519, 34843274, 38048813, 38962805, 38011560]
    return build_view([papers[p] for p in order] + [long_author_paper(), hostile_paper()])


@pytest.fixture(scope="module")
def digest_file(tmp_path_factory: pytest.TempPathFactory, sample_view: DigestView) -> Path:
    path = tmp_path_factory.mktemp("digests") / "2026-11-21.html"
    path.write_text(render_html(sample_view), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def email_file(tmp_path_factory: pytest.TempPathFactory, sample_view: DigestView) -> Path:
    path = tmp_path_factory.mktemp("email") / "email.html"
    view = dataclasses.replace(sample_view, full_digest_url=PUBLIC)
    path.write_text(render_email_html(view, abstract_chars=600), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def email300(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DigestView]:
    """The e-mail of a 300-paper digest of REAL recorded records (topic matches SYNTHETIC)."""
    cfg = load_config(write_config(tmp_path_factory.mktemp("cfg"), "http://127.0.0.1:9/"))
    view = assemble(
        cfg,
        recorded_stored(300, tuple(t["id"] for t in TOPICS)),
        period=DateWindow(dt.date(2026, 11, 14), dt.date(2026, 11, 20)),
        generated_at=dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC),
        full_digest_url=PUBLIC,
    )
    path = tmp_path_factory.mktemp("email300") / "email.html"
    path.write_text(render_email_html(view, abstract_chars=600), encoding="utf-8")
    return path, view


def test_digest_loads_inert_and_self_contained_on_desktop(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(browser, digest_file, viewport={"width": 1280, "height": 900})
    assert page.locator("script").count() == 0
    assert page.locator("#pmid-99999999 h3").inner_text() == HOSTILE_TITLE  # shown as text, not run
    watch.assert_clean()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "digest-desktop.png"), full_page=True)
    README_SHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(README_SHOT), clip={"x": 0, "y": 0, "width": 1280, "height": 1200}, full_page=True)
    context.close()


def test_digest_has_no_horizontal_scroll_at_phone_width(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(
        browser, digest_file, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    # Open every abstract too: long unbroken words live there as well.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"horizontal scroll at 375 px: {widths}"
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
    page.screenshot(path=str(ARTIFACTS / "digest-phone.png"), full_page=False)
    watch.assert_clean()
    context.close()


def test_clicking_summary_opens_the_abstract(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(browser, digest_file, viewport={"width": 1280, "height": 900})
    details = page.locator("#pmid-35830032 details.abstract")
    body = details.locator(".abstract-body")
    assert details.evaluate("d => d.open") is False
    assert not body.is_visible()
    details.locator("summary").click()
    assert details.evaluate("d => d.open") is True
    assert body.is_visible()
    assert "BACKGROUND" in body.inner_text()
    watch.assert_clean()
    context.close()


def test_print_shows_collapsed_abstracts_and_hides_navigation(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(browser, digest_file, viewport={"width": 1280, "height": 900})
    page.emulate_media(media="print")
    assert page.locator("#pmid-35830032 .abstract-body").is_visible()
    assert not page.locator("nav.toc").is_visible()
    watch.assert_clean()
    context.close()


def test_dark_mode_renders_light_text_on_dark_background(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(browser, digest_file, viewport={"width": 1280, "height": 900}, color_scheme="dark")
    bg, fg = page.evaluate("[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
    assert luminance(bg) < 0.1 < 0.6 < luminance(fg), (bg, fg)
    page.screenshot(path=str(ARTIFACTS / "digest-dark.png"), full_page=False)
    watch.assert_clean()
    context.close()


_LEFT_EDGES = """([selector, words]) => words.map(word => {
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const i = n.data.indexOf(word);
    if (i >= 0) {
      const range = document.createRange();
      range.setStart(n, i);
      range.setEnd(n, i + word.length);
      return range.getBoundingClientRect().left;
    }
  }
  return null;
})"""


def test_a_right_to_left_override_in_one_field_does_not_reverse_the_next(
    browser: object, tmp_path: Path
) -> None:
    path = tmp_path / "2026-11-21.html"
    path.write_text(render_html(build_view([real_papers()[35830032], bidi_paper()])), encoding="utf-8")
    context, page, watch = open_page(browser, path, viewport={"width": 1280, "height": 900})
    # Left to right on screen, as in the source: the overridden author before the next, the journal before the year.
    evil, smith = page.evaluate(_LEFT_EDGES, ["#pmid-99999996 .byline", ["Evil", "Smith"]])
    journal, year = page.evaluate(_LEFT_EDGES, ["#pmid-99999996 .source", ["Hostile", "2026"]])
    assert evil < smith and journal < year, (evil, smith, journal, year)
    watch.assert_clean()
    context.close()


def test_briefing_and_safety_lane_come_first_on_desktop(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(browser, digest_file, viewport={"width": 1280, "height": 900})
    briefing = page.locator("#briefing")
    assert briefing.is_visible() and briefing.bounding_box()["y"] < 400  # type: ignore[index]
    counts = page.locator("#briefing .counts").inner_text()
    assert counts.startswith("1 RCT · 1 systematic review · 1 safety report · 1 retraction")
    first = page.locator("#briefing-top li").first
    assert "n = 408" in first.inner_text() and "Conclusion:" in first.inner_text()
    first.locator(f'a[href="#pmid-{RCT_PMID}"]').click()
    assert page.evaluate("location.hash") == f"#pmid-{RCT_PMID}"
    harm = page.locator(f"#safety #pmid-{SAFETY_PMID} .harm").inner_text()
    assert harm.lower().startswith("harm bladder and urinary tract · why here: title:")
    order = page.evaluate("[...document.querySelectorAll('main > section')].map(s => s.id)")
    assert order[:3] == ["changes", "safety", "topic-ketamine-fibromyalgia"]
    watch.assert_clean()
    context.close()


def test_an_also_under_line_takes_the_reader_to_the_full_entry(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(browser, digest_file, viewport={"width": 1280, "height": 900})
    line = page.locator(f'#topic-ketamine-crps p.also:has(a[href="#pmid-{SAFETY_PMID}"])')
    assert "also under Safety reports ↑" in line.inner_text()
    line.locator("a.also-title").click()
    target = page.locator(f"#pmid-{SAFETY_PMID}")
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 900  # scrolled to it
    assert page.locator("#topic-ketamine-crps h2 .count").inner_text() == str(
        page.locator("#topic-ketamine-crps ol.papers > li").count()
    )
    watch.assert_clean()
    context.close()


def test_preclinical_papers_are_folded_and_open_on_click(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(browser, digest_file, viewport={"width": 1280, "height": 900})
    fold = page.locator("#topic-ketamine-fibromyalgia-preclinical")
    rat = fold.locator(f"#pmid-{RAT_PMID}")
    assert fold.evaluate("d => d.open") is False and not rat.is_visible()
    fold.locator("> summary").click()
    assert rat.is_visible() and "Preclinical: animal study" in rat.inner_text()
    watch.assert_clean()
    context.close()


def test_new_sections_fit_a_phone_and_read_in_dark_mode(browser: object, digest_file: Path) -> None:
    context, page, watch = open_page(
        browser,
        digest_file,
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        color_scheme="dark",
    )
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"horizontal scroll at 375 px: {widths}"
    for selector in ("#briefing .counts", "#briefing-top .conclusion", "#safety .harm", "p.also", ".conf-notlooked"):
        fg = page.locator(selector).first.evaluate("e => getComputedStyle(e).color")
        assert luminance(fg) > 0.5, (selector, fg)  # light text on the dark page
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
    page.screenshot(path=str(ARTIFACTS / "digest-phone-dark.png"), full_page=False)
    watch.assert_clean()
    context.close()


@pytest.mark.parametrize(
    "context_args",
    [
        {"viewport": {"width": 1280, "height": 900}},
        {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True},
        {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"},
    ],
    ids=["desktop", "phone", "dark"],
)
def test_the_email_shows_its_briefing_papers_and_link(browser: object, email_file: Path, context_args: dict) -> None:
    context, page, watch = open_page(browser, email_file, **context_args)
    assert page.locator("script").count() == 0
    assert page.get_by_text("What matters this period").is_visible()
    assert page.locator(f"#pmid-{RCT_PMID}").is_visible()
    link = page.locator('a:has-text("Open the full digest")')
    assert link.is_visible() and link.get_attribute("href") == PUBLIC
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"horizontal scroll: {widths}"
    if context_args.get("color_scheme") == "dark":
        bg = page.locator(".card").evaluate("e => getComputedStyle(e).backgroundColor")
        fg = page.locator(".card p").first.evaluate("e => getComputedStyle(e).color")
        assert luminance(bg) < 0.15 < 0.5 < luminance(fg), (bg, fg)
    if context_args.get("is_mobile"):
        EMAIL_SHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(EMAIL_SHOT), full_page=False)
    watch.assert_clean()
    context.close()


def test_the_300_paper_email_opens_with_its_top_papers_and_the_link(
    browser: object, email300: tuple[Path, DigestView]
) -> None:
    path, view = email300
    assert path.stat().st_size < 100_000
    context, page, watch = open_page(browser, path, viewport={"width": 1280, "height": 900})
    assert view.briefing is not None and view.briefing.top
    for entry in view.briefing.top:
        card = page.locator(f"#pmid-{entry.paper.pmid}")
        assert card.is_visible()
        assert card.locator(f'a[href="{entry.paper.pubmed_url}"]').first.is_visible()
    assert page.locator('a:has-text("Open the full digest")').get_attribute("href") == PUBLIC
    assert page.get_by_text("more in the full digest").first.is_visible()
    watch.assert_clean()
    context.close()

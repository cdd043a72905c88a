"""What every browser test shares: Debian's Chromium driven by Playwright (never a downloaded browser), a
watcher that catches what a self-contained, inert page must never do, and small measurements.

Without /usr/bin/chromium a browser test module is skipped locally but fails in CI (env CI set), where .ci/run
installs it: call :func:`require_chromium` at the top of the module. The ``browser`` fixture is in conftest.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
# As the machine's probe starts Chromium: without the background-networking switches it tries to reach Google's
# hosts at start-up, which this closed network refuses.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_chromium() -> None:
    """Skip the calling test module without Chromium, except in CI, where that is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI: /usr/bin/chromium is missing; .ci/run must install Debian's chromium package")
        reason = "no /usr/bin/chromium (install Debian's chromium package); skipped outside CI"
        pytest.skip(reason, allow_module_level=True)
    pytest.importorskip("playwright.sync_api")


class PageWatch:
    """Everything the page did that a self-contained, inert page must not do."""

    def __init__(self, page: object, own_url: str) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))  # type: ignore[attr-defined]
        page.on("dialog", self._dialog)  # type: ignore[attr-defined]
        page.on("request", lambda r: self.requests.append(r.url) if r.url != own_url else None)  # type: ignore[attr-defined]

    def _dialog(self, dialog: object) -> None:
        self.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    @property
    def problems(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *(f"dialog {d}" for d in self.dialogs), *self.requests]

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.dialogs == [], "a hostile title executed script"
        assert self.requests == [], "the page fetched something besides itself"


def open_page(browser: object, path: Path, **context_args: object) -> tuple[object, object, PageWatch]:
    """A new context and page on ``path`` (a local file), watched from before it loads."""
    context = browser.new_context(**context_args)  # type: ignore[attr-defined]
    page = context.new_page()
    url = path.as_uri()
    watch = PageWatch(page, url)
    page.goto(url, wait_until="load")
    return context, page, watch


def luminance(css_rgb: str) -> float:
    """Relative luminance (0 dark … 1 light) of a computed CSS ``rgb(…)`` colour."""
    r, g, b = (int(x) for x in css_rgb[css_rgb.index("(") + 1 : css_rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def no_horizontal_scroll(page: object) -> None:
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")  # type: ignore[attr-defined]
    assert scroll <= client, f"the page scrolls sideways: {scroll} > {client}"

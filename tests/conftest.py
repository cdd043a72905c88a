"""Shared pytest fixtures. Peers are real: the fake E-utilities server speaks HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from littrack.replay.corpus import default_corpus
from littrack.replay.server import FakeEutils


@pytest.fixture
def fake_eutils() -> Iterator[FakeEutils]:
    """A running fake E-utilities server over the shipped recorded corpus; rate limiting off so tests run fast."""
    with FakeEutils(default_corpus(), rate_limit=False) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Debian Chromium for every browser test (see tests/browser.py)."""
    from browser import ARGS, CHROMIUM, require_chromium  # here, so modules without browser tests never load it

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()

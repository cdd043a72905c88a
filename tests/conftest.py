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

"""Which classifier produced an :class:`~littrack.models.Evidence`: a fingerprint of the code that decides it.

The store keeps each paper's evidence beside the record it was read from (``evidence_cache``), so a digest or
the evidence page does not classify 50,000 unchanged papers again (benchmarks/README.md, "Operations at scale").
A cached label is only as good as the code that made it, and a version number bumped by hand is the kind of
thing a tired maintainer forgets. So the fingerprint is the SHA-256 of the source of everything classification
reads (this package, the shared records, the markup helpers) plus the release: any edit to a rule, a table or
a record invalidates every cached label at the next run, which then classifies afresh.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import littrack

_PACKAGE = Path(littrack.__file__).resolve().parent
_SOURCES = ("evidence/*.py", "models/*.py", "markup.py")


@functools.cache
def classifier_version() -> str:
    """SHA-256 (hex) of the classifier's source files in this installation and littrack's version."""
    return fingerprint(_PACKAGE, littrack.__version__)


def fingerprint(package: Path, version: str) -> str:
    """SHA-256 (hex) of ``version`` and the classifier's source files under ``package`` (names and bytes)."""
    digest = hashlib.sha256(f"littrack {version}\n".encode())
    for pattern in _SOURCES:
        for path in sorted(package.glob(pattern)):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()

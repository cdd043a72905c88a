"""Fake NCBI E-utilities and ClinicalTrials.gov servers on loopback, serving real recorded records (tests and
`littrack demo`): :mod:`.server` and :mod:`.ctgov`.

The recorded replies ship with the package in one tree, ``recorded/<service>/<source>/<original path>``
(``recorded/PROVENANCE.md`` says where each came from). :func:`recorded_path` is the one way to reach them,
for the package and the tests alike.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["recorded_path"]


def recorded_path(*parts: str) -> Path:
    """Path of the shipped recorded tree or a file in it, e.g. ``recorded_path("pubmed", "hawc")``."""
    return Path(str(resources.files(__name__).joinpath("recorded", *parts)))

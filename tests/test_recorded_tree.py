"""The shipped tree of recorded replies: every file accounted for, each stored once, bytes never edited."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from littrack.replay import recorded_path
from littrack.replay.corpus import REPLAY_SOURCES

ROOT = recorded_path()
SHARED = Path(__file__).resolve().parents[2] / "shared" / "recorded"
ABOUT_THE_TREE = ("PROVENANCE.md", "SHA256SUMS")


def _data_files() -> dict[str, bytes]:
    """Every recorded file by its path under the tree, e.g. ``pubmed/hawc/extracted_bodies/…``."""
    files = (p for p in ROOT.rglob("*") if p.is_file() and p.relative_to(ROOT).as_posix() not in ABOUT_THE_TREE)
    return {p.relative_to(ROOT).as_posix(): p.read_bytes() for p in sorted(files)}


def _manifest() -> dict[str, str]:
    lines = (ROOT / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_every_recorded_file_is_in_the_manifest_with_its_sha256() -> None:
    files = _data_files()
    assert len(files) == 274
    assert {name: hashlib.sha256(data).hexdigest() for name, data in files.items()} == _manifest()


def test_no_reply_is_stored_twice() -> None:
    by_digest: dict[str, list[str]] = {}
    for name, data in _data_files().items():
        by_digest.setdefault(hashlib.sha256(data).hexdigest(), []).append(name)
    assert [names for names in by_digest.values() if len(names) > 1] == []


def test_the_tree_is_organised_by_service_and_every_source_folder_has_provenance() -> None:
    provenance = (ROOT / "PROVENANCE.md").read_text(encoding="utf-8")
    sources = {tuple(name.split("/")[:2]) for name in _data_files()}
    assert {service for service, _ in sources} == {"pubmed", "ctgov"}
    for service, source in sorted(sources):
        assert f"| `{service}/{source}/" in provenance, f"{service}/{source}/ has no row in PROVENANCE.md"
    for source in REPLAY_SOURCES:
        assert ("pubmed", source) in sources


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/recorded not beside the repository")
def test_every_recorded_file_is_byte_identical_to_its_original_in_shared_recorded() -> None:
    for name, data in _data_files().items():
        _service, path = name.split("/", 1)  # <service>/<path under shared/recorded/>
        assert data == (SHARED / path).read_bytes(), name

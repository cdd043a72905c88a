"""What "nothing lost, nothing twice" means for a digests folder, checked against the store that owns it.

After any sequence of digests (failed, killed, on a full disk, then re-run), :func:`assert_folder_agrees`
holds: every delivered digest's page and export files exist and show its papers, each paper is on exactly
one delivered page, every digest file in the folder is claimed by a ledger row, and ``index.html`` and
``feed.xml`` link only to files that exist.
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

import feedparser

EXPORT_SUFFIXES = (".ris", ".bib", ".csl.json")
_PAPER_ANCHOR = re.compile(r'<article class="paper" id="pmid-(\d+)"')
_HREF = re.compile(r'href="([^"#:]+)"')


def _connect(store: Any) -> tuple[Any, bool]:
    """A SQLite file's connection (ours to close), or the open store connection passed in (a PostgreSQL one)."""
    if isinstance(store, Path):
        conn = sqlite3.connect(store)
        conn.row_factory = sqlite3.Row
        return conn, True
    return store, False


def ledger(store: Any, profile: str | None = None) -> list[Any]:
    """The digest rows (of one profile, with ``profile``); ``store``: a SQLite file or an open connection."""
    conn, ours = _connect(store)
    try:
        if profile is not None:
            return list(conn.execute("SELECT * FROM digests WHERE profile = ? ORDER BY id", (profile,)))
        return list(conn.execute("SELECT * FROM digests ORDER BY id"))
    finally:
        if ours:
            conn.close()


def delivered_pmids(store: Any) -> dict[int, set[int]]:
    """digest id → the papers the ledger says it delivered (``store``: a SQLite file or an open connection)."""
    conn, ours = _connect(store)
    try:
        out: dict[int, set[int]] = {}
        for digest_id, pmid in conn.execute(
            "SELECT dp.digest_id, dp.pmid FROM digest_papers dp JOIN digests d ON d.id = dp.digest_id"
            " WHERE d.status = 'delivered'"
        ):
            out.setdefault(digest_id, set()).add(pmid)
        return out
    finally:
        if ours:
            conn.close()


def digest_files(folder: Path) -> set[str]:
    """Digest pages and their exports (not index/feed, dry runs or temp files)."""
    if not folder.is_dir():
        return set()
    return {
        p.name
        for p in folder.iterdir()
        if p.name.startswith("20")
        and ".dry-run." not in p.name
        and (p.suffix == ".html" or p.name.endswith(EXPORT_SUFFIXES))
    }


def page_pmids(page: Path) -> set[int]:
    return {int(m) for m in _PAPER_ANCHOR.findall(page.read_text(encoding="utf-8"))}


def assert_folder_agrees(
    store: Any, folder: Path, *, expect_pmids: set[int] | None = None, profile: str | None = None
) -> None:
    """The module docstring's promise; with ``profile``, for that profile's digests in its own folder."""
    rows = ledger(store, profile)
    delivered = [r for r in rows if r["status"] == "delivered"]
    papers = delivered_pmids(store)
    on_pages: Counter[int] = Counter()
    for r in delivered:
        assert r["filename"], f"delivered digest #{r['id']} has no file name"
        page = folder / r["filename"]
        assert page.is_file(), f"delivered digest #{r['id']}: {page.name} is missing"
        stem = page.name.removesuffix(".html")
        for suffix in EXPORT_SUFFIXES:
            assert (folder / (stem + suffix)).is_file(), f"delivered digest #{r['id']}: {stem + suffix} is missing"
        shown = page_pmids(page)
        assert shown == papers.get(r["id"], set()), f"{page.name} does not show the papers digest #{r['id']} delivered"
        on_pages.update(shown)
    twice = sorted(p for p, n in on_pages.items() if n > 1)
    assert not twice, f"papers on more than one delivered page: {twice[:5]}"
    if expect_pmids is not None:
        assert set(on_pages) == expect_pmids, f"missing: {sorted(expect_pmids - set(on_pages))[:5]}"
    filenames = {r["filename"] for r in delivered}
    assert len(filenames) == len(delivered), "two delivered digests share a file"
    claimed = {r["filename"].removesuffix(".html") for r in rows if r["filename"]}
    unclaimed = sorted(n for n in digest_files(folder) if _stem(n) not in claimed)
    assert not unclaimed, f"files no digest in the ledger owns: {unclaimed}"
    assert_archive_links_exist(folder, filenames)


def assert_archive_links_exist(folder: Path, delivered_files: set[str]) -> None:
    """index.html and feed.xml link to every delivered page, and to nothing that does not exist."""
    index, feed = folder / "index.html", folder / "feed.xml"
    if not delivered_files and not index.exists():
        return
    # Besides the digests, the archive links the feed and the evidence page (which must exist when linked too).
    pages = {urllib.parse.unquote(h) for h in _HREF.findall(index.read_text(encoding="utf-8"))}
    assert "evidence.html" not in pages or (folder / "evidence.html").is_file(), "a link to a missing evidence page"
    linked = pages - {"feed.xml", "evidence.html"}
    entries = {urllib.parse.unquote(e.link) for e in feedparser.parse(feed.read_text(encoding="utf-8")).entries}
    for name in linked | entries:
        assert (folder / name).is_file(), f"the archive links to {name}, which does not exist"
    # The archive may lag one delivery behind (a kill before it was rewritten); never ahead of the folder.
    assert linked <= delivered_files and entries <= delivered_files


def no_temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.tmp")) if folder.is_dir() else []


def _stem(name: str) -> str:
    for suffix in (".html", *EXPORT_SUFFIXES):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name

"""The archive page (digests/index.html) and the Atom feed (digests/feed.xml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html

from configs import write_config
from littrack.config import load_config
from littrack.digest.archive import ArchiveEntry, render_feed, render_index
from littrack.digest.job import digest_job
from littrack.models import DateWindow

ATOM = "{http://www.w3.org/2005/Atom}"
STORE = "urn:littrack:3f0c9a2e-5b1d-4e0f-9a7c-2d8e6b1f4a90"
FEED = f"{STORE}:feed:default"


def entries() -> list[ArchiveEntry]:
    """Three digests, deliberately not in date order; the middle one was empty."""
    return [
        ArchiveEntry(
            1,
            "2026-11-07.html",
            "littrack digest",
            DateWindow(dt.date(2026, 10, 31), dt.date(2026, 11, 6)),
            dt.datetime(2026, 11, 7, 7, 0, tzinfo=dt.UTC),
            3,
            (("Ketamine for fibromyalgia", 2), ("Ketamine for CRPS", 1)),
        ),
        ArchiveEntry(
            3,
            "2026-11-21.html",
            "littrack digest",
            DateWindow(dt.date(2026, 11, 14), dt.date(2026, 11, 20)),
            dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC),
            5,
            (("Ketamine for fibromyalgia", 4), ("Ketamine for CRPS <b>", 1)),
        ),
        ArchiveEntry(
            2,
            "2026-11-14.html",
            "littrack digest",
            DateWindow(dt.date(2026, 11, 7), dt.date(2026, 11, 13)),
            dt.datetime(2026, 11, 14, 7, 0, tzinfo=dt.UTC),
            0,
            (("Ketamine for fibromyalgia", 0), ("Ketamine for CRPS", 0)),
        ),
    ]


def test_index_lists_digests_newest_first_with_counts() -> None:
    doc = lxml.html.document_fromstring(render_index(entries()))
    assert doc.get("lang") == "en"
    items = doc.xpath("//ol[contains(@class,'archive')]/li")
    assert [li.xpath(".//h2/a/@href")[0] for li in items] == ["2026-11-21.html", "2026-11-14.html", "2026-11-07.html"]
    newest = " ".join(items[0].text_content().split())
    assert "5 new papers" in newest and "Ketamine for fibromyalgia 4" in newest and "Ketamine for CRPS <b> 1" in newest
    assert "No new papers this period" in items[1].text_content()
    assert doc.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href") == ["feed.xml"]
    assert doc.xpath("//b") == [] and doc.xpath("//script") == []


def test_index_without_digests_says_how_to_make_one() -> None:
    doc = lxml.html.document_fromstring(render_index([]))
    assert "littrack digest" in doc.xpath("//main")[0].text_content()


def test_feed_is_valid_atom_with_one_entry_per_digest_newest_first() -> None:
    xml = render_feed(entries(), feed_id=FEED, id_base=STORE, self_url=None)
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None and root.findtext(f"{ATOM}{required}")
    assert root.findtext(f"{ATOM}id") == FEED
    assert root.findtext(f"{ATOM}updated").startswith("2026-11-21T07:00:00")
    feed_entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in feed_entries] == [f"{STORE}:digest:{n}" for n in (3, 2, 1)]
    for e in feed_entries:
        for required in ("id", "title", "updated"):
            assert e.findtext(f"{ATOM}{required}")
        assert e.find(f"{ATOM}link").get("href").endswith(".html")
    assert (
        feed_entries[0].findtext(f"{ATOM}summary")
        == "5 new papers: Ketamine for fibromyalgia 4, Ketamine for CRPS <b> 1"
    )


def test_feed_parses_with_an_independent_parser_and_absolute_links_from_self_url() -> None:
    xml = render_feed(entries(), feed_id=FEED, id_base=STORE, self_url="https://example.org/digests/feed.xml")
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.link for e in parsed.entries] == [f"https://example.org/digests/2026-11-{d}.html" for d in (21, 14, "07")]
    assert parsed.entries[0].title == "littrack digest, 14 Nov 2026 – 20 Nov 2026"
    assert any(link.rel == "self" and link.href == "https://example.org/digests/feed.xml" for link in parsed.feed.links)


def test_feed_entry_ids_are_stable_across_renders() -> None:
    first = render_feed(entries(), feed_id=FEED, id_base=STORE, self_url=None)
    again = render_feed(list(reversed(entries())), feed_id=FEED, id_base=STORE, self_url=None)
    ids = lambda xml: [e.findtext(f"{ATOM}id") for e in lxml.etree.fromstring(xml.encode()).findall(f"{ATOM}entry")]  # noqa: E731
    assert ids(first) == ids(again)


def test_empty_feed_is_still_valid_atom() -> None:
    parsed = feedparser.parse(render_feed([], feed_id=FEED, id_base=STORE, self_url=None))
    assert not parsed.bozo and parsed.version == "atom10" and parsed.entries == []


def test_two_stores_never_share_a_feed_entry_id_and_public_url_makes_every_link_absolute(tmp_path: Path) -> None:
    feeds = {}
    for clinic in ("clinic-a", "clinic-b"):
        folder = tmp_path / clinic
        folder.mkdir()
        public = f"https://intranet.example.org/{clinic}/"
        cfg = load_config(write_config(folder, "http://127.0.0.1:9/", digest={"public_url": public}), environ={})
        digest_job(cfg)  # digest #1 of each store (no papers: write_empty is on)
        digest_job(cfg)  # digest #2: the store keeps its id, so #1's entry id does not change
        feeds[clinic] = feedparser.parse((cfg.digest.output_dir / "feed.xml").read_bytes())
    a, b = feeds["clinic-a"], feeds["clinic-b"]
    assert not a.bozo and not b.bozo
    ids_a, ids_b = [e.id for e in a.entries], [e.id for e in b.entries]
    assert len(set(ids_a)) == 2 and not set(ids_a) & set(ids_b)
    assert ids_a[1].endswith(":digest:1") and ids_a[1].split(":digest:")[0] == ids_a[0].split(":digest:")[0]
    assert a.feed.id != b.feed.id
    for clinic, feed in feeds.items():
        links = [e.link for e in feed.entries] + [link.href for link in feed.feed.links]
        assert links and all(link.startswith(f"https://intranet.example.org/{clinic}/") for link in links), links

""""Studies the background articles refer to" across digests (issue 13), with a real store and the real digest job.

In full in a profile's first digest and whenever a resolution changed since the last delivered digest;
otherwise one line linking to digests/background.html, which is rewritten with every digest. "Not looked up"
(resolution off, not yet, or failed) is told apart from "no PubMed record matched".

The mentions are those of the four shipped seed articles; the resolutions saved here are SYNTHETIC answers
(what a fetch would store), since these tests do not talk to PubMed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import lxml.html
import pytest

from configs import write_config
from littrack.background.corpus import load_corpus
from littrack.config import BackgroundConfig, load_config
from littrack.digest.job import digest_job
from littrack.store import open_store
from littrack.store.mentions import save_resolution

pytestmark = pytest.mark.slow  # five digests with the background pipeline: a few seconds


def digest(cfg_path: Path, day: int) -> lxml.html.HtmlElement:
    result = digest_job(load_config(cfg_path), now=dt.datetime(2026, 12, day, 7, 0, tzinfo=dt.UTC))
    assert result.path is not None
    return lxml.html.document_fromstring(result.path.read_text(encoding="utf-8"))


def section(doc: lxml.html.HtmlElement) -> str:
    return " ".join(doc.xpath('//section[@id="mentions"]')[0].text_content().split())


def resolve(cfg_path: Path, index: int, pmids: tuple[int, ...], confidence: str) -> None:
    """Store a SYNTHETIC answer for the index-th mention, as the fetch step would."""
    mention = load_corpus(BackgroundConfig()).mentions[index]
    with open_store(cfg_path.parent / "store.sqlite3") as store, store.transaction() as conn:
        save_resolution(
            conn,
            mention.key,
            doc_id=mention.doc_id,
            sentence=mention.sentence,
            pmids=pmids,
            confidence=confidence,
            queries=("ketamine[tiab] AND fibromyalgia[tiab]",),
        )


def test_mentions_in_full_first_then_one_line_until_a_resolution_changes(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", background={"resolve_mentions": True})
    first = digest(cfg, 1)
    assert first.xpath('//section[@id="mentions"]//li[contains(@class, "mention")]')
    assert "not looked up yet" in section(first)
    page = tmp_path / "digests" / "background.html"
    assert page.is_file()

    second = digest(cfg, 2)
    text = section(second)
    assert text.startswith("Studies the background articles refer to No resolution changed since the last digest")
    assert second.xpath('//section[@id="mentions"]//a[@href="background.html"]')
    assert not second.xpath('//section[@id="mentions"]//li')
    listed = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
    assert len(listed.xpath('//li[contains(@class, "mention")]')) == len(load_corpus(BackgroundConfig()).mentions)

    resolve(cfg, 0, (12345678,), "high")
    resolve(cfg, 1, (), "unresolved")
    third = digest(cfg, 3)
    changed = third.xpath('//section[@id="mentions"]//li[contains(@class, "mention-changed")]')
    assert len(changed) == 2
    assert third.xpath('//section[@id="mentions"]//a[@href="https://pubmed.ncbi.nlm.nih.gov/12345678/"]')
    text = section(third)
    assert "high confidence" in text and "no PubMed record matched" in text and "not looked up yet" in text

    fourth = digest(cfg, 4)
    assert "No resolution changed since the last digest" in section(fourth)


def test_with_resolution_off_mentions_say_not_looked_up_not_unmatched(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", background={"resolve_mentions": False})
    text = section(digest(cfg, 1))
    assert "not looked up (resolution is off)" in text
    assert "no PubMed record matched" not in text

"""The evidence cache: a digest or the evidence page classifies only papers whose record or classifier changed,
and a label from the cache is always the label a fresh classification gives (on SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from background_eval.recorded_papers import recorded_papers
from conftest import StoreTarget
from littrack import classified
from littrack.classified import classify_stored
from littrack.eutils.pubmed_xml import iter_papers
from littrack.evidence.classify import classify
from littrack.evidence.version import classifier_version, fingerprint
from littrack.models import Paper
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import efetch_xml
from littrack.store import Store
from littrack.store.codec import evidence_from_json, evidence_to_json
from littrack.store.evidence_cache import cache_size
from littrack.store.papers import StoredPaper, save_papers
from littrack.store.papers import iter_papers as stored_papers

PAPERS = list(iter_papers(efetch_xml(r.xml for r in list(default_corpus())[:40])))  # real recorded records


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The PMIDs the classifier is run on (the real classifier, counted)."""
    seen: list[int] = []

    def counting(paper: Paper) -> object:
        seen.append(paper.pmid)
        return classify(paper)

    monkeypatch.setattr(classified, "classify", counting)
    return seen


@pytest.fixture
def store(store_target: StoreTarget) -> Iterator[Store]:
    with store_target.open() as s:
        with s.transaction() as conn:
            save_papers(conn, PAPERS, topic_id="t", run_id=None)
        yield s


def test_every_recorded_papers_evidence_survives_the_store_codec_unchanged():
    papers = list(recorded_papers().values())
    assert len(papers) > 600
    for paper in papers:
        evidence = classify(paper)
        assert evidence_from_json(evidence_to_json(evidence)) == evidence, paper.pmid


def test_a_second_pass_classifies_nothing_and_gives_what_a_fresh_classification_gives(store, counted):
    first = classify_stored(store, stored_papers(store))
    assert sorted(counted) == sorted(p.pmid for p in PAPERS) and cache_size(store) == len(PAPERS)
    counted.clear()
    second = classify_stored(store, stored_papers(store))
    assert counted == []
    assert second == first == {p.pmid: classify(p) for p in PAPERS}


def test_an_updated_record_is_classified_again_and_only_it(store, counted):
    classify_stored(store, stored_papers(store))
    old = PAPERS[3]
    # SYNTHETIC edit of a real record: the kind of change a PubMed revision brings (indexing arrives).
    new = dataclasses.replace(old, publication_types=("Journal Article", "Randomized Controlled Trial"))
    assert classify(new) != classify(old)
    with store.transaction() as conn:
        save_papers(conn, [new], topic_id="t", run_id=None)
    counted.clear()
    got = classify_stored(store, stored_papers(store))
    assert counted == [old.pmid]
    assert got[old.pmid] == classify(new)


def test_a_changed_classifier_classifies_every_paper_again(store, counted, monkeypatch: pytest.MonkeyPatch):
    classify_stored(store, stored_papers(store))
    monkeypatch.setattr(classified, "classifier_version", lambda: "a-later-classifier")
    counted.clear()
    classify_stored(store, stored_papers(store))
    assert len(counted) == len(PAPERS)


def test_the_classifier_fingerprint_follows_every_source_file_it_reads(tmp_path: Path):
    package = Path(classified.__file__).parent
    copy = tmp_path / "littrack"
    for part in ("evidence", "models"):
        shutil.copytree(package / part, copy / part)
    shutil.copy(package / "markup.py", copy / "markup.py")
    assert fingerprint(copy, "0.2.0") == fingerprint(package, "0.2.0")
    before = fingerprint(copy, "0.2.0")
    assert fingerprint(copy, "0.2.1") != before  # a new release
    for changed in ("evidence/dosing.py", "models/evidence.py", "markup.py"):
        path = copy / changed
        text = path.read_text()
        path.write_text(text + "\n# one rule changed\n")
        assert fingerprint(copy, "0.2.0") != before, changed
        path.write_text(text)
    assert fingerprint(copy, "0.2.0") == before
    assert classifier_version() == classifier_version() and len(classifier_version()) == 64


def test_a_store_that_cannot_be_written_still_gives_right_labels_and_logs_it(tmp_path: Path, caplog, counted):
    with StoreTarget("sqlite", str(tmp_path / "s.sqlite3")).open() as store:
        with store.transaction() as conn:
            save_papers(conn, PAPERS, topic_id="t", run_id=None)
        store.conn.execute("PRAGMA query_only = ON")  # every write now fails, as on a read-only or full store
        with caplog.at_level(logging.INFO, logger="littrack.classified"):
            got = classify_stored(store, stored_papers(store))
        assert got == {p.pmid: classify(p) for p in PAPERS}
        assert "evidence cache not updated" in caplog.text
        store.conn.execute("PRAGMA query_only = OFF")
        assert cache_size(store) == 0


def test_papers_not_read_from_the_store_are_classified_and_never_cached(store, counted):
    loose = [StoredPaper(p, ("t",), "", "") for p in PAPERS[:5]]  # no content_hash: no key to cache under
    assert classify_stored(store, loose) == {p.pmid: classify(p) for p in PAPERS[:5]}
    assert cache_size(store) == 0 and len(counted) == 5


class Counting:
    """A Progress that remembers what it was told."""

    def __init__(self) -> None:
        self.total = self.done = 0

    def add_total(self, n: int) -> None:
        self.total += n

    def advance(self, n: int) -> None:
        self.done += n


def test_progress_counts_only_the_papers_the_cache_lacks(store):
    cold, warm = Counting(), Counting()
    classify_stored(store, stored_papers(store), cold)
    classify_stored(store, stored_papers(store), warm)
    assert (cold.total, cold.done) == (len(PAPERS), len(PAPERS)) and (warm.total, warm.done) == (0, 0)

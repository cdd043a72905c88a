"""The evaluation-only Europe PMC replies (tests/evidence_eval/data/europepmc/): listed, unedited, and read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from evidence_eval import details_eval, europepmc
from evidence_eval.evalset import evaluate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "recorded"
ORIGINALS = {
    "search_1000results_cancer.json": "pyEuropePMC-preprints/tests/fixtures/search_1000results_cancer.json",
    "search_cancer_core.json": "pyEuropePMC/tests/fixtures/search_cancer_core.json",
    "search_post_cancer.json": "pyEuropePMC/tests/fixtures/search_post_cancer.json",
}


def test_every_europepmc_file_is_in_its_manifest_with_its_sha256() -> None:
    lines = (europepmc.DATA / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    manifest = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
    files = {p.name: p.read_bytes() for p in europepmc.DATA.glob("*.json")}
    assert {name: hashlib.sha256(data).hexdigest() for name, data in files.items()} == manifest
    assert set(files) == set(ORIGINALS)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/recorded not beside the repository")
def test_every_europepmc_file_is_byte_identical_to_its_original_in_shared_recorded() -> None:
    for name, original in ORIGINALS.items():
        assert (europepmc.DATA / name).read_bytes() == (SHARED / original).read_bytes(), name


def test_the_title_set_holds_every_medline_record_of_the_lite_replies() -> None:
    papers = europepmc.title_set()
    assert len(papers) == 948
    assert all(p.abstract == () and p.pages is None for p in papers)


def test_title_gold_keeps_pubmed_types_and_drops_jats_article_types() -> None:
    record = {"pmid": "1", "title": "T.", "pubType": "review-article; case-report; article-commentary; journal article"}
    assert europepmc.title_paper(record).publication_types == ("Journal Article",)
    assert europepmc.title_label(europepmc.title_paper(record)) is None
    record["pubType"] = "published erratum; correction"
    assert europepmc.title_label(europepmc.title_paper(record)) == "notice"


def test_the_core_set_reads_structured_abstracts_by_their_headings() -> None:
    papers = {p.pmid: p for p in europepmc.core_set()}
    assert len(papers) == 25
    labels = [s.label for s in papers[40468710].abstract]
    assert labels == ["Objective", "Design", "Methods", "Results", "Conclusions"]
    assert evaluate(papers.values(), "core").labelled == 21


def test_the_europepmc_hand_labels_cover_the_core_set_with_provenance() -> None:
    records = details_eval.hand_labels(details_eval.HAND_LABELS_EUROPEPMC)
    assert {r["pmid"] for r in records} == {p.pmid for p in europepmc.core_set()}
    assert all(r["file"] and r["repository"] and r["commit"] and r["licence"] for r in records)

"""Background documents: the shipped seeds load unchanged, user files (.txt/.md/.html) load with a title."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from littrack.background.documents import load_documents, shipped_documents
from littrack.config import BackgroundConfig
from littrack.errors import ConfigError

SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
# sha256 of each seed as received (shared/seeds/), so the byte check runs from a fresh clone too.
RECEIVED_SHA256 = {
    "000_4ec8881802964787.txt": "c22419ad0ded00528eb8521db87c097ea09923f3dcc4f27ce17a38eabaca9c84",
    "001_c2cb4d4bb0e51bba.txt": "bf3ac65f60548f8586cea59f7d55eb26fd6fb1e7b36d60dfecda128176908447",
    "002_c8d19a46328c936e.txt": "dea54458ed05e1d152217ecba0fc0d0562fc8e6681195f0988e565fc757d5d2f",
    "003_f0a4c62e0672e98c.txt": "095321c4dc950e5983446c386bdb4ea71287444fecaa13066ec6be05ced72b89",
}


def test_shipped_seeds_are_the_four_documents_with_provenance() -> None:
    docs = shipped_documents()
    assert [d.id for d in docs] == [
        "liptan-iv-ketamine",
        "healthrising-stephanie",
        "neuropain-systematic-review",
        "healthrising-overview",
    ]
    assert all(d.shipped and "not peer-reviewed" in d.source_note for d in docs)
    assert docs[0].title == "This Could Be Big: Intravenous Ketamine for Fibromyalgia"
    assert docs[2].publisher.startswith("NeuroPain Health")
    assert docs[3].date_label == "c. 2024"


def test_shipped_seed_text_is_byte_identical_to_the_received_files() -> None:
    docs = shipped_documents()
    assert sorted(d.path.name for d in docs if d.path is not None) == sorted(RECEIVED_SHA256)
    for doc in docs:
        assert doc.path is not None
        data = doc.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == RECEIVED_SHA256[doc.path.name]
        assert doc.text == doc.path.read_text(encoding="utf-8")  # the loader keeps the text as received


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="shared/seeds not beside the repository")
def test_recorded_seed_digests_are_those_of_the_files_in_shared_seeds() -> None:
    for name, digest in RECEIVED_SHA256.items():
        assert hashlib.sha256((SHARED_SEEDS / name).read_bytes()).hexdigest() == digest


def test_load_documents_appends_user_files_after_the_seeds(tmp_path: Path) -> None:
    txt = tmp_path / "my notes.txt"
    txt.write_text("\n\nKetamine notes from clinic\n\nA paragraph about infusions.\n", encoding="utf-8")
    md = tmp_path / "summary.md"
    md.write_text("# Ketamine *summary*\n\nSee [the review](https://example.org) for details.\n", encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Ketamine &amp; CRPS</title><style>p{}</style><script>var x=1;</script></head>"
        "<body><nav>Home</nav><h1>Heading</h1><p>First <b>paragraph</b>.</p><p>Second paragraph.</p></body></html>",
        encoding="utf-8",
    )
    docs = load_documents(BackgroundConfig(documents=(txt, md, page)))
    assert [d.id for d in docs][4:] == ["my-notes", "summary", "page"]
    notes, summary, html_doc = docs[4:]
    assert notes.title == "Ketamine notes from clinic" and not notes.shipped
    assert summary.title == "Ketamine summary"
    assert "See the review for details." in summary.text
    assert html_doc.title == "Ketamine & CRPS"
    assert html_doc.text.split("\n\n") == ["Home", "Heading", "First paragraph.", "Second paragraph."]
    assert "var x" not in html_doc.text


def test_include_shipped_false_leaves_only_user_documents(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Only mine.", encoding="utf-8")
    docs = load_documents(BackgroundConfig(include_shipped=False, documents=(f,)))
    assert [d.id for d in docs] == ["a"]


def test_same_file_stem_twice_gets_distinct_ids(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    a, b = tmp_path / "notes.txt", tmp_path / "x" / "notes.txt"
    a.write_text("one", encoding="utf-8")
    b.write_text("two", encoding="utf-8")
    docs = load_documents(BackgroundConfig(include_shipped=False, documents=(a, b)))
    assert [d.id for d in docs] == ["notes", "notes-2"]


def test_unreadable_document_raises_a_one_line_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9 ketamine".encode("latin-1"))
    missing = tmp_path / "gone.md"
    for path in (bad, missing):
        with pytest.raises(ConfigError) as info:
            load_documents(BackgroundConfig(include_shipped=False, documents=(path,)))
        message = str(info.value)
        assert "\n" not in message and str(path) in message and "background.documents" in message

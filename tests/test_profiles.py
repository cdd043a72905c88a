"""Profiles (issue 16): several readers' digests from one store. Topics are fetched once whatever the number of
profiles; each profile gets each paper of its topics exactly once, in its own folder, with only its sections.

Real peers: the fake E-utilities server on loopback (real recorded records; which topic matches which record is
synthetic, as in the demo), a real SQLite file, real files, the CLI through click's CliRunner.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from click.testing import CliRunner

from configs import TOPICS, write_config
from digest_samples import recorded_stored, safety_paper
from littrack.cli import main
from littrack.config import load_config, shipped_config_path
from littrack.digest.assemble import build_view
from littrack.digest.render import render_html
from littrack.replay.corpus import Corpus, default_corpus
from littrack.replay.replies import split_matcher
from littrack.replay.server import FakeEutils
from littrack.store.papers import StoredPaper
from smtp_server import SmtpTestServer

CRPS, FM = "ketamine-crps", "ketamine-fibromyalgia"
PROFILES = [
    {"id": "crps", "name": "Dr A (CRPS)", "topics": [CRPS]},
    {"id": "everything", "name": "Dr B (everything)"},
]


@pytest.fixture
def server() -> Iterator[FakeEutils]:
    """20 real recorded records; each topic query "matches" a stable 60 % of them, so some match both."""
    corpus = Corpus(list(default_corpus())[:20])
    with FakeEutils(corpus, rate_limit=False, term_matcher=split_matcher(corpus.pmids, share=0.6)) as srv:
        yield srv


def cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def delivered(folder: Path) -> dict[str, set[int]]:
    conn = sqlite3.connect(folder / "store.sqlite3")
    out: dict[str, set[int]] = {}
    for profile, pmid in conn.execute("SELECT profile, pmid FROM delivered_papers"):
        out.setdefault(profile, set()).add(pmid)
    return out


def topic_pmids(folder: Path, topic_id: str) -> set[int]:
    conn = sqlite3.connect(folder / "store.sqlite3")
    return {r[0] for r in conn.execute("SELECT pmid FROM paper_topics WHERE topic_id = ?", (topic_id,))}


def config(folder: Path, srv: FakeEutils, profiles: Any = PROFILES, **sections: Any) -> Path:
    return write_config(folder, srv.base_url, profiles=profiles, **sections)


def test_topics_shared_by_two_profiles_are_searched_once_each(tmp_path: Path, server: FakeEutils) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    assert cli(write_config(alone, server.base_url), "fetch")[0] == 0
    without_profiles = [str(r.get("term")) for r in server.requests_to("esearch")]
    shared = tmp_path / "shared"
    shared.mkdir()
    before = len(server.requests_to("esearch"))
    assert cli(config(shared, server), "fetch")[0] == 0  # two profiles, both following ketamine-crps
    with_profiles = [str(r.get("term")) for r in server.requests_to("esearch")][before:]
    assert sorted(with_profiles) == sorted(without_profiles)
    assert len(set(with_profiles)) == len(TOPICS) == len(with_profiles)  # one search per topic


def test_each_profile_gets_each_paper_of_its_topics_exactly_once(tmp_path: Path, server: FakeEutils) -> None:
    cfg = config(tmp_path, server)
    assert cli(cfg, "fetch")[0] == 0
    code, out, err = cli(cfg, "digest")
    assert code == 0, err
    crps, everything = topic_pmids(tmp_path, CRPS), topic_pmids(tmp_path, CRPS) | topic_pmids(tmp_path, FM)
    both = topic_pmids(tmp_path, CRPS) & topic_pmids(tmp_path, FM)
    assert both, "the synthetic matching should give some papers both topics"
    lines = out.splitlines()
    assert lines[0].startswith(f"digest (crps): {len(crps)} papers → ")
    assert lines[1].startswith(f"digest (everything): {len(everything)} papers → ")
    assert delivered(tmp_path) == {"crps": crps, "everything": everything}  # a shared paper reaches both
    code, out, _ = cli(cfg, "digest")
    assert code == 0 and "digest (crps): 0 papers" in out and "digest (everything): 0 papers" in out
    assert delivered(tmp_path) == {"crps": crps, "everything": everything}


def test_each_profile_writes_its_own_folder_index_and_feed(tmp_path: Path, server: FakeEutils) -> None:
    cfg = config(tmp_path, server)
    assert cli(cfg, "fetch")[0] == 0
    assert cli(cfg, "digest")[0] == 0
    out = tmp_path / "digests"
    feeds = {}
    for pid in ("crps", "everything"):
        pages = sorted(p.name for p in (out / pid).glob("*.html") if p.name[0].isdigit())
        assert len(pages) == 1 and pages[0].endswith(f"-{pid}.html"), pages
        index = (out / pid / "index.html").read_text(encoding="utf-8")
        assert pages[0] in index
        feeds[pid] = lxml.etree.fromstring((out / pid / "feed.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed_ids = {pid: f.findtext("a:id", namespaces=ns) for pid, f in feeds.items()}
    assert feed_ids["crps"] != feed_ids["everything"]
    entry_ids = [e for f in feeds.values() for e in f.xpath("a:entry/a:id/text()", namespaces=ns)]
    assert len(entry_ids) == len(set(entry_ids)) == 2
    top = lxml.html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    links = top.xpath("//a/@href")
    assert "crps/index.html" in links and "everything/index.html" in links
    assert "Follows Ketamine for CRPS." in top.text_content()
    crps_page = next((out / "crps").glob("*-crps.html")).read_text(encoding="utf-8")
    assert "Profile Dr A (CRPS): Follows Ketamine for CRPS." in crps_page
    assert "This profile was added on" not in crps_page  # a new store: nothing was stored before it
    assert not list(out.glob("20*.html")), "nothing in the top folder but the list of profiles"


def test_digest_profile_makes_only_that_profiles_digest(tmp_path: Path, server: FakeEutils) -> None:
    cfg = config(tmp_path, server)
    assert cli(cfg, "fetch")[0] == 0
    code, out, _ = cli(cfg, "digest", "--profile", "crps")
    assert code == 0 and out.startswith("digest (crps): ") and out.count("\n") == 1
    assert set(delivered(tmp_path)) == {"crps"}


def test_digest_profile_with_an_unknown_id_is_one_line_naming_the_ids(tmp_path: Path, server: FakeEutils) -> None:
    cfg = config(tmp_path, server)
    r = CliRunner().invoke(main, ["--config", str(cfg), "digest", "--profile", "pharmacy"])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "no profile with id 'pharmacy'; known: crps, everything" in r.stderr
    r = CliRunner().invoke(main, ["--config", str(write_config(tmp_path, server.base_url)), "digest", "--profile", "x"])
    assert r.exit_code == 2 and "known: default" in r.stderr


def test_without_profiles_the_digest_keeps_todays_layout(tmp_path: Path, server: FakeEutils) -> None:
    cfg = write_config(tmp_path, server.base_url)
    assert cli(cfg, "fetch")[0] == 0
    code, out, _ = cli(cfg, "digest")
    assert code == 0 and out.startswith("digest: ")
    names = sorted(p.name for p in (tmp_path / "digests").iterdir() if p.is_file())
    assert any(n[:4].isdigit() and n.endswith(".html") and n.count("-") == 2 for n in names), names
    assert {"index.html", "feed.xml"} <= set(names)
    assert not [p for p in (tmp_path / "digests").iterdir() if p.is_dir()]
    assert set(delivered(tmp_path)) == {"default"}


def test_a_profile_added_later_starts_at_its_registration(tmp_path: Path, server: FakeEutils) -> None:
    cfg = config(tmp_path, server, profiles=PROFILES[:1])
    assert cli(cfg, "fetch")[0] == 0
    assert cli(cfg, "digest")[0] == 0
    time.sleep(1.1)  # the store's clock has whole seconds: Dr B joins a second after the papers were stored
    cfg = config(tmp_path, server)  # Dr B joins
    code, out, _ = cli(cfg, "digest", "--profile", "everything")
    assert code == 0 and out.startswith("digest (everything): 0 papers")
    page = next((tmp_path / "digests" / "everything").glob("*-everything.html")).read_text(encoding="utf-8")
    assert "This profile was added on" in page and re.search(r"not with the \d+ papers stored before", page)
    assert "1950" not in page  # its period starts at its registration, not at the store's first fetch (1950-…)
    # SYNTHETIC time shift: two stored papers are made to have first matched a topic after Dr B's registration,
    # as papers of the next fetch would.
    conn = sqlite3.connect(tmp_path / "store.sqlite3")
    later = sorted(topic_pmids(tmp_path, FM) - topic_pmids(tmp_path, CRPS))[:2]
    with conn:
        conn.executemany("UPDATE paper_topics SET first_matched_at = '2999-01-01T00:00:00+00:00' WHERE pmid = ?",
                         [(p,) for p in later])
    code, out, _ = cli(cfg, "digest")
    assert "digest (crps): 0 papers" in out and "digest (everything): 2 papers" in out
    assert delivered(tmp_path)["everything"] == set(later)


def test_a_safety_only_profile_shows_only_the_safety_lane(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, "http://127.0.0.1:9/", profiles=[
        {"id": "pharmacy", "name": "Pharmacist", "sections": ["safety"]}]))
    profile = cfg.profile("pharmacy")
    stored = [*recorded_stored(6, (FM, CRPS)), StoredPaper(safety_paper(), (CRPS,), "2026-11-20", "2026-11-20")]
    full = build_view(cfg, stored, period=None, generated_at=dt_now())
    view = build_view(cfg.for_profile(profile), stored, period=None, generated_at=dt_now(),
                      shown_sections=profile.sections)
    assert full.total == 7 and len(full.safety) == 1
    assert view.total == 1 and [e.paper.pmid for e in view.papers] == [safety_paper().pmid]
    assert view.sections == () and len(view.safety) == 1
    page = lxml.html.fromstring(render_html(view))
    headings = [h.text_content().strip() for h in page.xpath("//main//h2")]
    assert [h for h in headings if h != "What matters this period"] == ["Safety reports 1"], headings


def test_a_safety_only_profile_leaves_papers_outside_the_lane_undelivered(tmp_path: Path, server: FakeEutils) -> None:
    cfg = config(tmp_path, server, profiles=[{"id": "pharmacy", "name": "Pharmacist", "sections": ["safety"]}])
    assert cli(cfg, "fetch")[0] == 0
    code, out, _ = cli(cfg, "digest")
    assert code == 0 and out.startswith("digest (pharmacy): 0 papers")  # the recorded corpus has no harm report
    assert delivered(tmp_path) == {}  # they wait: indexing may put one in the lane later
    page = next((tmp_path / "digests" / "pharmacy").glob("*-pharmacy.html")).read_text(encoding="utf-8")
    assert "sections: safety reports" in page
    code, said, _ = cli(cfg, "status")  # the unsent papers are not a backlog this reader waits for
    assert code == 0 and re.search(r"profile pharmacy \(Pharmacist\): .*; \d+ papers of its topics unsent"
                                   r" \(it gets safety reports only\)", said), said


def dt_now() -> dt.datetime:
    return dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC)


def test_the_shipped_profiles_example_is_a_valid_config_once_uncommented(tmp_path: Path) -> None:
    text = shipped_config_path().read_text(encoding="utf-8")
    start, end = text.index("# profiles:\n"), text.index("\nbackground:\n")
    example = "\n".join(line[2:] for line in text[start:end].splitlines())
    (tmp_path / "config.yaml").write_text(text[:start] + example + "\n" + text[end:], encoding="utf-8")
    cfg = load_config(tmp_path / "config.yaml")
    assert [p.id for p in cfg.digest_profiles] == ["crps-weekly", "everything-daily", "pharmacy"]
    assert cfg.profile("crps-weekly").topics == (CRPS,) and cfg.profile("pharmacy").sections == ("safety",)
    assert cfg.profile("everything-daily").schedule == "0 7 * * *" and cfg.profile("everything-daily").send_empty


def test_rebuild_and_dry_run_of_a_profile_stay_in_its_folder(tmp_path: Path, server: FakeEutils) -> None:
    cfg = config(tmp_path, server)
    assert cli(cfg, "fetch")[0] == 0
    code, out, _ = cli(cfg, "digest", "--profile", "crps", "--dry-run")
    assert code == 0 and "/digests/crps/" in out and out.rstrip().endswith("(dry run, nothing marked or sent)")
    assert delivered(tmp_path) == {}
    assert cli(cfg, "digest", "--profile", "crps")[0] == 0
    page = next((tmp_path / "digests" / "crps").glob("20*-crps.html"))
    before = page.read_text(encoding="utf-8")
    code, out, _ = cli(cfg, "digest", "--rebuild", "1")
    assert code == 0 and f"→ {page} (nothing marked or sent)" in out
    assert page.read_text(encoding="utf-8").count('class="paper"') == before.count('class="paper"')


def test_one_profiles_failed_e_mail_does_not_keep_the_others_digest_from_its_reader(
    tmp_path: Path, server: FakeEutils
) -> None:
    with SmtpTestServer(refuse=["gone@clinic.test"]) as smtp:
        email = {"enabled": True, "host": smtp.host, "port": smtp.port, "security": "none",
                 "from": "littrack@clinic.test", "timeout": 5}
        profiles = [{**PROFILES[0], "email": {"to": ["gone@clinic.test"]}},
                    {**PROFILES[1], "email": {"to": ["b@clinic.test"]}}]
        cfg = config(tmp_path, server, profiles=profiles, email=email)
        assert cli(cfg, "fetch")[0] == 0
        r = CliRunner().invoke(main, ["--config", str(cfg), "digest"])
        assert r.exit_code == 1
        assert r.stdout.startswith("digest (everything): ") and "written and e-mailed" in r.stdout
        assert r.stderr.startswith("digest (crps): failed: ")
        assert r.stderr.splitlines()[-1].endswith("1 of 2 profiles failed (crps); the others were delivered")
        assert [m["To"] for m in smtp.messages] == ["b@clinic.test"]
    assert set(delivered(tmp_path)) == {"everything"}  # crps's papers wait for its next digest


def test_littrack_evidence_rewrites_every_profiles_page_with_only_its_topics(
    tmp_path: Path, server: FakeEutils
) -> None:
    cfg = config(tmp_path, server)
    assert cli(cfg, "fetch")[0] == 0
    assert cli(cfg, "digest")[0] == 0
    out = tmp_path / "digests"
    for page in (out / "crps" / "evidence.html", out / "everything" / "evidence.html"):
        page.unlink()  # as if lost: `littrack evidence` must bring each back
    code, said, err = cli(cfg, "evidence")
    assert code == 0, err
    assert said.count("\n") == 1 and said.rstrip().endswith("; and 2 profiles' pages"), said
    headings = {}
    for where in ("", "crps", "everything"):
        page = lxml.html.fromstring((out / where / "evidence.html").read_text(encoding="utf-8"))
        headings[where] = {h.text_content() for h in page.xpath("//h2")}
    names = {t["name"] for t in TOPICS}
    crps_name = next(t["name"] for t in TOPICS if t["id"] == CRPS)
    assert any(crps_name in h for h in headings["crps"])
    assert not any(n in h for h in headings["crps"] for n in names - {crps_name})  # only its topic
    assert all(any(n in h for h in headings["everything"]) for n in names)
    assert all(any(n in h for h in headings[""]) for n in names)

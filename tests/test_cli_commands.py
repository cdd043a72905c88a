"""`littrack export`, `littrack background` and the config checks behind `digest`/`email`, through the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import rispy
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import substring_matcher
from littrack.replay.server import FakeEutils


def cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def fetched(tmp_path: Path) -> Path:
    corpus = default_corpus()
    crps = set(corpus.pmids[:7])
    # SYNTHETIC topic matches: the CRPS query "finds" seven recorded records, the other query all of them.
    with FakeEutils(corpus, rate_limit=False, term_matcher=substring_matcher({"CRPS": crps}, default=None)) as srv:
        cfg = write_config(tmp_path, srv.base_url)
        assert cli(cfg, "fetch")[0] == 0
    return cfg


@pytest.mark.slow
def test_export_ris_for_one_topic_parses_back_with_rispy(fetched: Path) -> None:
    code, out, err = cli(fetched, "export", "--format", "ris", "--topic", "ketamine-crps")
    assert code == 0
    entries = rispy.loads(out)
    assert len(entries) == 7 and all(e.get("title") or e.get("primary_title") for e in entries)
    assert err.strip() == "export: 7 papers (ris)"


@pytest.mark.slow
def test_export_csl_json_to_a_file_covers_the_whole_store(fetched: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.json"
    code, _, err = cli(fetched, "export", "--format", "csl-json", "-o", str(target))
    assert code == 0 and f"→ {target}" in err
    assert len(json.loads(target.read_text())) == len(default_corpus())


@pytest.mark.slow
def test_export_since_today_finds_everything_and_since_tomorrow_nothing(fetched: Path) -> None:
    import datetime as dt

    today = dt.date.today()
    assert cli(fetched, "export", "--format", "csv", "--since", today.isoformat())[2].startswith(
        f"export: {len(default_corpus())} papers"
    )
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert cli(fetched, "export", "--format", "csv", "--since", tomorrow)[2].startswith("export: 0 papers")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topic", "nope"], "no topic with id 'nope'"),
        (["--since", "2026-02-30"], "--since: expected a date YYYY-MM-DD"),
    ],
)
@pytest.mark.slow
def test_export_rejects_bad_arguments_in_one_line(fetched: Path, args: list[str], message: str) -> None:
    code, _, err = cli(fetched, "export", "--format", "bibtex", *args)
    assert code == 2 and message in err and err.count("\n") == 1


def test_background_lists_the_four_seed_articles_as_not_peer_reviewed(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9/")
    code, out, _ = cli(cfg, "background")
    assert code == 0
    assert out.startswith("4 background documents. Background articles, not peer-reviewed evidence.")
    assert "This Could Be Big: Intravenous Ketamine for Fibromyalgia" in out
    assert "reader comments" in out and "studies mentioned" in out


def test_background_includes_a_users_own_markdown_file(tmp_path: Path) -> None:
    note = tmp_path / "clinic-note.md"
    note.write_text("# Our clinic's ketamine protocol\n\nA 2019 study of ketamine infusions in CRPS reported relief.\n")
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", background={"documents": [str(note)], "include_shipped": False})
    code, out, _ = cli(cfg, "background")
    assert code == 0 and out.startswith("1 background document.")
    assert "Our clinic's ketamine protocol" in out


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"email": {"enabled": True, "from": "a@example.org", "to": ["not-an-address"]}}, "email.to: is not an e-mail"),
        (
            {"email": {"enabled": True, "from": "a@example.org", "to": ["x@example.org"], "subject": "a {nope}"}},
            "email.subject: unknown placeholder",
        ),
        ({"email": {"security": "tls"}}, "email.security: must be starttls, ssl or none"),
        ({"schedule": {"fetch": "61 6 * * *"}}, "schedule.fetch: not a valid cron schedule"),
        ({"schedule": {"timezone": "Mars/Olympus"}}, "schedule.timezone: unknown time zone"),
        ({"background": {"documents": ["missing.txt"]}}, "background.documents[0]: file not found"),
        (
            {"trials": {"queries": {"nope": {"condition": "x", "intervention": "y"}}}},
            "trials.queries.nope: is not a topic id",
        ),
        ({"digest": {"write_empty": "yes"}}, "digest.write_empty: expected true or false, got text"),
    ],
)
def test_invalid_sections_are_one_line_naming_the_key(tmp_path: Path, sections: dict, message: str) -> None:
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", **sections)
    code, _, err = cli(cfg, "digest")
    assert code == 2 and message in err and err.count("\n") == 1, err


@pytest.mark.slow
def test_empty_digest_is_not_written_when_write_empty_is_false(fetched: Path, tmp_path: Path) -> None:
    assert cli(fetched, "digest")[0] == 0
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", digest={"write_empty": False})
    code, out, _ = cli(cfg, "digest")
    assert code == 0 and out.startswith("digest: no new papers; nothing written")
    conn = sqlite3.connect(tmp_path / "store.sqlite3")
    assert conn.execute("SELECT count(*) FROM digests").fetchone()[0] == 1

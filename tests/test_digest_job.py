"""`littrack digest` end to end: exactly-once delivery against a real SQLite store and a real PostgreSQL
database, real files and a real SMTP server (aiosmtpd, STARTTLS + AUTH), with papers fetched from the fake
E-utilities server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import configs
from configs import write_config
from digest_checks import assert_folder_agrees, ledger, no_temp_files
from littrack.cli import main
from littrack.replay.corpus import default_corpus
from littrack.replay.server import FakeEutils
from littrack.store import open_store
from smtp_server import SmtpTestServer


def cli(cfg: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner(env=env).invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(autouse=True, params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs on a SQLite file and on a real PostgreSQL database (conftest's ``pg_target``)."""
    if request.param == "postgresql":
        target = request.getfixturevalue("pg_target")
        monkeypatch.setattr(configs, "STORE_OVERRIDE", {"url": target.location})
    return str(request.param)


def db(cfg: Path) -> Any:
    """The store's connection, whichever engine the config names (rows by position and by name)."""
    store = yaml.safe_load(cfg.read_text(encoding="utf-8"))["store"]  # not load_config: the SMTP CA may be gone
    if "url" in store:
        return open_store(store["url"], password=os.environ["LITTRACK_DB_PASSWORD"]).conn
    return open_store(cfg.parent / store["path"]).conn


def delivered_counts(cfg: Path) -> dict[int, int]:
    """pmid → number of delivered digests that contain it."""
    rows = db(cfg).execute(
        "SELECT dp.pmid, count(*) c FROM digest_papers dp JOIN digests d ON d.id = dp.digest_id"
        " WHERE d.status = 'delivered' GROUP BY dp.pmid"
    )
    return {r["pmid"]: r["c"] for r in rows}


@pytest.fixture
def fetched(tmp_path: Path):
    """A config whose store holds every recorded record (fetched through the real CLI)."""

    def make(**sections):  # type: ignore[no-untyped-def]
        with FakeEutils(default_corpus(), rate_limit=False) as srv:
            cfg = write_config(tmp_path, srv.base_url, fetch={"recheck_limit": 0}, **sections)
            code, _, err = cli(cfg, "fetch")
            assert code == 0, err
        return cfg

    return make


@pytest.mark.slow
def test_digest_writes_file_archive_feed_and_exports_and_marks_every_paper_once(fetched):
    cfg = fetched()
    n = len(default_corpus())
    code, out, err = cli(cfg, "digest")
    assert code == 0, err
    assert out.startswith(f"digest: {n} papers → ") and out.strip().endswith("(written)")
    out_dir = cfg.parent / "digests"
    (page,) = [p for p in out_dir.glob("20*.html")]
    for name in ("index.html", "feed.xml", page.stem + ".ris", page.stem + ".bib", page.stem + ".csl.json"):
        assert (out_dir / name).is_file(), name
    assert set(delivered_counts(cfg).values()) == {1} and len(delivered_counts(cfg)) == n
    assert not list(out_dir.glob("*.tmp*"))
    # Nothing new: the next digest is explicitly empty, and no paper is delivered twice.
    code, out, _ = cli(cfg, "digest")
    assert code == 0 and out.startswith("digest: 0 papers")
    assert set(delivered_counts(cfg).values()) == {1}
    second = out_dir / db(cfg).execute("SELECT filename FROM digests WHERE id = 2").fetchone()[0]
    assert "No new papers this period" in second.read_text()


@pytest.mark.slow
def test_dry_run_marks_nothing_and_sends_nothing(fetched):
    with SmtpTestServer() as smtp:
        cfg = fetched(email=_email(smtp))
        code, out, err = cli(cfg, "digest", "--dry-run")
        assert code == 0, err
        assert "dry run, nothing marked or sent" in out
        assert smtp.messages == []
    assert delivered_counts(cfg) == {}
    assert db(cfg).execute("SELECT count(*) FROM digests").fetchone()[0] == 0


def _email(smtp: SmtpTestServer, **extra):  # type: ignore[no-untyped-def]
    conf = {
        "enabled": True,
        "host": smtp.host,
        "port": smtp.port,
        "security": smtp.security,
        "from": "littrack@clinic.test",
        "to": ["reader@clinic.test"],
        "timeout": 5,
    }
    if smtp.ca_path:
        conf["ca_file"] = str(smtp.ca_path)
    if smtp.auth:
        conf["username"] = smtp.auth[0]
    conf.update(extra)
    return conf


@pytest.mark.slow
def test_digest_is_emailed_over_starttls_with_auth_as_multipart_alternative(fetched, monkeypatch):
    monkeypatch.setenv("LITTRACK_SMTP_PASSWORD", "s3cret")
    with SmtpTestServer(starttls=True, auth=("clinic", "s3cret")) as smtp:
        # A public copy to link to (without one the digest goes along as an attachment: see below).
        cfg = fetched(email=_email(smtp), digest={"public_url": "https://clinic.example.org/digests/"})
        code, out, err = cli(cfg, "digest")
        assert code == 0, err
        assert "written and e-mailed" in out
        (msg,) = smtp.messages
        assert smtp.deliveries[0].tls and smtp.deliveries[0].auth_user == "clinic"
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    # Issue 13: the subject says what matters in short and ends with the total (was "littrack: N new papers …").
    assert re.fullmatch(rf"littrack: (\d+ \w[\w ]*, )*{len(default_corpus())} new papers \(.+\)", msg["Subject"])
    assert "s3cret" not in out + err
    row = db(cfg).execute("SELECT emailed, status FROM digests").fetchone()
    assert row["emailed"] == 1 and row["status"] == "delivered"


@pytest.mark.slow
def test_without_a_public_url_the_full_digest_is_attached(fetched):
    with SmtpTestServer() as smtp:
        cfg = fetched(email=_email(smtp))
        assert cli(cfg, "digest")[0] == 0
        (msg,) = smtp.messages
    assert msg.get_content_type() == "multipart/mixed"
    body, attached = msg.iter_parts()
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    name = db(cfg).execute("SELECT filename FROM digests").fetchone()[0]
    assert attached.get_filename() == name and attached.get_content_type() == "text/html"
    assert attached.get_content() == (cfg.parent / "digests" / name).read_text(encoding="utf-8")
    plain = " ".join(msg.get_body(("plain",)).get_content().split())
    assert f"The full digest is attached to this e-mail ({name})" in plain
    assert name in msg.get_body(("html",)).get_content()
    row = db(cfg).execute("SELECT emailed, status FROM digests").fetchone()
    assert row["emailed"] == 1 and row["status"] == "delivered"


@pytest.mark.slow
def test_smtp_down_marks_nothing_and_the_next_digest_retries_the_same_papers(fetched, tmp_path):
    with SmtpTestServer() as smtp:
        port = smtp.port
    cfg = fetched(
        email={
            "enabled": True,
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from": "littrack@clinic.test",
            "to": ["reader@clinic.test"],
            "timeout": 2,
        }
    )
    code, _, err = cli(cfg, "digest")
    assert code == 1 and "cannot reach SMTP server" in err and err.count("\n") == 1
    assert delivered_counts(cfg) == {}
    assert db(cfg).execute("SELECT status FROM digests").fetchone()["status"] == "failed"
    with SmtpTestServer(port=port) if _reusable(port) else SmtpTestServer() as smtp:
        cfg = write_config(tmp_path, "http://127.0.0.1:9/", fetch={"recheck_limit": 0}, email=_email(smtp))
        code, out, err = cli(cfg, "digest")
        assert code == 0, err
        assert "retrying papers from an undelivered digest" in out
        (msg,) = smtp.messages
    html = msg.get_body(("html",)).get_content()
    assert "could not be delivered" in html
    assert len(delivered_counts(cfg)) == len(default_corpus())
    assert len(list((cfg.parent / "digests").glob("20*.html"))) == 1  # the failed attempt's file was replaced


def _smtp_down() -> dict[str, object]:
    with SmtpTestServer() as smtp:
        port = smtp.port  # closed again: nothing listens there any more
    return {"enabled": True, "host": "127.0.0.1", "port": port, "security": "none",
            "from": "littrack@clinic.test", "to": ["reader@clinic.test"], "timeout": 2}


@pytest.mark.slow
def test_a_later_digest_never_deletes_the_page_a_delivered_digest_owns(fetched, tmp_path):
    # The fault campaign's sequence (issue 11 §1): failed attempt, delivery under the same name, one more digest.
    cfg = fetched(email=_smtp_down())
    code, _, err = cli(cfg, "digest")
    assert code == 1 and "cannot reach SMTP server" in err
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", fetch={"recheck_limit": 0})
    code, out, err = cli(cfg, "digest")
    assert code == 0 and "(written)" in out, err
    delivered = [r for r in ledger(db(cfg)) if r["status"] == "delivered"]
    page = tmp_path / "digests" / delivered[0]["filename"]
    before = page.read_bytes()
    code, out, err = cli(cfg, "digest")
    assert code == 0 and out.startswith("digest: 0 papers"), err
    assert page.is_file(), f"{page.name}, delivered by digest #{delivered[0]['id']}, was deleted"
    assert page.read_bytes() == before
    # Re-rendering the failed attempt, whose name the delivered digest took over, writes beside it.
    code, out, err = cli(cfg, "digest", "--rebuild", "1")
    assert code == 0 and out.rstrip().endswith("rebuild-1.html (nothing marked or sent)"), err
    assert page.read_bytes() == before
    assert_folder_agrees(db(cfg), tmp_path / "digests", expect_pmids=set(default_corpus().pmids))
    assert no_temp_files(tmp_path / "digests") == []


@pytest.mark.slow
def test_a_digest_the_smtp_server_may_have_delivered_is_announced_when_its_papers_are_sent_again(fetched, tmp_path):
    # A refused recipient after the others accepted: the message went out, yet the digest counts as failed.
    with SmtpTestServer(refuse={"gone@clinic.test"}) as smtp:
        cfg = fetched(email=_email(smtp, to=["reader@clinic.test", "gone@clinic.test"]))
        assert cli(cfg, "digest")[0] == 1
        assert len(smtp.messages) == 1
    (first,) = ledger(db(cfg))
    assert first["status"] == "failed" and first["sending_at"]
    with SmtpTestServer() as smtp:
        cfg = write_config(tmp_path, "http://127.0.0.1:9/", fetch={"recheck_limit": 0}, email=_email(smtp))
        code, _, err = cli(cfg, "digest")
        assert code == 0, err
        assert "digest #1 may have been e-mailed already" in err and "readers may get them twice" in err
        (msg,) = smtp.messages
    assert "may have reached you already" in msg.get_body(("plain",)).get_content()


def _reusable(port: int) -> bool:
    return False  # the test server picks its own port; a fresh config points at it


@pytest.mark.slow
def test_refused_recipient_counts_as_not_delivered(fetched):
    with SmtpTestServer(refuse={"gone@clinic.test"}) as smtp:
        cfg = fetched(email=_email(smtp, to=["reader@clinic.test", "gone@clinic.test"]))
        code, _, err = cli(cfg, "digest")
    assert code == 1 and "gone@clinic.test" in err
    assert delivered_counts(cfg) == {}


@pytest.mark.slow
def test_unwritable_output_directory_marks_nothing(fetched, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the digests folder should be")
    cfg = fetched(digest={"output_dir": str(blocker / "digests")})
    code, _, err = cli(cfg, "digest")
    assert code == 1 and err.startswith("littrack: error: ") and err.count("\n") == 1
    assert delivered_counts(cfg) == {}
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", fetch={"recheck_limit": 0})
    assert cli(cfg, "digest")[0] == 0
    assert set(delivered_counts(cfg).values()) == {1}


KILL_AFTER_WRITE = textwrap.dedent(
    """
    import os, sys
    import littrack.store.digests as ledger
    def die(*a, **k):
        os._exit(137)  # the process dies after the file is written, before anything is marked
    ledger.mark_delivered = die
    from littrack.cli import main
    sys.argv = ["littrack", "--config", sys.argv[1], "digest"]
    main()
    """
)


@pytest.mark.slow
def test_kill_between_writing_and_marking_then_rerun_delivers_each_paper_exactly_once(fetched):
    cfg = fetched()
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_WRITE, str(cfg)],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert proc.returncode == 137
    assert list((cfg.parent / "digests").glob("20*.html"))  # written, but never marked
    assert delivered_counts(cfg) == {}
    code, out, err = cli(cfg, "digest")
    assert code == 0, err
    assert "retrying" in out
    counts = delivered_counts(cfg)
    assert len(counts) == len(default_corpus()) and set(counts.values()) == {1}
    statuses = [r["status"] for r in db(cfg).execute("SELECT status FROM digests ORDER BY id")]
    assert statuses == ["interrupted", "delivered"]


@pytest.mark.slow
def test_rebuild_rerenders_a_digest_without_changing_the_ledger(fetched):
    cfg = fetched()
    assert cli(cfg, "digest")[0] == 0
    (page,) = list((cfg.parent / "digests").glob("20*.html"))
    page.unlink()
    before = [tuple(r) for r in db(cfg).execute("SELECT * FROM digests")]
    code, out, err = cli(cfg, "digest", "--rebuild", "1")
    assert code == 0, err
    assert page.is_file() and "nothing marked or sent" in out
    assert [tuple(r) for r in db(cfg).execute("SELECT * FROM digests")] == before
    code, _, err = cli(cfg, "digest", "--rebuild", "99")
    assert code == 1 and "no digest #99" in err


@pytest.mark.slow
def test_status_json_includes_the_digest_ledger(fetched):
    cfg = fetched()
    assert cli(cfg, "digest")[0] == 0
    info = json.loads(cli(cfg, "status", "--json")[1])
    assert info["digests"][0]["status"] == "delivered"
    assert info["digests"][0]["total"] == len(default_corpus())


@pytest.mark.parametrize("public_url", [None, "https://clinic.example.org/digests"])
@pytest.mark.slow
def test_emailed_abstracts_are_shortened_with_a_link_readers_can_open(fetched, public_url):
    digest = {"email_abstract_chars": 80}
    if public_url:
        digest["public_url"] = public_url
    with SmtpTestServer() as smtp:
        cfg = fetched(email=_email(smtp), digest=digest)
        assert cli(cfg, "digest")[0] == 0
        (msg,) = smtp.messages
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "file://" not in html + text
    if public_url:
        name = db(cfg).execute("SELECT filename FROM digests").fetchone()[0]
        assert f'href="{public_url}/{name}#pmid-' in html and f"{public_url}/{name}#pmid-" in text
    else:
        assert "The full abstract on PubMed" in html and "https://pubmed.ncbi.nlm.nih.gov/" in text


def test_public_url_must_be_http(tmp_path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", digest={"public_url": "javascript:alert(1)"})
    code, _, err = cli(cfg, "digest")
    assert code == 2 and "digest.public_url: must be an http(s) address" in err

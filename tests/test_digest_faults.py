"""`littrack digest` killed (SIGKILL) at every step, and run out of disk space at every size, then re-run.

Each case starts from the same folder: a store whose first digest failed (SMTP down), whose second was
delivered under the same file name (the order that made issue 11's cleanup delete a delivered page), and
six newly fetched papers waiting. The digest for those runs in a real subprocess that dies at one named
step (:data:`littrack.digest.job.STEPS`, or inside an atomic write); or, under ``unshare``, on a tmpfs
with only so many bytes free. Then the folder must agree with the ledger (tests/digest_checks.py), status
must show no live attempt, and one more digest must deliver every paper exactly once, e-mailing it once
(twice only when the kill fell between the SMTP server's acceptance and the ledger commit, and then the
re-run says so).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import TOPICS, write_config
from digest_checks import assert_folder_agrees, ledger, no_temp_files
from littrack.cli import main
from littrack.digest.job import STEPS
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import substring_matcher
from littrack.replay.server import FakeEutils
from smtp_server import SmtpTestServer

pytestmark = pytest.mark.slow  # subprocesses killed at every step, a tmpfs sweep

PMIDS = default_corpus().pmids
FIRST, LATER = frozenset(PMIDS[:6]), frozenset(PMIDS[6:12])

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    config, how, where = sys.argv[1:4]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if how == "step":
        import littrack.digest.job as job

        def reached(step):
            if step == where:
                die()

        job.reached = reached
    else:  # "rename": die inside an atomic write, after the temp file is complete and before the rename
        real = os.replace

        def replace(src, dst, *a, **k):
            if str(dst).endswith(where):
                die()
            return real(src, dst, *a, **k)

        os.replace = replace
    from littrack.cli import main
    sys.argv = ["littrack", "--config", config, "digest"]
    main()
    """
)


def cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def _email(smtp: SmtpTestServer) -> dict[str, object]:
    return {"enabled": True, "host": smtp.host, "port": smtp.port, "security": "none",
            "from": "littrack@clinic.test", "to": ["reader@clinic.test"], "timeout": 5}


@pytest.fixture(scope="module")
def smtp():
    with SmtpTestServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every case starts from (see the module docstring)."""
    folder = tmp_path_factory.mktemp("seed")
    with SmtpTestServer() as down:
        closed = {**_email(down), "timeout": 2}
    matcher = substring_matcher({"fibromyalgia": FIRST, "CRPS": LATER}, default=frozenset())
    with FakeEutils(default_corpus(), rate_limit=False, term_matcher=matcher) as srv:
        cfg = write_config(folder, srv.base_url, topics=TOPICS[:1], fetch={"recheck_limit": 0}, email=closed)
        assert cli(cfg, "fetch")[0] == 0
        assert cli(cfg, "digest")[0] == 1  # SMTP down: failed
        cfg = write_config(folder, srv.base_url, topics=TOPICS[:1], fetch={"recheck_limit": 0})
        code, out, err = cli(cfg, "digest")
        assert code == 0 and out.startswith("digest: 6 papers"), err
        cfg = write_config(folder, srv.base_url, fetch={"recheck_limit": 0})
        assert cli(cfg, "fetch")[0] == 0
    return folder


def _case(seed: Path, tmp_path: Path, **sections: object) -> tuple[Path, Path, Path]:
    work = tmp_path / "work"
    shutil.copytree(seed, work)
    cfg = write_config(work, "http://127.0.0.1:9/", fetch={"recheck_limit": 0}, **sections)
    return cfg, work / "store.sqlite3", work / "digests"


def _first_page(store: Path) -> str:
    return next(r["filename"] for r in ledger(store) if r["status"] == "delivered")


def _assert_recovers(cfg: Path, store: Path, folder: Path) -> tuple[str, str]:
    """After the fault: the folder agrees, status shows nothing live; one more digest delivers the rest."""
    assert_folder_agrees(store, folder)
    info = json.loads(cli(cfg, "status", "--json")[1])
    assert {d["status"] for d in info["digests"]} <= {"delivered", "failed", "interrupted"}, info["digests"]
    assert "running" not in {r["status"] for r in info["runs"]}
    code, out, err = cli(cfg, "digest")
    assert code == 0, err
    assert_folder_agrees(store, folder, expect_pmids=set(FIRST | LATER))
    assert no_temp_files(folder) == []
    assert {r["status"] for r in ledger(store)} <= {"delivered", "failed", "interrupted"}
    return out, err


KILL_POINTS = [("step", s) for s in STEPS] + [("rename", ".ris"), ("rename", ".html"), ("rename", "feed.xml")]


@pytest.mark.parametrize(("how", "where"), KILL_POINTS, ids=[f"{h}-{w}" for h, w in KILL_POINTS])
def test_digest_killed_at_any_step_loses_nothing_and_the_next_run_delivers_each_paper_once(
    seed: Path, tmp_path: Path, smtp: SmtpTestServer, how: str, where: str
) -> None:
    cfg, store, folder = _case(seed, tmp_path, email=_email(smtp))
    first = _first_page(store)
    before = (folder / first).read_bytes()
    sent_before = len(smtp.messages)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(cfg), how, where], capture_output=True, text=True,
                          timeout=120, env={**os.environ})
    assert proc.returncode == -9, proc.stderr
    killed_sent = len(smtp.messages) - sent_before
    out, err = _assert_recovers(cfg, store, folder)
    assert (folder / first).read_bytes() == before
    delivered_by_kill = STEPS.index(where) >= STEPS.index("delivered") if how == "step" else where == "feed.xml"
    if delivered_by_kill:
        assert out.startswith("digest: 0 papers") and len(smtp.messages) - sent_before == 1
    elif how == "step" and where == "sent":  # the admitted gap: accepted by the server, not yet recorded
        assert killed_sent == 1 and len(smtp.messages) - sent_before == 2
        assert "may have been e-mailed already" in err
    else:
        assert killed_sent == 0 and len(smtp.messages) - sent_before == 1
        created = how == "rename" or STEPS.index(where) >= STEPS.index("created")
        assert out.startswith("digest: 6 papers") and ("retrying" in out) == created


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


FULL_DISK = """
set -e
mount -t tmpfs -o size={size} tmpfs "$WORK"
cp -a "$SEED"/. "$WORK"/
head -c {filler} /dev/zero > "$WORK"/filler || true
set +e
"$PY" -m littrack --config "$WORK"/config.yaml digest >"$OUT"/stdout 2>"$OUT"/stderr
echo $? >"$OUT"/rc
rm -f "$WORK"/filler "$WORK"/config.yaml
cp -a "$WORK"/. "$OUT"/
"""


@pytest.mark.skipif(not _unshare_works(), reason="needs unshare -rm to mount a private tmpfs")
def test_digest_on_a_full_disk_fails_in_one_line_loses_nothing_and_the_next_run_delivers(
    seed: Path, tmp_path: Path
) -> None:
    size = 8 * 1024 * 1024
    staged = tmp_path / "staged"
    cfg = write_config(shutil.copytree(seed, staged), "http://127.0.0.1:9/", fetch={"recheck_limit": 0})
    used = sum(p.stat().st_size for p in staged.rglob("*") if p.is_file())
    outcomes: list[int] = []
    # From nothing free up, 16 KiB at a time: the store, each export, the page, the delivery commit and the
    # archive each run out of space in turn; two clean runs in a row end the sweep.
    for free in range(0, 1024 * 1024, 16 * 1024):
        if outcomes[-2:] == [0, 0]:
            break
        mount, out = tmp_path / f"mnt-{free}", tmp_path / f"after-{free}"
        mount.mkdir()
        out.mkdir()
        script = FULL_DISK.format(size=size, filler=max(0, size - used - free - 64 * 1024))
        env = {**os.environ, "WORK": str(mount), "SEED": str(staged), "OUT": str(out), "PY": sys.executable}
        subprocess.run(["unshare", "-rm", "sh", "-c", script], check=True, env=env, timeout=120)
        code, err = int((out / "rc").read_text()), (out / "stderr").read_text()
        assert code in (0, 1), err
        if code:
            assert err.startswith("littrack: error: ") and err.count("\n") == 1, err
            assert "Traceback" not in err
        outcomes.append(code)
        cfg = write_config(out, "http://127.0.0.1:9/", fetch={"recheck_limit": 0})
        assert (out / "digests" / _first_page(out / "store.sqlite3")).is_file()
        _assert_recovers(cfg, out / "store.sqlite3", out / "digests")
    assert outcomes.count(1) >= 6  # the sweep hit several steps, not only the first

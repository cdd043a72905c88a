"""Digest file names and atomic writes (real files in tmp_path; a real write failure via RLIMIT_FSIZE)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from littrack.digest.files import digest_filename, unique_digest_path, write_atomic
from littrack.errors import DigestError

DAY = dt.date(2026, 11, 21)


def test_write_atomic_writes_text_and_bytes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "digests" / "2026-11-21.html"
    write_atomic(target, "première version")
    assert target.read_text(encoding="utf-8") == "première version"
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["2026-11-21.html"]  # no temp left behind
    assert target.stat().st_mode & 0o777 == 0o644


WRITE_UNDER_LIMIT = """
import resource, signal, sys
from pathlib import Path
from littrack.digest.files import write_atomic
from littrack.errors import DigestError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get the errno instead of being killed
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
try:
    write_atomic(Path(sys.argv[1]), "x" * 10_000)
except DigestError as exc:
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    print(exc)
"""


def test_failed_write_keeps_old_file_removes_temp_and_says_what_to_do(tmp_path: Path) -> None:
    """Files may not grow past 1 KiB (RLIMIT_FSIZE, in a child process so pytest's own output is not
    limited): the write fails with EFBIG, as a full disk fails with ENOSPC."""
    target = tmp_path / "2026-11-21.html"
    target.write_text("old digest")
    proc = subprocess.run([sys.executable, "-c", WRITE_UNDER_LIMIT, str(target)], capture_output=True, text=True)
    message = proc.stdout.strip()
    assert message.startswith(f"cannot write digest file {target}: File too large"), proc.stderr
    assert "nothing was marked as sent" in message and "\n" not in message
    assert target.read_text() == "old digest"
    assert [p.name for p in tmp_path.iterdir()] == ["2026-11-21.html"]


def test_write_into_a_path_under_a_file_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "digests").write_text("not a directory")
    with pytest.raises(DigestError, match="cannot write digest file"):
        write_atomic(tmp_path / "digests" / "2026-11-21.html", "x")


def test_digest_filename_uses_date_and_profile() -> None:
    assert digest_filename(DAY, None) == "2026-11-21.html"
    assert digest_filename(DAY, "weekly") == "2026-11-21-weekly.html"
    assert digest_filename(DAY, "weekly", 3) == "2026-11-21-weekly-3.html"
    with pytest.raises(DigestError):
        digest_filename(DAY, "../etc")


def test_unique_digest_path_adds_a_suffix_while_taken(tmp_path: Path) -> None:
    taken = {tmp_path / "2026-11-21.html", tmp_path / "2026-11-21-2.html"}
    assert unique_digest_path(tmp_path, DAY, None, lambda p: p in taken) == tmp_path / "2026-11-21-3.html"
    assert unique_digest_path(tmp_path, DAY, "weekly", lambda p: p in taken) == tmp_path / "2026-11-21-weekly.html"

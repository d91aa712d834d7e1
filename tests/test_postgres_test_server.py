"""scripts/postgres-test-server.sh: every start gets its own free port and its
own folder, and stopping one cluster leaves any other running."""
from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from housing.settings import ROOT

SCRIPT = ROOT / "scripts" / "postgres-test-server.sh"

pytestmark = pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                                reason="PostgreSQL is not installed (the script installs it as root)")


def _script(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


def _answers(url: str) -> bool:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT 1")).scalar() == 1
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def _folder_from(stderr: str) -> Path:
    """start says 'cluster in DIR on port N; stop it with: ... stop DIR'."""
    return Path(stderr.strip().splitlines()[-1].rsplit(" stop ", 1)[1])


def test_two_clusters_started_at_once_get_their_own_port_and_folder_and_stop_separately() -> None:
    """Two starts at the same moment: different ports and folders; stopping one leaves the other answering."""
    starts = [subprocess.Popen(["bash", str(SCRIPT), "start"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for _ in range(2)]
    results = [proc.communicate(timeout=120) + (proc.returncode,) for proc in starts]
    folders = [_folder_from(err) for _, err, _ in results]
    try:
        assert [code for _, _, code in results] == [0, 0], results
        urls = [out.strip() for out, _, _ in results]
        ports = [sa.engine.make_url(url).port for url in urls]
        assert ports[0] != ports[1]
        assert 55432 not in ports
        assert folders[0] != folders[1]
        assert all(_answers(url) for url in urls)

        stopped = _script("stop", str(folders[0]))
        assert stopped.returncode == 0, stopped.stderr
        assert not folders[0].exists()  # start made it, so stop removed it
        assert not _answers(urls[0])
        assert _answers(urls[1])
    finally:
        for folder in folders:
            _script("stop", str(folder))
    assert not folders[1].exists()


def test_a_given_folder_is_used_and_only_what_start_made_is_removed() -> None:
    """start DIR uses that (empty) folder; stop DIR removes the cluster but leaves DIR and files it did not make."""
    # Like `mktemp -d` (scripts/test): under /tmp, which the cluster owner can reach, unlike pytest's tmp_path.
    folder = Path(tempfile.mkdtemp(prefix="pg-test-"))
    started = _script("start", str(folder))
    try:
        assert started.returncode == 0, started.stderr
        assert (folder / "data" / "PG_VERSION").exists()
        (folder / "mine.txt").write_text("not the script's")
    finally:
        stopped = _script("stop", str(folder))
    assert stopped.returncode == 0, stopped.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["mine.txt"]
    assert not _answers(started.stdout.strip())
    shutil.rmtree(folder)


def test_start_refuses_a_folder_with_something_in_it(tmp_path: Path) -> None:
    """A folder that is not empty is never taken over (nor, later, deleted)."""
    (tmp_path / "keep.txt").write_text("x")
    result = _script("start", str(tmp_path))
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_stop_needs_the_folder() -> None:
    """stop with no folder refuses rather than guessing one (which could be another run's)."""
    result = _script("stop")
    assert result.returncode == 2
    assert "needs the folder" in result.stderr

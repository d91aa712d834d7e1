"""The set-up scripts fail with a clear message when Python 3.10 is missing."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from housing.settings import ROOT


def test_missing_python_310_is_explained(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    for name in ("requirements.in", "requirements.lock"):
        shutil.copy(ROOT / name, checkout / name)
    shutil.copy(ROOT / "scripts" / "common.sh", checkout / "scripts" / "common.sh")
    # A PATH with only the tools the script needs: no python3.10 whatever this machine has.
    bare_bin = tmp_path / "bin"
    bare_bin.mkdir()
    for tool in ("bash", "cat", "cut", "dirname", "sha256sum"):
        (bare_bin / tool).symlink_to(shutil.which(tool))
    result = subprocess.run(
        [str(bare_bin / "bash"), "-c", "source scripts/common.sh && ensure_venv"], cwd=checkout,
        capture_output=True, text=True, timeout=60,
        env={"PATH": str(bare_bin), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv")},
    )
    assert result.returncode != 0
    assert "Python 3.10 was not found" in result.stderr
    assert "PYTHON310" in result.stderr
    assert not (checkout / ".venv").exists()

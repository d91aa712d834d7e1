"""The production systemd units (deploy/systemd/): `systemd-analyze verify`
accepts them (with the install path pointed at this checkout, whose .venv
exists), and they restart on failure, keep files private and put no secret
on a command line."""
from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.servers import ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
INSTALL = "/opt/housing-assistant"


def test_there_is_a_unit_for_each_server():
    assert [unit.name for unit in UNITS] == ["housing-assistant-actions.service", "housing-assistant-rasa.service"]


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    env_file = tmp_path / "env"
    env_file.write_text((ROOT / "deploy" / "systemd" / "env.example").read_text())
    for unit in UNITS:
        text = unit.read_text().replace(INSTALL, str(ROOT)).replace("/etc/housing-assistant/env", str(env_file))
        (tmp_path / unit.name).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / unit.name) for unit in UNITS)],
                          capture_output=True, text=True, timeout=60)
    ours = [line for line in (done.stdout + done.stderr).splitlines()
            if str(tmp_path) in line or "housing-assistant" in line]
    assert done.returncode == 0, done.stderr
    assert ours == []  # systemd only warns (exit 0) about a directive it cannot parse


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_units_restart_keep_files_private_and_hold_no_secret(unit: Path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text())
    service = parser["Service"]
    assert service["Restart"] == "always"
    assert service["UMask"] == "0077" and service["StateDirectoryMode"] == "0700"
    assert service["User"] != "root"
    assert "--auth-token" not in service["ExecStart"] and "SECRET" not in service["ExecStart"]
    assert service["EnvironmentFile"] == "/etc/housing-assistant/env"

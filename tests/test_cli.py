"""The staff command line, run as `python -m housing.cli` against a real SQLite file."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from housing.cases import CaseStore, NewCase, Representative, Resident

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("CASE_SYSTEM_", "CASES_DATABASE"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "housing.cli", *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    store = CaseStore(url, sync_enabled=True, timezone_name="Europe/London")
    complaint = store.create(NewCase(
        kind="complaint", category="repairs",
        description="Tap leaking since May.\nStill <script>alert(1)</script> 😀",
        received_at=datetime(2024, 6, 3, 10, 15, tzinfo=LONDON),
        resident=Resident(name="=HYPERLINK(\"http://evil\")", phone="+44 7700 900123", postcode="SW1A 1AA"),
        representative=Representative(name="Sam", relationship="son", consent_status="pending"),
        reasonable_adjustments=("large print", "phone calls after 2pm"),
        acknowledgement_due=date(2024, 6, 10), idempotency_key="c1",
    ))
    store.acknowledge(complaint.reference, datetime(2024, 6, 4, 9, 0, tzinfo=LONDON), response_due=date(2024, 6, 18))
    store.create(NewCase(
        kind="service_request", category="asb", description="Noisy neighbour at night",
        received_at=datetime(2024, 6, 5, 8, 0, tzinfo=LONDON), resident=Resident(name="Zoë Adams"),
        idempotency_key="s1",
    ))
    store.dispose()
    return url


def test_list_prints_a_table_newest_first(db) -> None:
    result = run_cli("list", "--database-url", db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["REFERENCE", "KIND", "STAGE", "STATUS", "RECEIVED", "ACK", "DUE", "RESPONSE", "DUE", "NAME"]
    assert lines[1].startswith("SR-2024-000001") and "Zoë Adams" in lines[1]
    assert lines[2].startswith("CMP-2024-000001")
    assert "acknowledged" in lines[2] and "2024-06-03 10:15" in lines[2] and "2024-06-18" in lines[2]


def test_list_json_and_filters(db) -> None:
    result = run_cli("--database-url", db, "list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [case["reference"] for case in data] == ["SR-2024-000001", "CMP-2024-000001"]
    assert "history" not in data[0]
    only = json.loads(run_cli("list", "--json", "--kind", "complaint", "--database-url", db).stdout)
    assert [case["reference"] for case in only] == ["CMP-2024-000001"]
    acked = json.loads(run_cli("list", "--json", "--status", "open", "--database-url", db).stdout)
    assert [case["reference"] for case in acked] == ["SR-2024-000001"]


def test_list_reads_the_database_url_setting(db) -> None:
    result = run_cli("list", env={"CASES_DATABASE_URL": db})
    assert result.returncode == 0 and "CMP-2024-000001" in result.stdout


def test_show_prints_fields_and_history(db) -> None:
    result = run_cli("show", "cmp-2024-000001", "--database-url", db)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "CMP-2024-000001" in out and "representative_consent_status  pending" in out
    assert "large print; phone calls after 2pm" in out
    assert "history:" in out and "logged" in out and "acknowledged" in out
    data = json.loads(run_cli("show", "CMP-2024-000001", "--json", "--database-url", db).stdout)
    assert data["description"].endswith("😀")
    assert [entry["kind"] for entry in data["history"]] == ["logged", "acknowledged"]


def test_show_unknown_reference_fails_clearly(db) -> None:
    result = run_cli("show", "CMP-2024-999999", "--database-url", db)
    assert result.returncode == 1
    assert "No case with reference 'CMP-2024-999999'" in result.stderr
    assert result.stdout == ""


def test_no_database_yet_is_not_created_by_reading(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'cases.db'}"
    assert run_cli("list", "--database-url", url).returncode == 0
    assert run_cli("show", "CMP-2024-000001", "--database-url", url).returncode == 1
    assert not (tmp_path / "nowhere").exists()


def test_export_csv_to_stdout_and_file(db, tmp_path) -> None:
    result = run_cli("export-csv", "--database-url", db)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["reference"] for row in rows] == ["SR-2024-000001", "CMP-2024-000001"]
    complaint = rows[1]
    assert complaint["description"] == "Tap leaking since May.\nStill <script>alert(1)</script> 😀"
    assert complaint["resident_name"] == "'=HYPERLINK(\"http://evil\")"  # no spreadsheet formula
    assert complaint["resident_phone"] == "+44 7700 900123"
    assert complaint["response_due"] == "2024-06-18"
    target = tmp_path / "out.csv"
    assert run_cli("export-csv", "--output", str(target), "--database-url", db).returncode == 0
    assert target.read_text(encoding="utf-8") == result.stdout


def test_sync_without_a_case_system(db) -> None:
    result = run_cli("sync", "--database-url", db)
    assert result.returncode == 0 and "No case system configured" in result.stdout


def test_sync_with_an_unreachable_case_system_reports_failures(db) -> None:
    env = {"CASE_SYSTEM_URL": "http://127.0.0.1:9", "CASE_SYSTEM_RETRIES": "0", "CASE_SYSTEM_TIMEOUT": "2"}
    result = run_cli("sync", "--database-url", db, env=env)
    assert result.returncode == 1
    assert "attempted 2, synced 0, failed 2" in result.stdout
    shown = json.loads(run_cli("show", "SR-2024-000001", "--json", "--database-url", db).stdout)
    assert shown["sync_status"] == "failed"


# ---------------------------------------------------------------- check-policy
# Uses housing.policy_loader (written alongside this CLI) and policies/default.yml.

DEFAULT_POLICY = ROOT / "policies" / "default.yml"


def test_check_policy_good_file() -> None:
    pytest.importorskip("housing.policy_loader")
    result = run_cli("check-policy", str(DEFAULT_POLICY))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK")


def test_check_policy_prints_warnings_with_code_sections(tmp_path) -> None:
    pytest.importorskip("housing.policy_loader")
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    slow = text.replace("respond: {working_days: 10, from: acknowledged}", "respond: {working_days: 30, from: acknowledged}", 1)
    assert slow != text
    path = tmp_path / "slow.yml"
    path.write_text(slow, encoding="utf-8")
    result = run_cli("check-policy", str(path))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert warnings and all(line.endswith("]") and "[" in line for line in warnings)
    assert any("Code" in line for line in warnings)


def test_check_policy_malformed_file(tmp_path) -> None:
    pytest.importorskip("housing.policy_loader")
    path = tmp_path / "broken.yml"
    path.write_text("landlord:\n  name: [unclosed\nstages: ten\n", encoding="utf-8")
    result = run_cli("check-policy", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "broken.yml" in result.stderr


def test_check_policy_missing_file(tmp_path) -> None:
    pytest.importorskip("housing.policy_loader")
    result = run_cli("check-policy", str(tmp_path / "missing.yml"))
    assert result.returncode == 1 and "missing.yml" in result.stderr

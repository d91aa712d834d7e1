"""`python -m housing.cli staff-add / staff-list / staff-disable`."""
from __future__ import annotations

import io

import pytest

from housing.cli import main
from housing.staff.store import StaffStore

PASSWORD = "correct horse battery staple"


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cases.db'}"


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(argv, out=out), out.getvalue()
    finally:
        sys.stdin = old


def test_add_list_and_disable(url, capsys):
    code, out = run(["--database-url", url, "staff-add", "Sam", "--name", "Sam Jones", "--password-stdin"],
                    PASSWORD + "\n")
    assert code == 0 and out == "Added staff account sam (Sam Jones).\n"
    store = StaffStore(url)
    assert store.authenticate("sam", PASSWORD).display_name == "Sam Jones"
    code, out = run(["staff-list", "--database-url", url])
    assert code == 0 and out.startswith("sam  active  created ") and out.rstrip().endswith("Sam Jones")
    assert PASSWORD not in out
    code, _ = run(["--database-url", url, "staff-add", "sam", "--password-stdin"], PASSWORD + "\n")
    assert code == 1 and "already exists" in capsys.readouterr().err
    code, out = run(["--database-url", url, "staff-disable", "sam"])
    assert code == 0 and "Disabled sam" in out
    assert store.authenticate("sam", PASSWORD) is None
    assert "disabled" in run(["--database-url", url, "staff-list"])[1]
    code, _ = run(["--database-url", url, "staff-disable", "nobody"])
    assert code == 1


def test_weak_passwords_and_bad_usernames_are_refused(url, capsys):
    assert run(["--database-url", url, "staff-add", "sam", "--password-stdin"], "short\n")[0] == 1
    assert "at least 12 characters" in capsys.readouterr().err
    assert run(["--database-url", url, "staff-add", "bad name", "--password-stdin"], PASSWORD + "\n")[0] == 2
    assert run(["--database-url", url, "staff-list"])[1] == "No staff accounts.\n"


def test_the_password_is_asked_twice_when_not_piped(url, monkeypatch, capsys):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(["--database-url", url, "staff-add", "sam"])[0] == 1
    assert "do not match" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert run(["--database-url", url, "staff-add", "sam"])[0] == 0

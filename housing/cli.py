"""Staff command line: look at cases, export them, retry the sync, check a policy file,
manage staff console accounts.

    python -m housing.cli list [--status S] [--kind complaint|service_request] [--json]
    python -m housing.cli show REFERENCE [--json]
    python -m housing.cli export-csv [--output FILE]
    python -m housing.cli sync
    python -m housing.cli check-policy [FILE]
    python -m housing.cli staff-add USERNAME [--name "Display Name"] [--password-stdin]
    python -m housing.cli staff-list
    python -m housing.cli staff-disable USERNAME

`staff-add` asks for the password twice (or reads one line from standard
input with --password-stdin); a password is never given on the command line.

`--database-url` (before or after the subcommand) overrides the
`CASES_DATABASE_URL` setting. Exit status: 0 done, 1 failed (unknown
reference, malformed policy, cases not sent), 2 bad usage.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, Optional, Sequence, TextIO
from zoneinfo import ZoneInfo

__all__ = ["main", "build_parser", "flatten_case", "csv_columns"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_LIKE = re.compile(r"^[+\-]?[0-9 ()\-]+$")


def _safe(value: Any, *, newlines: bool = False) -> str:
    """Text from residents made safe for a terminal: no control or bidi characters."""
    text = "" if value is None else str(value)
    if not newlines:
        text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("?", text)


def _csv_cell(value: str) -> str:
    """Stop spreadsheet formula injection: prefix a quote to cells starting with = + - @."""
    if value.startswith(_FORMULA_START) and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def _local(moment: Optional[datetime], zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


_LEADING_COLUMNS = ("reference", "kind", "stage", "status")


def _nested_fields() -> dict[str, tuple[str, ...]]:
    from housing.cases.models import Representative, Resident

    return {
        "resident": tuple(f.name for f in fields(Resident)),
        "representative": tuple(f.name for f in fields(Representative)),
    }


def csv_columns() -> list[str]:
    """The export columns: every `Case` field but history, nested ones prefixed."""
    from housing.cases.models import Case

    nested = _nested_fields()
    names: list[str] = list(_LEADING_COLUMNS)
    for field in fields(Case):
        if field.name in nested:
            names += [f"{field.name}_{inner}" for inner in nested[field.name]]
        elif field.name not in ("history", *_LEADING_COLUMNS):
            names.append(field.name)
    return names


def flatten_case(case: Any) -> dict[str, str]:
    """One flat row of text per case (resident/representative as prefixed columns)."""
    from housing.cases.models import case_to_dict

    nested = _nested_fields()
    row: dict[str, str] = {}
    for key, value in case_to_dict(case, include_history=False).items():
        if key in nested:
            for inner in nested[key]:
                row[f"{key}_{inner}"] = _text((value or {}).get(inner))
        else:
            row[key] = _text(value)
    return {name: row[name] for name in csv_columns()}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


# ---------------------------------------------------------------- commands

def _store(args: argparse.Namespace) -> Any:
    from housing.cases.store import CaseStore

    return CaseStore(args.database_url)


def _no_database(args: argparse.Namespace) -> bool:
    """True (with a message) if a SQLite file named by the URL does not exist yet."""
    import sqlalchemy as sa

    url = sa.engine.make_url(args.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).expanduser().exists():
            print(f"No case database at {url.database} yet: no cases have been logged.", file=sys.stderr)
            return True
    return False


def _zone() -> ZoneInfo:
    from housing.settings import get_settings

    return ZoneInfo(get_settings().timezone)


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    from housing.cases.models import case_to_dict

    found = [] if _no_database(args) else _store(args).list(status=args.status, kind=args.kind, limit=args.limit)
    if args.json:
        json.dump([case_to_dict(case, include_history=False) for case in found], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    if not found:
        print("No cases.", file=out)
        return 0
    zone = _zone()
    header = ("REFERENCE", "KIND", "STAGE", "STATUS", "RECEIVED", "ACK DUE", "RESPONSE DUE", "NAME")
    rows = [
        (
            case.reference, case.kind, str(case.stage), case.status, _local(case.received_at, zone),
            _text(case.acknowledgement_due), _text(case.response_due), _safe(case.resident.name)[:40],
        )
        for case in found
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)
    return 0


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    from housing.cases.models import case_to_dict

    case = None if _no_database(args) else _store(args).get(args.reference)
    if case is None:
        print(
            f"No case with reference {_safe(args.reference)!r}. "
            "References look like CMP-2024-000123 (complaint) or SR-2024-000045 (service request).",
            file=sys.stderr,
        )
        return 1
    if args.json:
        json.dump(case_to_dict(case), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    zone = _zone()
    row = flatten_case(case)
    width = max(len(name) for name in row)
    for name, value in row.items():
        value = value.replace("\n", "\n" + " " * (width + 2))
        print(f"{name.ljust(width)}  {_safe(value, newlines=True)}", file=out)
    print("\nhistory:", file=out)
    for entry in case.history:
        detail = _safe(entry.detail, newlines=True).replace("\n", "\n      ")
        print(f"  {_local(entry.at, zone)}  {entry.kind}  ({_safe(entry.actor)})  {detail}", file=out)
    return 0


def cmd_export_csv(args: argparse.Namespace, out: TextIO) -> int:
    found = [] if _no_database(args) else _store(args).list(limit=10**9)
    columns = csv_columns()
    target: TextIO = open(args.output, "w", encoding="utf-8", newline="") if args.output else out
    try:
        writer = csv.DictWriter(target, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for case in found:
            writer.writerow({key: _csv_cell(value) for key, value in flatten_case(case).items()})
    finally:
        if args.output:
            target.close()
    if args.output:
        print(f"Wrote {len(found)} cases to {args.output}", file=sys.stderr)
    return 0


def cmd_sync(args: argparse.Namespace, out: TextIO) -> int:
    """Store the cases kept in the spool, then send pending cases (each one
    claimed first, so this is safe beside the running assistant)."""
    from housing.cases.case_system import CaseSync
    from housing.cases.store import CaseStore
    from housing.settings import get_settings

    settings = get_settings()
    # The spool belongs to the configured database: another --database-url gets none of it.
    spool = settings.case_spool_dir if args.database_url == settings.database_url else None
    sync = CaseSync.from_settings(CaseStore(args.database_url, spool_dir=spool))
    counts = sync.retry_pending(limit=args.limit)
    if counts.stored_from_spool:
        print(f"stored {counts.stored_from_spool} kept case(s) from the spool", file=out)
    if not sync.enabled:
        print("No case system configured (CASE_SYSTEM_URL): cases are kept locally only.", file=out)
        return 0
    print(f"attempted {counts.attempted}, synced {counts.synced}, failed {counts.failed}, "
          f"being sent by another process {counts.busy}", file=out)
    return 1 if counts.failed else 0


def cmd_check_policy(args: argparse.Namespace, out: TextIO) -> int:
    from housing.policy_loader import PolicyError, load_policy
    from housing.settings import get_settings

    path = Path(args.file) if args.file else get_settings().policy_file
    try:
        policy, warnings = load_policy(path)
    except PolicyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"OK: {path} ({policy.landlord_name}), {len(warnings)} warning(s)", file=out)
    for warning in warnings:
        field = getattr(warning, "field", "")
        section = getattr(warning, "code_section", "")
        message = getattr(warning, "message", str(warning))
        print(f"warning: {field}: {message} [{section}]", file=out)
    return 0


def _staff_store(args: argparse.Namespace) -> Any:
    from housing.staff.store import StaffStore

    return StaffStore(args.database_url)


def _read_password(args: argparse.Namespace) -> Optional[str]:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass(f"Password for {args.username}: ")
    if getpass.getpass("Same password again: ") != first:
        print("error: the passwords do not match", file=sys.stderr)
        return None
    return first


def cmd_staff_add(args: argparse.Namespace, out: TextIO) -> int:
    from housing.staff.security import check_password, check_username
    from housing.staff.store import AccountExistsError

    try:
        username = check_username(args.username)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    password = _read_password(args)
    if password is None:
        return 1
    try:
        check_password(password)
        account = _staff_store(args).add_account(username, password, args.name)
    except (ValueError, AccountExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Added staff account {account.username} ({_safe(account.display_name)}).", file=out)
    return 0


def cmd_staff_list(args: argparse.Namespace, out: TextIO) -> int:
    accounts = [] if _no_database(args) else _staff_store(args).accounts()
    if not accounts:
        print("No staff accounts.", file=out)
        return 0
    zone = _zone()
    for account in accounts:
        state = "active" if account.active else "disabled"
        print(f"{account.username}  {state}  created {_local(account.created_at, zone)}  "
              f"{_safe(account.display_name)}", file=out)
    return 0


def cmd_staff_disable(args: argparse.Namespace, out: TextIO) -> int:
    if _no_database(args) or not _staff_store(args).disable_account(args.username):
        print(f"error: no staff account {_safe(args.username)!r}", file=sys.stderr)
        return 1
    print(f"Disabled {_safe(args.username)}; its sessions are signed out.", file=out)
    return 0


# ---------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url", default=argparse.SUPPRESS,
        help="case database URL (default: the CASES_DATABASE_URL setting)",
    )
    parser = argparse.ArgumentParser(prog="python -m housing.cli", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="case database URL (default: the setting)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", parents=[common], help="list cases, newest first")
    p.add_argument("--status", choices=("open", "acknowledged", "responded", "closed"))
    p.add_argument("--kind", choices=("complaint", "service_request"))
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", parents=[common], help="one case with its history")
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export-csv", parents=[common], help="all cases as CSV")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export_csv)

    p = sub.add_parser("sync", parents=[common], help="send pending cases to the case system")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("check-policy", help="check a landlord policy file against the Code")
    p.add_argument("file", nargs="?", help="policy YAML (default: the LANDLORD_POLICY setting)")
    p.set_defaults(func=cmd_check_policy)

    p = sub.add_parser("staff-add", parents=[common], help="add a staff console account (asks for the password)")
    p.add_argument("username")
    p.add_argument("--name", help="the name residents see when this person joins a chat (default: username)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_staff_add)

    p = sub.add_parser("staff-list", parents=[common], help="list staff console accounts")
    p.set_defaults(func=cmd_staff_list)

    p = sub.add_parser("staff-disable", parents=[common], help="disable an account and sign it out")
    p.add_argument("username")
    p.set_defaults(func=cmd_staff_disable)
    return parser


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if getattr(args, "database_url", None) is None:
        from housing.settings import get_settings

        args.database_url = get_settings().database_url
    out = out or sys.stdout
    try:
        return args.func(args, out)
    except BrokenPipeError:
        return 0
    except Exception as err:  # a clear one-line message, not a traceback
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(err, SQLAlchemyError):
            print(f"error: case database: {type(err).__name__}: {str(err).splitlines()[0]}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    # A database or export this command creates holds residents' personal data: this user's only.
    os.umask(0o077)
    sys.exit(main())

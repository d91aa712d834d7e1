"""Shared fixtures.

`database_url`: a fresh, empty case database per test: always SQLite (a file
under tmp_path that does not exist yet), and PostgreSQL too when
TEST_POSTGRES_URL is set (a throwaway schema per test, dropped afterwards).
Start a local server (a free port, its own folder) with:

    pg_dir="$(mktemp -d)"
    export TEST_POSTGRES_URL="$(scripts/postgres-test-server.sh start "$pg_dir")"

and stop it with `scripts/postgres-test-server.sh stop "$pg_dir"`.

`recorder`: the recording HTTP server that stands in for Facebook, Twilio and
Telegram (this machine has no internet), one per test module
(tests/channels/recorder.py).
"""
from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest

from tests.channels.recorder import Recorder, running_recorder


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'cases.db'}"
        return
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TEST_POSTGRES_URL not set (see scripts/postgres-test-server.sh)")
    import sqlalchemy as sa

    schema = "test_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(base, future=True)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    with running_recorder() as recorder:
        yield recorder

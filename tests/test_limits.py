"""housing/limits.py: the pure budget rule, the detail keys, and the counts
kept in the real cases database (SQLite, and PostgreSQL when configured),
across a new store object (a restart) and through the windows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from housing.limits import (
    BUDGETS,
    CHECKS_PER_CONVERSATION,
    HANDOFFS_PER_CONVERSATION,
    VERIFY_FAILURES_PER_DETAIL,
    VERIFY_FAILURES_PER_REFERENCE,
    Budget,
    LimitStore,
    detail_key,
    over_budget,
    rate_limit_events,
)

START = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_documented_defaults():
    assert (VERIFY_FAILURES_PER_REFERENCE.limit, VERIFY_FAILURES_PER_REFERENCE.window) == (5, timedelta(hours=24))
    assert (VERIFY_FAILURES_PER_DETAIL.limit, VERIFY_FAILURES_PER_DETAIL.window) == (5, timedelta(hours=24))
    assert (CHECKS_PER_CONVERSATION.limit, CHECKS_PER_CONVERSATION.window) == (10, timedelta(hours=1))
    assert (HANDOFFS_PER_CONVERSATION.limit, HANDOFFS_PER_CONVERSATION.window) == (3, timedelta(hours=1))
    assert len({budget.name for budget in BUDGETS}) == len(BUDGETS)


def test_over_budget_names_the_first_budget_used_up():
    small, large = Budget("small", 2, timedelta(hours=1)), Budget("large", 10, timedelta(hours=1))
    assert over_budget([(small, 0), (large, 9)]) is None
    assert over_budget([(small, 1), (large, 10)]) is large
    assert over_budget([(small, 2), (large, 10)]) is small
    assert over_budget([]) is None


def test_detail_keys_match_the_way_details_are_compared():
    assert detail_key("LS1 4AP") == detail_key(" ls14ap ") == "LS14AP"
    assert detail_key("+44 7700 900123") == detail_key("07700900123") == detail_key("0044 7700 900 123")
    assert detail_key("Maria@Example.COM") == "maria@example.com"
    assert detail_key("LS1 4AP") != detail_key("LS1 4AQ")


def test_counts_per_key_and_budget(database_url):
    store = LimitStore(database_url, clock=Clock())
    budget = VERIFY_FAILURES_PER_REFERENCE
    for _ in range(3):
        store.record([(budget, "CMP-2026-000001"), (VERIFY_FAILURES_PER_DETAIL, "LS14AP")])
    assert store.count(budget, "CMP-2026-000001") == 3
    assert store.count(budget, "CMP-2026-000002") == 0
    assert store.count(VERIFY_FAILURES_PER_DETAIL, "LS14AP") == 3
    # the same key under another budget is counted apart
    assert store.count(CHECKS_PER_CONVERSATION, "CMP-2026-000001") == 0
    store.dispose()


def test_the_limit_is_reached_at_the_budget_and_survives_a_new_store(database_url):
    clock = Clock()
    store = LimitStore(database_url, clock=clock)
    checks = [(VERIFY_FAILURES_PER_REFERENCE, "CMP-2026-000001"), (CHECKS_PER_CONVERSATION, "conv-1")]
    for _ in range(4):
        store.record(checks)
    assert store.exceeded(checks) is None
    store.record(checks)
    assert store.exceeded(checks) is VERIFY_FAILURES_PER_REFERENCE
    store.dispose()
    restarted = LimitStore(database_url, clock=clock)  # as after a restart of the action server
    assert restarted.exceeded(checks) is VERIFY_FAILURES_PER_REFERENCE
    # a new conversation gets no new budget for the same reference
    assert restarted.exceeded([(VERIFY_FAILURES_PER_REFERENCE, "CMP-2026-000001"),
                               (CHECKS_PER_CONVERSATION, "conv-2")]) is VERIFY_FAILURES_PER_REFERENCE
    restarted.dispose()


def test_events_leave_the_window_and_old_rows_are_removed(database_url):
    clock = Clock()
    store = LimitStore(database_url, clock=clock)
    for _ in range(3):
        store.record([(HANDOFFS_PER_CONVERSATION, "conv-1")])
    assert store.exceeded([(HANDOFFS_PER_CONVERSATION, "conv-1")]) is HANDOFFS_PER_CONVERSATION
    clock.now = START + timedelta(minutes=61)
    assert store.exceeded([(HANDOFFS_PER_CONVERSATION, "conv-1")]) is None
    clock.now = START + timedelta(hours=25)
    store.record([(HANDOFFS_PER_CONVERSATION, "conv-2")])
    engine = sa.create_engine(database_url, future=True)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(rate_limit_events)).scalar_one() == 1
    engine.dispose()
    store.dispose()


def test_no_personal_detail_is_stored(database_url):
    store = LimitStore(database_url, clock=Clock())
    store.record([(VERIFY_FAILURES_PER_DETAIL, "maria@example.com"),
                  (VERIFY_FAILURES_PER_REFERENCE, "CMP-2026-000001")])
    engine = sa.create_engine(database_url, future=True)
    with engine.connect() as conn:
        stored = " ".join(" ".join(map(str, row)) for row in conn.execute(sa.select(rate_limit_events)))
    engine.dispose()
    store.dispose()
    assert "maria" not in stored and "CMP-2026" not in stored

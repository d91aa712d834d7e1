"""Attacks on the per-client budget for callback requests and hand-overs
(`housing.limits.HANDOFFS_PER_CLIENT`), against the real action server and
Rasa server over a real socket.io client, each asserted to fail:

* fresh website chat sessions from one address, each asking for a callback,
  store at most the budget; the rest are told a request is open and given
  the phone number;
* the same, with each session sending its own made-up `client_key` in its
  metadata (the server overwrites it);

and past the budget a risk to life from that address still reaches the team.

The office is closed (so asking for a person takes callback details). The
servers trust 127.0.0.1 as a proxy, so each test is its own client by the
X-Forwarded-For it sends (a peer that is not trusted cannot do this: see
tests/test_clientlimit_key.py).
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest

from housing.cases.store import CaseStore
from housing.limits import HANDOFFS_PER_CLIENT
from housing.policy_loader import load_policy
from tests.security.identity_helpers import WebResident, office_closed_policy
from tests.servers import ROOT, Assistant, running_assistant

SESSIONS = 10
CALLBACK = ["please call me back", "Fred Bloggs", "07700900556", "mornings"]
ALREADY_OPEN = "already have a request open"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    work = tmp_path_factory.mktemp("clientlimit-web-sessions")
    with running_assistant(work, policy=office_closed_policy(work),
                           extra_env={"TRUSTED_PROXIES": "127.0.0.1"}) as running:
        yield running


@pytest.fixture(scope="module")
def phone() -> str:
    return load_policy(ROOT / "policies" / "default.yml")[0].phone


def cases_of(assistant: Assistant, conversations: list[str]) -> list:
    store = CaseStore(assistant.cases_url)
    try:
        return [case for case in store.list(limit=10000) if case.conversation_id in conversations]
    finally:
        store.dispose()


def ask_for_callbacks(assistant: Assistant, address: str, *, own_keys: bool,
                      sessions: int = SESSIONS) -> tuple[list[str], list[str]]:
    """`sessions` fresh web sessions from `address`, each asking for a
    callback; (their conversation ids, the reply each got to its last message)."""
    conversations, last_replies = [], []
    for _ in range(sessions):
        resident = WebResident(assistant, headers={"X-Forwarded-For": address})
        conversations.append(resident.connect())
        extra = {"metadata": {"client_key": uuid.uuid4().hex}} if own_keys else None
        try:
            replies = [resident.say(text, extra) for text in CALLBACK]
        finally:
            resident.close()
        last_replies.append("\n".join(replies))
    return conversations, last_replies


def assert_stopped_at_budget(assistant: Assistant, conversations: list[str], replies: list[str],
                             phone: str) -> None:
    stored = cases_of(assistant, conversations)
    assert len(stored) == HANDOFFS_PER_CLIENT.limit, [c.reference for c in stored]
    assert all(c.category == "callback request" for c in stored)
    for reply in replies[:HANDOFFS_PER_CLIENT.limit]:
        assert "callback request is logged" in reply, reply
    for reply in replies[HANDOFFS_PER_CLIENT.limit:]:
        assert ALREADY_OPEN in reply and phone in reply, reply
        assert "callback request is logged" not in reply, reply


def test_fresh_web_sessions_from_one_address_are_stopped_at_the_budget(assistant: Assistant, phone: str):
    """Attack: ten new socket.io sessions from one address, each asking for a callback."""
    conversations, replies = ask_for_callbacks(assistant, "198.51.100.21", own_keys=False)
    assert_stopped_at_budget(assistant, conversations, replies, phone)
    # another client behind the same proxy still gets its callback
    other, other_replies = one_session(assistant, "198.51.100.22")
    assert "callback request is logged" in other_replies and len(cases_of(assistant, [other])) == 1


def one_session(assistant: Assistant, address: str) -> tuple[str, str]:
    resident = WebResident(assistant, headers={"X-Forwarded-For": address})
    conversation = resident.connect()
    try:
        return conversation, "\n".join(resident.say(text) for text in CALLBACK)
    finally:
        resident.close()


def test_a_client_chosen_client_key_does_not_reset_the_budget(assistant: Assistant, phone: str):
    """Attack: the same, each session sending a made-up client_key in its message metadata."""
    conversations, replies = ask_for_callbacks(assistant, "198.51.100.31", own_keys=True)
    assert_stopped_at_budget(assistant, conversations, replies, phone)


def test_a_risk_to_life_past_the_budget_still_reaches_the_team(assistant: Assistant):
    """Past the per-client budget, a new session from that address saying it is at risk still opens a case."""
    address = "198.51.100.41"
    conversations, _ = ask_for_callbacks(assistant, address, own_keys=False, sessions=HANDOFFS_PER_CLIENT.limit)
    assert len(cases_of(assistant, conversations)) == HANDOFFS_PER_CLIENT.limit
    resident = WebResident(assistant, headers={"X-Forwarded-For": address})
    conversation = resident.connect()
    try:
        reply = resident.say("i want to end it all")
    finally:
        resident.close()
    assert "116 123" in reply, reply
    assert len(cases_of(assistant, [conversation])) == 1

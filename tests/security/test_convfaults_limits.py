"""Attacks on the case check and on callback requests, against the real
action server and Rasa server, each asserted to fail:

* a status check brute-forced with many postcodes or phone numbers across
  many sender ids stops after the budget (`housing.limits`), and stays
  stopped after both servers restart;
* one phone number walked along sequential references stops after the budget;
* many checks from one conversation stop after the budget;
* a flood of callback requests from one conversation stops after three.

Past a limit the resident is given the phone number, and nothing says
whether the reference or the detail exists. The team is closed all week in
this module's policy (but for a minute on Sunday night), so asking for a
person takes callback details.
"""
from __future__ import annotations

import contextlib
import re
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from housing import messages
from housing.cases.store import CaseStore
from housing.limits import CHECKS_PER_CONVERSATION, HANDOFFS_PER_CONVERSATION, VERIFY_FAILURES_PER_REFERENCE
from housing.policy_loader import load_policy
from tests.servers import ROOT, Assistant, rest_id, running_assistant

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "bank_holidays")
COMPLAINT = ["my tap is STILL leaking despite numerous visits from your plumber, I'm sick of it",
             "since about 2 months ago", "fix the tap properly and say sorry", "I'm the tenant", "Maria Lopez",
             "07700 900123", "LS1 4AP", "none", "phone", "yes"]
REFERENCE = re.compile(r"\b(?:CMP|SR)-\d{4}-\d{6}\b")
NOT_MATCHED_WORDS = ("doesn't match", "couldn't match")


def closed_policy(directory: Path) -> Path:
    policy = yaml.safe_load((ROOT / "policies" / "default.yml").read_text())
    # A policy needs one open day: one minute on Sunday night.
    policy["opening_hours"] = {day: "closed" for day in DAYS} | {"sunday": "00:00-00:01"}
    path = directory / "always-closed.yml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


class Servers:
    """The running assistant, restartable on the same databases."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.policy = closed_policy(work)
        self._stack = contextlib.ExitStack()
        self.assistant = self._start()
        self.too_many = messages.too_many_checks(load_policy(self.policy)[0])

    def _start(self) -> Assistant:
        return self._stack.enter_context(running_assistant(self.work / "servers", self.policy))

    def restart(self) -> None:
        """Stop both servers and start them again (same cases and conversation databases)."""
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self.assistant = self._start()

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    running = Servers(tmp_path_factory.mktemp("convfaults-limits"))
    try:
        yield running
    finally:
        running.close()


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def sender() -> str:
    return f"attacker-{uuid.uuid4().hex[:10]}"


def log_complaint(assistant: Assistant, phone: str = "07700 900123", postcode: str = "LS1 4AP") -> str:
    resident = f"resident-{uuid.uuid4().hex[:10]}"
    for message in COMPLAINT:
        reply = texts(assistant.say(resident, {"07700 900123": phone, "LS1 4AP": postcode}.get(message, message)))
    (reference,) = set(REFERENCE.findall(reply))
    return reference


def check(assistant: Assistant, conversation: str, reference: str, guesses: list[str]) -> list[str]:
    """One status check from `conversation`: the reference, then the guesses
    (at most two per check); the replies to the guesses."""
    assistant.say(conversation, "check my complaint")
    asked = texts(assistant.say(conversation, reference))
    assert "postcode, email address or phone" in asked, asked
    return [texts(assistant.say(conversation, guess)) for guess in guesses]


def brute_force(assistant: Assistant, reference: str, candidates: list[str], too_many: str) -> tuple[int, str]:
    """Try the candidates two per new sender id until the phone number comes
    back; (how many guesses were compared, the reply that stopped it)."""
    compared = 0
    for start in range(0, len(candidates), 2):
        for reply in check(assistant, sender(), reference, candidates[start:start + 2]):
            if too_many in reply:
                return compared, reply
            assert any(words in reply for words in NOT_MATCHED_WORDS), reply
            compared += 1
            if "couldn't match" in reply:
                break
    return compared, ""


def test_status_check_brute_forced_with_postcodes_across_sender_ids_is_stopped(servers: Servers):
    """Attack: a postcode sector's candidates, two per check, each check from a new sender id."""
    assistant = servers.assistant
    reference = log_complaint(assistant)
    sector = [f"LS1 {digit}{a}{b}" for digit in "9876" for a in "ABDEFG" for b in "ABDEFG"][:40]
    compared, stopped = brute_force(assistant, reference, sector + ["LS1 4AP"], servers.too_many)
    assert compared == VERIFY_FAILURES_PER_REFERENCE.limit
    assert stopped == servers.too_many
    # the right postcode, from yet another sender id, reveals nothing now
    (reply,) = check(assistant, sender(), reference, ["LS1 4AP"])
    assert reply == servers.too_many and reference not in reply and "stage" not in reply
    # and an escalation of the same reference is refused the same way
    assistant_sender = sender()
    assistant.say(assistant_sender, "I want to escalate my complaint to stage 2")
    assistant.say(assistant_sender, reference)
    assert texts(assistant.say(assistant_sender, "LS1 4AP")) == servers.too_many


def test_the_budget_holds_after_both_servers_restart(servers: Servers):
    """Attack: carry on the brute force after the action server and Rasa server restart."""
    reference = log_complaint(servers.assistant, phone="07700 900555", postcode="LS2 7EW")
    compared, _ = brute_force(servers.assistant, reference, [f"07700 90{n:04d}" for n in range(3)],
                              servers.too_many)
    assert compared == 3
    servers.restart()
    compared, stopped = brute_force(servers.assistant, reference,
                                    [f"07700 91{n:04d}" for n in range(20)] + ["07700 900555"], servers.too_many)
    assert compared == VERIFY_FAILURES_PER_REFERENCE.limit - 3
    assert stopped == servers.too_many


def test_one_phone_number_walked_along_sequential_references_is_stopped(servers: Servers):
    """Attack: the victim's phone number tried against reference after reference, each from a new sender id."""
    assistant = servers.assistant
    victim = log_complaint(assistant, phone="07700 900777", postcode="LS6 2QT")
    year, number = victim.split("-")[1:]
    walked = [f"CMP-{year}-{int(number) + step:06d}" for step in range(1, 8)] + [victim]
    stopped_at = None
    for position, reference in enumerate(walked):
        (reply,) = check(assistant, sender(), reference, ["07700 900777"])
        if reply == servers.too_many:
            stopped_at = position
            break
        assert "couldn't match" in reply or "doesn't match" in reply, reply
    assert stopped_at == VERIFY_FAILURES_PER_REFERENCE.limit  # the victim's case was never reached


def test_many_checks_from_one_conversation_are_stopped(servers: Servers):
    """Attack: one conversation checks reference after reference, each with a different detail."""
    assistant = servers.assistant
    conversation = sender()
    replies = []
    for step in range(CHECKS_PER_CONVERSATION.limit // 2 + 1):
        replies += check(assistant, conversation, f"SR-2026-{900 + step:06d}",
                         [f"M{step} 1A{letter}" for letter in "AB"])
    assert all(any(words in reply for words in NOT_MATCHED_WORDS) for reply in replies[:CHECKS_PER_CONVERSATION.limit])
    assert replies[CHECKS_PER_CONVERSATION.limit] == servers.too_many


RISK_WORDS = ["i want to end it all", "i want to kill myself", "i feel suicidal", "i want to end my life",
              "i am going to hurt myself", "i cant do this anymore", "thinking of ending it all"]


def test_a_callback_flood_from_one_conversation_is_stopped(servers: Servers):
    """Attack: one conversation asks for callbacks again and again (urgent words, and 'talk to a person')."""
    assistant = servers.assistant
    conversation = sender()
    for words in RISK_WORDS:  # each urgent message would open a new callback request
        assert "116 123" in texts(assistant.say(conversation, words))  # the crisis route, every time
    for _ in range(3):
        for message in ["talk to a person", "Sam Flood", "07700 900999", "any time"]:
            last = texts(assistant.say(conversation, message))
    store = CaseStore(assistant.cases_url)
    callbacks = [c for c in store.list(limit=1000) if c.conversation_id == rest_id(conversation)]
    store.dispose()
    assert len(callbacks) == HANDOFFS_PER_CONVERSATION.limit
    reply = texts(assistant.say(conversation, "talk to a person"))
    assert "already have a request open" in reply and "0306 999 0100" in reply, reply
    assert "already have a request open" in last or "callback request is logged" in last

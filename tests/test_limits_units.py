"""The pure parts of the size and webhook limits: how much of a message is
taken, the kind reply, the log throttle, the persistent webhook dedupe store,
and the body cap on a real Sanic server (the end-to-end attacks are in
tests/security/test_limits_attacks.py)."""
from __future__ import annotations

import asyncio
import logging
import stat
import uuid
from pathlib import Path

import pytest
import rasa.core.run
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import Sanic, response

from channels.message_limit import CUT_METADATA_KEY, capped
from channels.social.dedupe import PRUNE_EVERY_SECONDS, SeenMessages
from channels.social.log_limit import LogThrottle, ThrottledWarnings
from housing.message_limit import WORD_BOUNDARY_WINDOW, ending, take
from housing.messages import message_too_long
from housing.settings import get_settings
from server import limits


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- how much of a message is taken -------------------------------------------------

def test_a_message_up_to_the_cap_is_taken_whole() -> None:
    for text in ("", "hello", "x" * 100):
        taken = take(text, 100)
        assert (taken.text, taken.cut, taken.left_chars, taken.received_chars) == (text, False, 0, len(text))


def test_a_longer_message_is_cut_between_words() -> None:
    text = "word " * 30  # 150 characters
    taken = take(text, 102)
    assert taken.cut and taken.text == ("word " * 20).strip() and len(taken.text) == 99
    assert taken.received_chars == 150 and taken.left_chars == len("word " * 10)
    assert text.startswith(taken.text)


def test_a_message_with_no_space_near_the_cap_is_cut_at_the_cap() -> None:
    text = "a " + "b" * (WORD_BOUNDARY_WINDOW + 500)
    taken = take(text, WORD_BOUNDARY_WINDOW + 100)
    assert len(taken.text) == WORD_BOUNDARY_WINDOW + 100 and taken.left_chars == len(text) - len(taken.text)


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(ValueError):
        take("hello", 0)


def test_ending_is_the_last_few_words() -> None:
    assert ending("one two three four five six seven eight nine ten") == "three four five six seven eight nine ten"
    assert len(ending("x" * 500)) == 120


def test_the_kind_reply_says_the_cap_where_it_stops_and_what_to_do() -> None:
    text = message_too_long(20_000, "and the mould came back", "0300 123 4567")
    assert "20,000 characters" in text and '"...and the mould came back"' in text
    assert "send the rest in another message, or call us on 0300 123 4567." in text
    assert "call us" not in message_too_long(20_000, "x", None)


# --- the channel wrapper --------------------------------------------------------------

def _through_cap(text: str, max_chars: int) -> tuple[list[UserMessage], list[dict]]:
    handled: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        handled.append(message)
        await message.output_channel.send_text_message(message.sender_id, "the usual reply")

    output = CollectingOutputChannel()
    asyncio.run(capped(on_new_message, max_chars)(UserMessage(text, output, "r1", input_channel="rest")))
    return handled, output.messages


def test_a_message_over_the_cap_is_cut_and_the_resident_told_first() -> None:
    text = "word " * 100
    handled, sent = _through_cap(text, 52)
    [message] = handled
    assert message.text == ("word " * 10).strip()
    assert message.metadata[CUT_METADATA_KEY] == {"received_chars": 499, "kept_chars": 49}  # Rasa strips the text
    assert [m["text"] for m in sent][1] == "the usual reply"
    assert "52 characters" in sent[0]["text"] and "send the rest" in sent[0]["text"]


def test_a_message_within_the_cap_passes_unchanged() -> None:
    handled, sent = _through_cap("my tap is leaking", 52)
    assert handled[0].text == "my tap is leaking" and not handled[0].metadata
    assert [m["text"] for m in sent] == ["the usual reply"]


# --- the HTTP body cap ---------------------------------------------------------------

def test_the_rasa_app_gets_the_body_cap_from_the_settings() -> None:
    app = limits.capped(rasa.core.run.configure_app)(enable_api=False)
    assert app.config.REQUEST_MAX_SIZE == get_settings().request_max_bytes == 256 * 1024
    assert app.config.WEBSOCKET_MAX_SIZE == 256 * 1024


def test_a_body_over_the_cap_gets_413_from_a_real_server() -> None:
    app = Sanic(f"limits-{uuid.uuid4().hex[:8]}")
    app.add_route(lambda request: response.text(str(len(request.body))), "/echo", methods=["POST"])
    limits.apply(app, 1024)
    _, small = app.test_client.post("/echo", content=b"x" * 1024)
    assert small.status == 200 and small.text == "1024"
    _, big = app.test_client.post("/echo", content=b"x" * 1025)
    assert big.status == 413


# --- the log throttle ------------------------------------------------------------------

def test_the_throttle_allows_one_line_a_minute_and_counts_the_rest() -> None:
    clock = Clock()
    throttle = LogThrottle(60, clock)
    assert throttle.allow() == 0
    assert [throttle.allow() for _ in range(5)] == [None] * 5
    clock.now += 59.9
    assert throttle.allow() is None
    clock.now += 0.1
    assert throttle.allow() == 6 and throttle.allow() is None


def test_throttled_warnings_are_per_kind(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    warnings = ThrottledWarnings(logging.getLogger("limits-test"), 60, clock)
    with caplog.at_level(logging.WARNING, logger="limits-test"):
        for _ in range(100):
            warnings.warn("forged", "telegram: refused a forged call")
            warnings.warn("no id", "telegram: refused a call with no id")
        clock.now += 60
        warnings.warn("forged", "telegram: refused a forged call")
    assert [r.getMessage() for r in caplog.records] == [
        "telegram: refused a forged call", "telegram: refused a call with no id",
        "telegram: refused a forged call (and 99 more like it since the last such line, not logged)"]


# --- the webhook dedupe store ---------------------------------------------------------------

def test_a_message_id_is_new_once_per_channel(tmp_path: Path) -> None:
    seen = SeenMessages(tmp_path / "seen.db", 3600)
    assert seen.add_if_new("telegram", "55\x001")
    assert not seen.add_if_new("telegram", "55\x001")
    assert seen.add_if_new("twilio", "55\x001") and seen.add_if_new("telegram", "55\x002")


def test_message_ids_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "var" / "seen.db"
    first = SeenMessages(path, 3600)
    assert first.add_if_new("messenger", "psid\x00m_1")
    first.close()
    assert not SeenMessages(path, 3600).add_if_new("messenger", "psid\x00m_1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_message_ids_are_forgotten_after_the_time_limit(tmp_path: Path) -> None:
    clock = Clock()
    seen = SeenMessages(tmp_path / "seen.db", 24 * 3600, clock)
    for i in range(50):
        seen.add_if_new("twilio", f"SM{i}")
    clock.now += 24 * 3600 - 1
    assert not seen.add_if_new("twilio", "SM0")
    clock.now += PRUNE_EVERY_SECONDS
    assert seen.add_if_new("twilio", "SM1")  # older than a day: taken again, and the old rows dropped
    assert len(seen) == 1


def test_a_channel_that_is_off_makes_no_database(tmp_path: Path) -> None:
    SeenMessages(tmp_path / "seen.db", 3600)
    assert not (tmp_path / "seen.db").exists()

"""Pure message shaping for the social media channels."""
from __future__ import annotations

import pytest

from channels.social.formatting import (
    MESSENGER_MAX_QUICK_REPLIES, link_text, messenger_quick_replies, numbered_options, options_from_buttons,
    resolve_reply, split_message, telegram_keyboard,
)

GREETING_BUTTONS = [{"title": t, "payload": t} for t in
                    ("Report a problem", "Make a complaint", "Check my complaint", "Talk to a person")]


def test_short_text_is_one_piece() -> None:
    assert split_message("Hello there", 2000) == ["Hello there"]
    assert split_message("", 10) == []
    assert split_message("   ", 10) == []


def test_split_at_word_boundaries_within_the_limit() -> None:
    text = " ".join(f"word{i}" for i in range(500))
    pieces = split_message(text, 100)
    assert all(len(p) <= 100 for p in pieces)
    assert " ".join(pieces) == text  # nothing lost, no word cut
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in pieces)


def test_split_prefers_paragraph_breaks() -> None:
    first, second = "a " * 40, "b " * 40
    pieces = split_message(f"{first.strip()}\n\n{second.strip()}", 100)
    assert pieces == [first.strip(), second.strip()]


def test_a_word_longer_than_the_limit_is_cut() -> None:
    pieces = split_message("x" * 25 + " tail", 10)
    assert pieces == ["x" * 10, "x" * 10, "x" * 5 + " tail"]
    assert split_message("x" * 25 + " tail!", 10) == ["x" * 10, "x" * 10, "x" * 5, "tail!"]


def test_separator_exactly_at_the_limit() -> None:
    assert split_message("abcde fgh", 5) == ["abcde", "fgh"]


@pytest.mark.parametrize("limit", [1600, 2000, 4096])
def test_platform_limits_hold_for_long_text(limit: int) -> None:
    text = ("The quick brown fox jumps over the lazy dog. " * 300 + "\n") * 2
    pieces = split_message(text, limit)
    assert len(pieces) > 1 and all(len(p) <= limit for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_message("x", 0)


def test_numbered_options() -> None:
    text = numbered_options("What can I help with?", GREETING_BUTTONS)
    assert text == ("What can I help with?\n\nReply with a number:\n1. Report a problem\n2. Make a complaint\n"
                    "3. Check my complaint\n4. Talk to a person")
    assert numbered_options("No buttons", []) == "No buttons"
    assert numbered_options("", GREETING_BUTTONS[:1]) == "Reply with a number:\n1. Report a problem"


def test_options_fall_back_to_the_title_or_payload() -> None:
    assert options_from_buttons([{"title": "Yes"}, {"payload": "/affirm"}, {"title": ""}]) == [
        ("Yes", "Yes"), ("/affirm", "/affirm")]


@pytest.mark.parametrize("reply, expected", [
    ("2", "Make a complaint"), (" 2 ", "Make a complaint"), ("2.", "Make a complaint"),
    ("option 4", "Talk to a person"), ("#1", "Report a problem"), ("make a COMPLAINT", "Make a complaint"),
    ("5", "5"), ("0", "0"), ("2 weeks ago", "2 weeks ago"), ("my tap leaks", "my tap leaks"),
])
def test_resolve_reply(reply: str, expected: str) -> None:
    assert resolve_reply(reply, options_from_buttons(GREETING_BUTTONS)) == expected


def test_resolve_reply_without_options_is_unchanged() -> None:
    assert resolve_reply("2", None) == "2"
    assert resolve_reply("2", []) == "2"


def test_resolve_reply_maps_a_title_to_a_different_payload() -> None:
    assert resolve_reply("Yes", [("Yes", "/affirm")]) == "/affirm"


def test_messenger_quick_replies_use_titles_when_they_fit() -> None:
    text, replies = messenger_quick_replies("What can I help with?", GREETING_BUTTONS)
    assert text == "What can I help with?"
    assert replies == [{"content_type": "text", "title": b["title"], "payload": b["payload"]}
                       for b in GREETING_BUTTONS]


def test_messenger_long_titles_become_numbers_with_full_payloads() -> None:
    buttons = [{"title": "I'm the tenant", "payload": "I'm the tenant"},
               {"title": "I'm acting for the tenant", "payload": "I'm acting for the tenant"}]
    text, replies = messenger_quick_replies("Who are you?", buttons)
    assert text == "Who are you?\n\nReply with a number:\n1. I'm the tenant\n2. I'm acting for the tenant"
    assert [(r["title"], r["payload"]) for r in replies] == [("1", "I'm the tenant"),
                                                             ("2", "I'm acting for the tenant")]


def test_messenger_more_than_13_options_are_numbered_and_capped() -> None:
    buttons = [{"title": f"Opt {i}", "payload": f"Option {i}"} for i in range(1, 16)]
    text, replies = messenger_quick_replies("Pick", buttons)
    assert "15. Opt 15" in text
    assert len(replies) == MESSENGER_MAX_QUICK_REPLIES
    assert replies[-1] == {"content_type": "text", "title": "13", "payload": "Option 13"}


def test_messenger_no_buttons() -> None:
    assert messenger_quick_replies("Hi", None) == ("Hi", [])


def test_telegram_keyboard() -> None:
    keyboard = telegram_keyboard(GREETING_BUTTONS[:2])
    assert keyboard == {"keyboard": [[{"text": "Report a problem"}], [{"text": "Make a complaint"}]],
                        "one_time_keyboard": True, "resize_keyboard": True}
    assert telegram_keyboard([]) is None


def test_link_text() -> None:
    assert link_text("Image", "https://example.org/a.png") == "Image: https://example.org/a.png"

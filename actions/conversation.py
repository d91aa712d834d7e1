"""Helpers shared by the actions: reading the latest message, offering
choices that work on every channel, and recognising a digression.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

# Intents that answer a question without leaving the current form.
QUESTION_INTENTS = {
    "ask_timescales", "ask_ombudsman", "ask_compensation", "ask_how_to_complain", "ask_who_can_complain",
    "bot_challenge", "help", "complain_for_someone",
}
LEAVE_INTENTS = {"request_human", "stop"}
MAIN_OPTIONS = ["Report a problem", "Make a complaint", "Check my complaint", "Talk to a person"]
DIGRESSION_CONFIDENCE = 0.55
MAX_DIGRESSION_WORDS = 14


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def resident_messages(tracker: Tracker) -> str:
    """Everything the resident typed in this conversation session, one line each."""
    texts = []
    for event in tracker.events:
        if event.get("event") == "session_started":
            texts = []
        elif event.get("event") == "user" and event.get("text"):
            texts.append(str(event["text"]))
    return "\n".join(texts)


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def in_the_last_turn(tracker: Tracker, found: Callable[[dict[str, Any]], bool]) -> bool:
    """Is there an event, between the resident's previous message and this
    one (the assistant's last turn), for which `found` is true?"""
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif users_seen == 1 and found(event):
            return True
    return False


def answered_in_the_last_turn(tracker: Tracker, topic: str) -> bool:
    """Did the bot's reply to the resident's previous message answer `topic`
    (the `last_answer_topic` slot set in that reply)? So "and stage 2?" is
    read as a follow-up only straight after the answer it follows."""
    return in_the_last_turn(tracker, lambda event: event.get("event") == "slot"
                            and event.get("name") == "last_answer_topic" and event.get("value") == topic)


def digression(tracker: Tracker, answer_intents: frozenset[str] = frozenset()) -> str | None:
    """The intent of a question or exit typed mid-form, or None for an answer.

    Long messages are answers (a resident describing their problem may well
    mention "compensation" or "a manager"); `answer_intents` are intents that
    count as an answer to the slot being asked.
    """
    name, confidence = latest_intent(tracker)
    if not name or name in answer_intents or confidence < DIGRESSION_CONFIDENCE:
        return None
    if len(latest_text(tracker).split()) > MAX_DIGRESSION_WORDS:
        return None
    if name == "request_human" and not asks_for_a_person(latest_text(tracker)):
        # "for someone to deal with it and ring me back" answers the question;
        # only an explicit request leaves the form.
        return None
    if name in QUESTION_INTENTS or name in LEAVE_INTENTS:
        return name
    return None


_PERSON = re.compile(
    r"\b(person|human|someone real|real (person|people|human)|agent|advis[oe]r|operator|staff|member of (staff|the "
    r"team)|speak to (someone|somebody|a)|talk to (someone|somebody|a)|call me back|ring me back|callback|"
    r"call ?back|adviser|officer)\b", re.I)


def asks_for_a_person(text: str) -> bool:
    """An explicit, short request for a person ("talk to a person", "can I
    speak to someone"), not an answer that mentions being rung back."""
    words = text.split()
    return bool(_PERSON.search(text)) and (len(words) <= 6 or bool(re.search(
        r"\b(talk|speak|chat) (to|with) (a |an |someone|somebody|a real)", text, re.I)))


def offer(dispatcher: CollectingDispatcher, text: str, options: list[str]) -> None:
    """Send a question with buttons; each button sends its own words, so typing
    the words (or the option's number) works the same on any channel."""
    buttons: list[dict[str, Any]] = [{"title": option, "payload": option} for option in options]
    dispatcher.utter_message(text=text, buttons=buttons)


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"

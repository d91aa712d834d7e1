"""Giving a resident back what was logged in this conversation, whatever
happened to the turn that logged it.

A turn can be lost after its case was logged: the resident's connection
drops, the reply never arrives, or the turn is cut off before the
conversation is saved. So:

* "What's my reference?", "did you log it?", "I didn't get a number"
  (`action_give_reference`, and the same words at any top-level turn) get
  the references of the cases logged in this conversation, read from the
  case store by conversation id, never from a slot (a slot is lost with the
  turn), or are told plainly that nothing is logged yet.
* The same question typed at a form question is answered and the form asks
  its question again (`reference_question_in_form`); nothing is saved as the
  answer. At the complaint's read-back it completes the form: the resident
  takes the complaint as confirmed, so it is logged (once: logging is
  idempotent) and the acknowledgement with its reference is given.
* The confirming message sent again straight after a case was logged ("yes"
  again, or the same message re-sent) gets the same reference and
  acknowledgement (`repeated_confirmation`), never the menu or a new form.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.conversation import (DIGRESSION_CONFIDENCE, MAIN_OPTIONS, MAX_DIGRESSION_WORDS, latest_intent,
                                  latest_text, offer)
from actions.runtime import get_policy, get_store
from actions.safeguarding import safety_first
from housing import messages
from housing.answers import parse_reference, parse_yes_no
from housing.cases.store import ConversationReference
from housing.reference_questions import NOT_RECEIVED, asks_for_a_reference
from housing.triage import is_question

log = logging.getLogger(__name__)

REQUESTED_SLOT = "requested_slot"
# These set last_case_reference for a case checked, not logged: "yes" after them is not a confirmation again.
CHECKS = frozenset({"action_after_status_form", "action_after_escalation_form"})
BACK_TO_THE_FORM = "Now, back to where we were."


def logged_in_conversation(tracker: Tracker) -> list[ConversationReference]:
    """The cases logged in this conversation, oldest first, from the case store."""
    return list(get_store().references_for_conversation(tracker.sender_id))


def asks_about_the_reference(tracker: Tracker) -> bool:
    """Is the latest message a short question about the reference or whether
    something was logged (by the NLU model, or by its words)?"""
    text = latest_text(tracker)
    if len(text.split()) > MAX_DIGRESSION_WORDS or parse_reference(text):
        return False
    if asks_for_a_reference(text):
        return True
    name, confidence = latest_intent(tracker)
    # The model alone is trusted only for a question or a "didn't get": "get it logged" asks to log it.
    return (name == "ask_reference" and confidence >= DIGRESSION_CONFIDENCE
            and (is_question(text) or bool(NOT_RECEIVED.search(text))))


def references_text(logged: list[ConversationReference], in_form: bool = False) -> str:
    if logged:
        return messages.references_logged([(case.reference, case.kind) for case in logged])
    return messages.nothing_logged_yet_in_form() if in_form else messages.nothing_logged_yet()


def give_references(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Answer a top-level "what's my reference?"."""
    try:
        logged = logged_in_conversation(tracker)
    except SQLAlchemyError:
        log.exception("could not read the cases logged in %s", tracker.sender_id)
        dispatcher.utter_message(text=messages.cannot_look_up_references(get_policy()))
        return []
    if not logged:
        offer(dispatcher, messages.nothing_logged_yet(), MAIN_OPTIONS)
        return []
    dispatcher.utter_message(text=references_text(logged))
    numbered = [case.reference for case in logged if case.reference]
    return [SlotSet("last_case_reference", numbered[-1])] if numbered else []


def reference_question_in_form(dispatcher: CollectingDispatcher, tracker: Tracker,
                               requested: str) -> list[EventType] | None:
    """A question about the reference typed at a form question: answered,
    then the same question again; None when the message is not one."""
    if not asks_about_the_reference(tracker):
        return None
    if requested == "complaint_confirmed" and not tracker.get_slot("change_pending"):
        # At the read-back the resident takes it as confirmed (their "yes" was lost with its turn, or it
        # logged the case and the reply was lost): finish the form, so the complaint is logged, once,
        # and the acknowledgement with its reference is given.
        return [SlotSet("complaint_confirmed", True), SlotSet(REQUESTED_SLOT, None)]
    try:
        logged = logged_in_conversation(tracker)
    except SQLAlchemyError:
        log.exception("could not read the cases logged in %s", tracker.sender_id)
        dispatcher.utter_message(text=messages.cannot_look_up_references(get_policy()))
        dispatcher.utter_message(text=BACK_TO_THE_FORM)
        return [SlotSet(requested, None), SlotSet(REQUESTED_SLOT, requested)]
    if requested == "case_reference" and not logged:
        return None  # "I don't have a reference": the status form offers a person
    dispatcher.utter_message(text=references_text(logged, in_form=True))
    dispatcher.utter_message(text=BACK_TO_THE_FORM)
    return [SlotSet(requested, None), SlotSet(REQUESTED_SLOT, requested)]


def _last_turn(tracker: Tracker) -> tuple[list[dict[str, Any]], str | None]:
    """The events of the assistant's last turn (oldest first) and the
    resident's message before this one."""
    users_seen = 0
    turn: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                return turn, str(event.get("text") or "")
        elif users_seen == 1:
            turn.insert(0, event)
    return turn, None


def repeated_confirmation(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Straight after a case was logged, "yes" again or the same message
    again: the same acknowledgement, with the same reference. None otherwise."""
    turn, previous = _last_turn(tracker)
    if previous is None or any(e.get("event") == "action" and e.get("name") in CHECKS for e in turn):
        return None
    references = [e.get("value") for e in turn if e.get("event") == "slot" and e.get("name") == "last_case_reference"
                  and e.get("value")]
    if not references:
        return None
    reference = str(references[-1])
    said = [e for e in turn if e.get("event") == "bot" and reference in str(e.get("text") or "")]
    text = latest_text(tracker).strip()
    again = (latest_intent(tracker)[0] == "affirm" or parse_yes_no(text) is True
             or text.lower() == previous.strip().lower())
    if not said or not again:
        return None
    for event in said:
        data = event.get("data") or {}
        dispatcher.utter_message(text=event.get("text"), buttons=data.get("buttons") or [])
    return [SlotSet("last_case_reference", reference)]


def reference_turn(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """For a top-level turn: a repeated confirmation or a question about the
    reference, answered; None when the message is neither."""
    repeated = repeated_confirmation(dispatcher, tracker)
    if repeated is not None:
        return repeated
    if asks_about_the_reference(tracker):
        return give_references(dispatcher, tracker)
    return None


class ActionGiveReference(Action):
    """ "What's my reference?", "did you log it?" outside a form."""

    def name(self) -> str:
        return "action_give_reference"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        first = safety_first(dispatcher, tracker)
        if first is not None:
            return first
        repeated = repeated_confirmation(dispatcher, tracker)
        if repeated is not None:
            return repeated
        return give_references(dispatcher, tracker)

"""Session start, greeting, goodbye, stop, and the fallback that offers
choices and a person after two misunderstandings in a row.

A new session never undoes a hand-over: while the conversation has a live
hand-over open in the staff console, `action_session_start` pauses the bot
again (an idle session expiring would otherwise unpause it). Every turn here
checks the message for a risk to life first (`actions.safeguarding`).
"""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import MAIN_OPTIONS, before_answering
from actions.conversation import latest_text, offer
from actions.runtime import get_policy, get_staff_store
from actions.safeguarding import offer_person, risk_first, safety_first
from housing import messages
from housing.triage import guess_category, shows_unhappiness

log = logging.getLogger(__name__)


def handed_to_a_person(tracker: Tracker) -> bool:
    """Does a person have this conversation (a live hand-over still open)?
    If the store cannot be read, a conversation that was paused stays paused."""
    try:
        handoff = get_staff_store().open_handoff_for(tracker.sender_id)
    except SQLAlchemyError:
        log.exception("could not read the hand-overs; keeping the conversation's pause as it was")
        return tracker.is_paused()
    return handoff is not None and handoff.mode == "live"


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        events: list[EventType] = [SessionStarted(), SlotSet("landlord_name", get_policy().landlord_name)]
        if handed_to_a_person(tracker):
            events.append(ConversationPaused())
        return events + [ActionExecuted("action_listen")]


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        risky = risk_first(dispatcher, tracker)
        if risky is not None:
            return risky
        offer(dispatcher, messages.greeting(get_policy()) + " What can I help with?", MAIN_OPTIONS)
        return [SlotSet("fallback_count", 0)]


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        first = safety_first(dispatcher, tracker)
        if first is not None:
            return first
        reference = tracker.get_slot("last_case_reference")
        keep = f" Keep your reference {reference} to follow it up." if reference else ""
        dispatcher.utter_message(text=f"Thank you for getting in touch.{keep} Goodbye.")
        return []


class ActionStop(Action):
    """'Stop' outside a form: nothing to undo, say so and offer the options."""

    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        risky = risk_first(dispatcher, tracker)
        if risky is not None:
            return risky
        offer(dispatcher, "OK, I've stopped. Nothing new has been logged. What would you like to do?", MAIN_OPTIONS)
        return [SlotSet("form_interrupted", None), SlotSet("fallback_count", 0)]


class ActionDefaultFallback(Action):
    """First miss: ask to rephrase. Second in a row: choices and a person."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        first = before_answering(dispatcher, tracker)
        if first is not None:
            return first
        said = latest_text(tracker)
        words = len(said.split())
        if (words >= 3 and guess_category(said.lower()) != "service") or (words >= 5 and shows_unhappiness(said)):
            # "me windo still brokn, 3rd time!!!": a problem however it is typed, so triage it
            return [FollowupAction("action_triage")]
        misses = int(tracker.get_slot("fallback_count") or 0) + 1
        if misses >= 2:
            offer(dispatcher, "Sorry, I'm still not sure what you need. You can choose one of these, or talk to a "
                              "member of staff.", MAIN_OPTIONS)
        else:
            dispatcher.utter_message(text="Sorry, I didn't understand that. Could you put it another way? For "
                                          "example 'my boiler is broken' or 'I want to make a complaint'.")
        return [SlotSet("fallback_count", misses)] + offer_person(dispatcher, tracker)

"""Session start, greeting, goodbye, stop, and the fallback that offers
choices and a person after two misunderstandings in a row.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import MAIN_OPTIONS
from actions.conversation import offer
from actions.runtime import get_policy
from housing import messages


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return [SessionStarted(), SlotSet("landlord_name", get_policy().landlord_name),
                ActionExecuted("action_listen")]


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        offer(dispatcher, messages.greeting(get_policy()) + " What can I help with?", MAIN_OPTIONS)
        return [SlotSet("fallback_count", 0)]


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        reference = tracker.get_slot("last_case_reference")
        keep = f" Keep your reference {reference} to follow it up." if reference else ""
        dispatcher.utter_message(text=f"Thank you for getting in touch.{keep} Goodbye.")
        return []


class ActionStop(Action):
    """'Stop' outside a form: nothing to undo, say so and offer the options."""

    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        offer(dispatcher, "OK, I've stopped. Nothing new has been logged. What would you like to do?", MAIN_OPTIONS)
        return [SlotSet("form_interrupted", None), SlotSet("fallback_count", 0)]


class ActionDefaultFallback(Action):
    """First miss: ask to rephrase. Second in a row: choices and a person."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        misses = int(tracker.get_slot("fallback_count") or 0) + 1
        if misses >= 2:
            offer(dispatcher, "Sorry, I'm still not sure what you need. You can choose one of these, or talk to a "
                              "member of staff.", MAIN_OPTIONS)
        else:
            dispatcher.utter_message(text="Sorry, I didn't understand that. Could you put it another way? For "
                                          "example 'my boiler is broken' or 'I want to make a complaint'.")
        return [SlotSet("fallback_count", misses)]

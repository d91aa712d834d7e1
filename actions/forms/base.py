"""A form that a resident can never get stuck in.

Before any slot is validated, the latest message is checked for danger (the
emergency route is given first), for a question (answered, then the form asks
again without losing anything) and for "stop" or "talk to a person" (the form
ends and `form_interrupted` says why, for the after-form action).
"""
from __future__ import annotations

from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.answers import answer_for
from actions.conversation import digression, latest_text
from actions.runtime import get_policy
from housing import messages
from housing.safety import detect_emergency

REQUESTED_SLOT = "requested_slot"
MAX_RETRIES = 2


class ResidentForm(FormValidationAction):
    """Base for every form's validation action."""

    #: intents that are an answer to a slot, not a digression, per slot
    answer_intents: dict[str, frozenset[str]] = {}

    @abstractmethod
    def name(self) -> str:
        """`validate_<form name>`."""

    def form_name(self) -> str:
        return self.name()[len("validate_"):]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        danger = detect_emergency(latest_text(tracker))
        if danger:
            dispatcher.utter_message(text=messages.emergency_answer(get_policy(), danger.kind))
            dispatcher.utter_message(text="When you are safe, we can carry on: I've kept everything you told me.")
        if requested:
            turn = digression(tracker, self.answer_intents.get(requested, frozenset()))
            if turn in ("stop", "request_human"):
                return [SlotSet(requested, None), SlotSet("form_interrupted", "stop" if turn == "stop" else "human"),
                        SlotSet(REQUESTED_SLOT, None)]
            if turn:
                answer = answer_for(turn)
                if answer:
                    dispatcher.utter_message(text=answer)
                dispatcher.utter_message(text="Now, back to where we were.")
                return [SlotSet(requested, None)]
        return await super().run(dispatcher, tracker, domain)

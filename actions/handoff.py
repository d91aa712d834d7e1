"""Talk to a person. Until live staff handoff exists, the assistant takes a
callback request (logged as a service request with the conversation so far)
and says when the team will call. Any form can end this way.
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import MAIN_OPTIONS
from actions.conversation import channel_of, offer
from actions.forms.base import CALLBACK_SLOTS, HANDOFF_MESSAGE, ResidentForm
from actions.forms.contact import postcode_and_address
from actions.runtime import get_policy, get_store, now, push_later
from housing.cases.models import Resident
from housing.casework import log_service_request
from housing.opening_hours import describe_next_opening, is_open
from housing.transcript import transcript


def arrange_callback(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Log a callback request with the transcript and tell the resident when."""
    policy = get_policy()
    moment = now()
    contact = tracker.get_slot("contact_detail") or ""
    postcode, address = postcode_and_address(tracker.get_slot("postcode"))
    case = log_service_request(
        get_store(), category="callback request",
        description=f"Resident asked to talk to a person. Preferred contact: "
                    f"{tracker.get_slot('contact_preference')}.",
        resident=Resident(name=tracker.get_slot("resident_name") or "",
                          email=contact if "@" in contact else None,
                          phone=contact if contact and "@" not in contact else None,
                          postcode=postcode, address=address),
        channel=channel_of(tracker), conversation_id=tracker.sender_id, received_at=moment)
    get_store().mark_handed_to_staff(case.reference, transcript(tracker.events))
    push_later(case.reference)
    if is_open(policy, moment):
        when = "A member of the team will contact you today, usually within the hour."
    else:
        when = (f"We're closed right now; the team is back {describe_next_opening(policy, moment)} and will "
                "contact you then, at the time you asked for where possible.")
    dispatcher.utter_message(text=f"Thank you. Your callback request is logged as {case.reference}. {when} "
                                  f"If it's urgent, call us on {policy.phone}.")
    return [SlotSet("last_case_reference", case.reference), SlotSet("form_interrupted", None)]


def after_form(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Handle a form the resident stopped or left for a person; None otherwise."""
    reason = tracker.get_slot("form_interrupted")
    if reason == "stop":
        offer(dispatcher, "OK, I've stopped. Nothing has been logged. What would you like to do?", MAIN_OPTIONS)
        return [SlotSet("form_interrupted", None)]
    if reason == "human":
        return arrange_callback(dispatcher, tracker)
    return None


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        dispatcher.utter_message(text=HANDOFF_MESSAGE)
        return [SlotSet("form_interrupted", None), SlotSet("fallback_count", 0)]


class ValidateCallbackForm(ResidentForm):
    def name(self) -> str:
        return "validate_callback_form"

    def own_slots(self, domain_slots: list[str], tracker: Tracker) -> list[str]:
        return list(CALLBACK_SLOTS)


class ActionAfterCallbackForm(Action):
    def name(self) -> str:
        return "action_after_callback_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if tracker.get_slot("form_interrupted") == "stop":
            offer(dispatcher, "OK, I won't arrange a call. What would you like to do?", MAIN_OPTIONS)
            return [SlotSet("form_interrupted", None)]
        return arrange_callback(dispatcher, tracker)

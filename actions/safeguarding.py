"""Signs of risk or vulnerability in the resident's latest message, checked by
keyword whatever the NLU model predicted (`housing.safety`).

* Risk to life (suicide, self-harm): the crisis route first (999,
  Samaritans 116 123), then a person: in opening hours the chat is handed
  over live; outside them the conversation is flagged to the team as urgent
  at once and the callback details are taken.
* Vulnerability (illness, bereavement, disability, money worries...): the
  resident is offered a person, once per session.
"""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.conversation import latest_text, offer
from actions.runtime import get_policy, now
from housing import messages
from housing.opening_hours import describe_next_opening
from housing.language import needs_an_interpreter
from housing.safety import detect_risk, detect_vulnerability

PERSON_OFFER = ("Thank you for telling me. If it would help to talk to a member of our team, choose 'Talk to a "
                "person' at any time.")


RISK_TO_LIFE = "possible risk to life"
DOMESTIC_ABUSE = "domestic abuse disclosed"


def risk_reason(words: str) -> str:
    return f"{RISK_TO_LIFE}: the resident mentioned {words}"


def flag_urgent_callback(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> str:
    """Outside opening hours: record the conversation for the team now and say
    when they are back; returns the case reference."""
    from actions.handoff import start_callback_handoff

    reference = start_callback_handoff(tracker, reason)
    dispatcher.utter_message(text=f"Our team is closed right now; they're back "
                                  f"{describe_next_opening(get_policy(), now())}. I've flagged this conversation to "
                                  f"them as urgent (reference {reference}).")
    return reference


def risk_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """For a top-level turn: None if the message shows no risk; otherwise the
    crisis route, then a person (live, or an urgent callback and its details)."""
    words = detect_risk(latest_text(tracker))
    if not words:
        return None
    dispatcher.utter_message(text=messages.crisis_answer(get_policy()))
    return urgent_person(dispatcher, tracker, risk_reason(words))


def urgent_person(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[EventType]:
    """A person now: in opening hours they join the chat; outside them the
    team is told at once (an urgent callback request) and the details to
    contact the resident are asked for."""
    from actions.handoff import start_live_handoff

    if runtime.live_chat_open():
        return start_live_handoff(dispatcher, tracker, reason)
    reference = flag_urgent_callback(dispatcher, tracker, reason)
    dispatcher.utter_message(text="So they can contact you safely, I just need a couple of details (you can type "
                                  "'stop' if you'd rather not).")
    return [SlotSet("last_case_reference", reference), SlotSet("handoff_reason", reason),
            SlotSet("form_interrupted", None), SlotSet("fallback_count", 0), FollowupAction("callback_form")]


def offer_person(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Offer a person (once per session) if the message suggests the resident may be vulnerable."""
    if tracker.get_slot("person_offered") or not detect_vulnerability(latest_text(tracker)):
        return []
    offer(dispatcher, PERSON_OFFER, ["Talk to a person"])
    return [SlotSet("person_offered", True)]


INTERPRETER_OFFER = ("Yes, we can arrange an interpreter (including BSL) free of charge, by phone or in person. "
                     "Choose 'Talk to a person' and our team will set it up, or call us and ask for an "
                     "interpreter. You can also write to me in simple English and I'll do my best.")


def interpreter_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """For a top-level turn: None unless the resident needs an interpreter (asks,
    names a language, or writes in another one); then the offer of one and a
    person, instead of whatever the intent was."""
    if not needs_an_interpreter(latest_text(tracker)):
        return None
    offer(dispatcher, f"{INTERPRETER_OFFER} Our number is {get_policy().phone}.", ["Talk to a person"])
    return [SlotSet("person_offered", True)]


def safety_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """For a top-level turn: the crisis route, or the interpreter offer, before
    anything else; None when neither applies."""
    risky = risk_first(dispatcher, tracker)
    return risky if risky is not None else interpreter_first(dispatcher, tracker)

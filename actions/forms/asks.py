"""The questions the forms ask, one `action_ask_<slot>` each, from a table.

Buttons send their own words, so typing them (or the option number) works
on channels without buttons.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import offer
from actions.runtime import get_policy

# slot -> (question, buttons)
QUESTIONS: dict[str, tuple[str, list[str]]] = {
    "problem_text": ("Of course. What's the problem? Tell me in your own words, for example 'my boiler isn't "
                     "working' or 'my neighbour plays loud music at night'.", []),
    "route_choice": ("How would you like me to log it?", ["Log a service request", "Make a complaint"]),
    "complaint_description": ("Please tell me what happened. Include what went wrong and anyone you have already "
                              "spoken to. Write as much as you need.", []),
    "complaint_when": ("When did this happen, or when did you first find out about it? For example 'last week', "
                       "'in March' or '12/03/2026'. 'Not sure' is fine.", []),
    "outcome_sought": ("What would you like us to do to put things right?", []),
    "relationship": ("What is your connection to us?", ["Tenant", "Leaseholder", "Shared owner",
                                                        "Complaining for someone else",
                                                        "Not a resident but affected", "Other"]),
    "represented_resident_name": ("What is the name of the person you are complaining for?", []),
    "representative_relationship": ("How are you connected to them? For example daughter, friend, advocate or "
                                    "solicitor.", []),
    "resident_name": ("What is your full name?", []),
    "contact_detail": ("What is the best email address or UK phone number to reach you on? If you have neither, "
                       "type 'none' and we'll write to you.", []),
    "postcode": ("What is the postcode (or address) of the home this is about?", []),
    "adjustments": ("Is there anything that would make this easier for you? For example large print, easy read, "
                    "BSL, an interpreter, more time, or support because of illness, disability or a difficult time. "
                    "Type 'none' if not.", ["None needed"]),
    "contact_preference": ("How and when would you like us to contact you? For example 'email', 'phone after "
                           "5pm' or 'text, mornings'.", ["Email", "Phone", "Text message", "No preference"]),
    "sr_description": ("Please tell me what it's about: what is wrong and where (for example 'kitchen tap "
                       "dripping constantly').", []),
    "case_reference": ("What is your case reference? It looks like CMP-2026-000123.", []),
    "verification_detail": ("To keep your details safe, please tell me the postcode, email address or phone "
                            "number you gave with the complaint.", []),
    "escalation_reason": ("You don't have to give a reason to go to stage 2. If you'd like to, tell me what "
                          "you're unhappy with in our response, or type 'skip'.", ["Skip"]),
    "elected_member_matter": ("Thank you. Is this about a matter we don't know about yet (we'll log it as a new "
                              "complaint), or a general enquiry (handled outside the complaints process)?",
                              ["A new matter", "A general enquiry"]),
}


# In the complaint form, some questions depend on who is complaining: (slot, relationship) -> question.
COMPLAINT_VARIANTS: dict[tuple[str, str], str] = {
    ("represented_resident_name", "elected_member"): "What is the name of your constituent, the resident this "
                                                     "complaint is about?",
    ("resident_name", "group"): "As this complaint is from a group of residents, we'll deal with one lead contact "
                                "for everyone. What is the lead contact's full name?",
    ("contact_detail", "group"): "What is the best email address or UK phone number to reach the lead contact on? "
                                 "If they have neither, type 'none' and we'll write to them.",
}


def question_for(slot: str, tracker: Tracker) -> str:
    question = QUESTIONS[slot][0]
    if tracker.active_loop_name != "complaint_form":
        return question
    return COMPLAINT_VARIANTS.get((slot, tracker.get_slot("relationship") or ""), question)


def make_ask_action(slot: str) -> type[Action]:
    _, buttons = QUESTIONS[slot]

    class AskAction(Action):
        def name(self) -> str:
            return f"action_ask_{slot}"

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
            question = question_for(slot, tracker)
            if buttons:
                offer(dispatcher, question, buttons)
            else:
                dispatcher.utter_message(text=question)
            return []

    AskAction.__name__ = f"ActionAsk{''.join(part.title() for part in slot.split('_'))}"
    return AskAction


for _slot in QUESTIONS:
    _action = make_ask_action(_slot)
    globals()[_action.__name__] = _action


class ActionAskRepresentativeConsent(Action):
    def name(self) -> str:
        return "action_ask_representative_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[Any]:
        form = get_policy().representative_consent.value
        whose = "your constituent's" if tracker.get_slot("relationship") == "elected_member" else "the resident's"
        offer(dispatcher,
              f"We need {whose} {form} permission before we can discuss their complaint with you. Has "
              "permission been given, will it follow, or is it not needed (they are a child or can't complain "
              "themselves)?",
              ["Permission given", "Permission to follow", "Not needed"])
        return []

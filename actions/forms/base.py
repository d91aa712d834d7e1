"""A form that a resident can never get stuck in.

Before any slot is validated, the latest message is checked for danger (the
emergency route is given first), for words showing a risk to life (the
crisis route, then a person), for a question (answered, then the form asks
again without losing anything; "what's my reference?" is answered from the
case store, `actions.references`), for "stop" (the form ends and logs nothing)
and for "talk to a person": in opening hours the form ends and the after-form
action hands the chat to a person; outside them the same form switches to
taking callback details, so the after-form action arranges the callback with
everything said so far.
"""
from __future__ import annotations

import re
from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import runtime
from actions.answers import answer_for
from actions.conversation import digression, in_the_last_turn, latest_text
from actions.forms.contact import ContactDetailsMixin
from actions.references import reference_question_in_form
from actions.runtime import get_policy
from housing import messages
from housing.safety import detect_emergency, detect_risk
from housing.triage import is_question

REQUESTED_SLOT = "requested_slot"
# "ok", "ok thanks", "done, it's off now": acknowledging, not answering
ACKNOWLEDGEMENT = re.compile(
    r"\W*(ok(ay)?|k|right|alright|thanks?( you)?|cheers|ta|done|will do|got it|yes|yeah|yep|no problem|understood)"
    r"\b[\w\s',.!]{0,30}?(\b(it'?s|its|it is|water|gas|power|electric\w*) (is )?(off|safe|out|fine)( now)?)?\W*|"
    r"\W*(it'?s|its|it is|all|everyone'?s?) (off|safe|out|fine|ok|okay)( now)?\W*")
SAFETY_WARNING_END = "When you are safe, we can carry on"
CALLBACK_SLOTS = ["resident_name", "contact_detail", "contact_preference"]
HANDOFF_MESSAGE = ("Of course. I'll arrange for a member of our team to contact you. I just need a couple of "
                   "details (anything you've already told me is kept).")


# A resident changing their mind mid-complaint ("I don't want to complain, just fix it").
NOT_A_COMPLAINT = re.compile(
    r"\b(do(n'?t| not)|dont) (want|wanna|need) (to )?(make )?(a )?(complain\w*|formal)|\bnot a complaint|"
    r"\bjust (log|report) it as a (repair|service request|request)|\b(as )?a service request (instead|please)", re.I)
# Free-text slots where a long message mentioning danger is still the answer.
DESCRIPTION_SLOTS = {"complaint_description", "sr_description"}


def after_a_safety_warning(tracker: Tracker) -> bool:
    """Did the assistant's last turn give the emergency advice mid-form?"""
    return in_the_last_turn(tracker, lambda event: event.get("event") == "bot"
                            and str(event.get("text") or "").startswith(SAFETY_WARNING_END))


class ResidentForm(ContactDetailsMixin, FormValidationAction):
    """Base for every form's validation action (callback details are checked
    the same way in every form)."""

    #: intents that are an answer to a slot, not a digression, per slot
    answer_intents: dict[str, frozenset[str]] = {}

    @abstractmethod
    def name(self) -> str:
        """`validate_<form name>`."""

    def own_slots(self, domain_slots: list[str], tracker: Tracker) -> list[str]:
        """The slots this form asks for normally (the domain lists the callback
        slots for every form as well)."""
        return [slot for slot in domain_slots if slot not in CALLBACK_SLOTS]

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict) -> list[str]:
        if tracker.get_slot("form_interrupted") == "human":
            return list(CALLBACK_SLOTS)
        if tracker.get_slot("form_interrupted") in ("stop", "quiet"):
            return []  # the form ends now
        return self.own_slots(domain_slots, tracker)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        text = latest_text(tracker)
        danger = detect_emergency(text)
        if danger:
            dispatcher.utter_message(text=messages.emergency_answer(get_policy(), danger.kind))
            dispatcher.utter_message(text=f"{SAFETY_WARNING_END}: I've kept everything you told me.")
            if requested and not (requested in DESCRIPTION_SLOTS and len(text.split()) > 12):
                # A warning is not an answer: ask the same question again.
                return [SlotSet(requested, None), SlotSet(REQUESTED_SLOT, requested)]
        risk = detect_risk(text)
        if risk and requested:
            handled = await self._risk(dispatcher, tracker, domain, requested, risk, text)
            if handled is not None:
                return handled
        if requested and self.form_name() == "complaint_form" and NOT_A_COMPLAINT.search(text):
            dispatcher.utter_message(text="OK, I won't log a complaint. If something needs fixing or you have a "
                                          "question, just tell me about it and I'll log it as a service request.")
            return [SlotSet(requested, None), SlotSet("form_interrupted", "stop"), SlotSet(REQUESTED_SLOT, None)]
        if requested and after_a_safety_warning(tracker) and ACKNOWLEDGEMENT.fullmatch(text.lower().strip()):
            # "ok it's off now" after the emergency advice is not the answer to the question
            dispatcher.utter_message(text="Thank you. When you're ready:")
            return [SlotSet(requested, None), SlotSet(REQUESTED_SLOT, requested)]
        if requested:
            going_back = self.earlier_answer_change(dispatcher, tracker)
            if going_back is not None:
                return going_back
        if requested and not self.is_an_answer(tracker):
            about_the_reference = reference_question_in_form(dispatcher, tracker, requested)
            if about_the_reference is not None:
                return about_the_reference
            answers = self.answer_intents.get(requested, frozenset())
            if is_question(text):  # "will I get compensation?" asks; "compensation" answers
                answers = frozenset()
            turn = digression(tracker, answers)
            if turn == "stop":
                return [SlotSet(requested, None), SlotSet("form_interrupted", "stop"), SlotSet(REQUESTED_SLOT, None)]
            if turn == "request_human":
                return await self._switch_to_callback(dispatcher, tracker, domain, requested)
            if turn:
                answer = answer_for(turn)
                if answer:
                    dispatcher.utter_message(text=answer)
                dispatcher.utter_message(text="Now, back to where we were.")
                return [SlotSet(requested, None), SlotSet(REQUESTED_SLOT, requested)]
        from actions.safeguarding import offer_person

        offered = offer_person(dispatcher, tracker)
        return offered + await super().run(dispatcher, tracker, domain)

    def is_an_answer(self, tracker: Tracker) -> bool:
        """True when the message answers the question whatever its intent (forms override this)."""
        return False

    def earlier_answer_change(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
        """A resident asking mid-form to change an earlier answer: the events that
        go back to it (None: not asked; forms that allow it override this)."""
        return None

    async def _risk(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict, requested: str,
                    words: str, text: str) -> list[EventType] | None:
        """Risk to life mid-form: the crisis route first. In opening hours a
        person takes over now; outside them the team is told at once and the
        form carries on (None: the message is still taken as the answer when it
        is a long description)."""
        from actions.safeguarding import flag_urgent_callback, risk_reason

        dispatcher.utter_message(text=messages.crisis_answer(get_policy()))
        reason = risk_reason(words)
        if runtime.live_chat_open():
            return await self._switch_to_callback(dispatcher, tracker, domain, requested, reason)
        flag_urgent_callback(dispatcher, tracker, reason)
        dispatcher.utter_message(text="When you're ready, we can carry on: I've kept everything you told me.")
        if requested in DESCRIPTION_SLOTS and len(text.split()) > 12:
            return None
        return [SlotSet(requested, None), SlotSet(REQUESTED_SLOT, requested)]

    async def _switch_to_callback(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict,
                                  requested: str, reason: str | None = None) -> list[EventType]:
        if runtime.live_chat_open():
            # A person can join now: end the form; the after-form action hands the chat over.
            return [SlotSet(requested, None), SlotSet("form_interrupted", "human"),
                    SlotSet("handoff_reason", reason), SlotSet(REQUESTED_SLOT, None)]
        if tracker.get_slot("form_interrupted") == "human":
            dispatcher.utter_message(text=f"I'm arranging that now; I just need this last detail. If you'd rather "
                                          f"not give it, type 'none', or call us on {get_policy().phone}.")
            return [SlotSet(requested, None), SlotSet(REQUESTED_SLOT, requested)]
        events: list[EventType] = [SlotSet(requested, None), SlotSet("form_interrupted", "human")]
        if reason:
            events.append(SlotSet("handoff_reason", reason))
        tracker.add_slots(events)
        dispatcher.utter_message(text=HANDOFF_MESSAGE)
        if self.form_name() == "complaint_form" and tracker.get_slot("complaint_description"):
            dispatcher.utter_message(text="Your complaint isn't logged yet: I'll pass on everything you've told me, "
                                          "so the team can log it with you.")
        missing = [slot for slot in CALLBACK_SLOTS if tracker.get_slot(slot) is None]
        return events + [SlotSet(REQUESTED_SLOT, missing[0] if missing else None)]

"""Service request or complaint: classify the first message by the Code's
rules and always offer the resident the choice to complain (route_form).
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import answered_in_the_last_turn, latest_intent, latest_text, offer
from actions.forms.base import NOT_A_COMPLAINT, ResidentForm
from actions.references import reference_turn
from actions.runtime import get_policy
from housing.answers import parse_choice, parse_reference, with_more_detail
from housing.eligibility import LETTER_WORDS, eligibility, is_group_complaint, representation
from housing.messages import emergency_answer, survey_feedback_answer
from housing.safety import detect_emergency
from housing.triage import (Route, Triage, guess_category, is_survey_feedback, needs_detail, says_what_happened,
                            triage)

ROUTE_CHOICES = {
    "service_request": ("service request", "log a service", "log it", "request", "first time", "repair",
                        "report", "fix it", "get it fixed", "just fix", "sort it", "book", "rebook"),
    "complaint": ("complain", "complaint", "formal", "not happy", "unhappy", "let down"),
}

EXPLAIN = {
    "repair": "Reporting a repair for the first time is a service request: we log it and get it fixed.",
    "antisocial behaviour": "A first report of antisocial behaviour is a service request: we log it as an ASB "
                            "case and guide you on the next steps.",
    "missed appointment": "A missed appointment is first dealt with as a service request: we log it and rebook "
                          "at a time that suits you.",
    "rent or service charge": "A rent or service charge query is first dealt with as a service request: we pass "
                              "it to the income team to answer you.",
    "service": "This sounds like a request for us to put something right, which we log as a service request.",
}


# The answer to "What's the problem?" keeps the classifier's intent only when
# it names a kind of problem (a typo-filled answer is often "not understood").
TRIAGE_INTENTS = frozenset({"report_repair", "report_asb", "missed_appointment", "rent_query", "make_complaint"})


REASONS_IN_WORDS = {
    "repeated failure": "it has gone wrong more than once",
    "no response within the promised time": "we didn't reply when we said we would",
    "conduct or poor handling": "of how you were treated or how it was handled",
}


def taken_as_a_complaint(result: Triage) -> str:
    reasons = " and ".join(REASONS_IN_WORDS.get(reason, reason) for reason in result.reasons)
    because = "" if result.reasons == ("dissatisfaction with the service",) else f"Because {reasons}, "
    return (f"I'm sorry about this. {because}I'll take this as a complaint. It will be handled under our complaints "
            "procedure, and any work already under way carries on. If you'd rather just report it as a service "
            "request, say 'not a complaint'.")


FEEDBACK_WORDS = 10
# At the route question, a message this long (and not just a choice) is the resident telling us more.
STORY_WORDS = 6
CHOICE_WORDS = 12
ASKS_FOR_A_COMPLAINT = re.compile(r"\b(complain\w*|complaint|formal)\b", re.I)
ASKS_FOR_A_SERVICE_REQUEST = re.compile(r"\b(service request|just (fix|sort|log|report)|log it|fix it|sort it|"
                                        r"(want|need|get|have) (it|this) (fixed|sorted|repaired|done))\b", re.I)


class ActionTriage(Action):
    def name(self) -> str:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        from actions.safeguarding import offer_person, risk_first

        risky = risk_first(dispatcher, tracker)
        if risky is not None:
            return risky
        asked = bool(tracker.get_slot("problem_asked"))
        about_the_reference = None if asked else reference_turn(dispatcher, tracker)
        if about_the_reference is not None:
            # "yes" again just after a case was logged, or "what's my reference?": never a new case
            return about_the_reference + [SlotSet("route", None), SlotSet("problem_asked", None)]
        if asked and tracker.get_slot("form_interrupted"):
            # "What's the problem?" was stopped or left for a person
            from actions.handoff import after_form

            return (after_form(dispatcher, tracker) or []) + [SlotSet("problem_asked", None),
                                                              SlotSet("problem_text", None), SlotSet("route", None)]
        intent, _ = latest_intent(tracker)
        text = (tracker.get_slot("problem_text") if asked else None) or latest_text(tracker)
        danger = detect_emergency(text)
        if danger:
            dispatcher.utter_message(text=emergency_answer(get_policy(), danger.kind))
        if needs_detail(text) and not asked:
            # asked once; whatever the answer, it is then triaged (never a loop)
            return [SlotSet("route", None), SlotSet("problem_asked", True), SlotSet("problem_text", None),
                    SlotSet("fallback_count", 0)]
        if asked:
            intent = intent if intent in TRIAGE_INTENTS else None
        if is_survey_feedback(text):
            offer(dispatcher, survey_feedback_answer(get_policy()), ["Make a complaint", "Report a problem",
                                                                      "Talk to a person"])
            # Kept in case they choose to complain (a short "survey feedback" is no description).
            kept = text if len(text.split()) >= FEEDBACK_WORDS else None
            return [SlotSet("route", None), SlotSet("problem_asked", None), SlotSet("problem_text", None),
                    SlotSet("issue_text", kept), SlotSet("complaint_offered", True),
                    SlotSet("last_answer_topic", "survey_feedback"), SlotSet("fallback_count", 0)]
        feedback = tracker.get_slot("issue_text")
        if (intent == "make_complaint" and len(text.split()) < STORY_WORDS and feedback
                and answered_in_the_last_turn(tracker, "survey_feedback")):
            text = feedback  # "Make a complaint" after survey feedback: the feedback is what happened
        result = triage(intent, text)
        events: list[EventType] = [SlotSet("issue_category", result.category), SlotSet("issue_text", text),
                                   SlotSet("fallback_count", 0), SlotSet("route_choice", None),
                                   SlotSet("problem_asked", None), SlotSet("problem_text", None)]
        if result.is_complaint:
            dispatcher.utter_message(text=taken_as_a_complaint(result))
            return events + offer_person(dispatcher, tracker) + [SlotSet("route", Route.COMPLAINT.value)]
        note = " I'm sorry you've had this trouble." if result.dissatisfied else ""
        dispatcher.utter_message(
            text=f"{EXPLAIN.get(result.category, EXPLAIN['service'])}{note} If we've already let you down over this, "
                 "or you're unhappy with how we've handled it, you can make a complaint instead.")
        return events + offer_person(dispatcher, tracker) + [SlotSet("route", Route.SERVICE_REQUEST.value),
                                                             SlotSet("complaint_offered", True)]


class ValidateProblemForm(ResidentForm):
    """The answer to "What's the problem?", whatever words it uses."""

    def name(self) -> str:
        return "validate_problem_form"

    def validate_problem_text(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"problem_text": text or None}


class ValidateRouteForm(ResidentForm):
    def name(self) -> str:
        return "validate_route_form"

    def validate_route_choice(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        choice = parse_choice(text, ROUTE_CHOICES)
        intent, _ = latest_intent(tracker)
        story = with_more_detail(tracker.get_slot("issue_text") or "", text)
        result = triage(None, story)  # the words alone: is there a reason it is a complaint?
        words = len(text.split())
        if words >= STORY_WORDS and (choice is None or words > CHOICE_WORDS or result.reasons):
            return self._story(text, story, intent, result, dispatcher)
        if choice is None and intent == "make_complaint":
            choice = "complaint"
        if choice is None and intent in ("affirm", "report_repair", "report_asb", "missed_appointment", "rent_query"):
            choice = "service_request"
        if choice is None:
            misses = int(tracker.get_slot("fallback_count") or 0) + 1
            if misses >= 2:
                # Never trap the resident: a first report is logged as a service
                # request, and the choice to complain stays open.
                dispatcher.utter_message(text="I'll log it as a service request so it gets sorted. You can still "
                                              "make a complaint at any time: just say 'make a complaint'.")
                return {"route_choice": "service_request", "route": "service_request", "fallback_count": 0}
            dispatcher.utter_message(text="Sorry, I didn't catch that. Please choose 'service request' (1) or "
                                          "'complaint' (2), or type 'talk to a person'.")
            return {"route_choice": None, "fallback_count": misses}
        return {"route_choice": choice, "route": choice, "fallback_count": 0}

    @staticmethod
    def _story(text: str, story: str, intent: str | None, result: Triage,
               dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """The resident told us what happened instead of choosing: keep it as
        the description (never asked again), then choose from their words."""
        kept = {"issue_text": story, "fallback_count": 0}
        if NOT_A_COMPLAINT.search(text) or (ASKS_FOR_A_SERVICE_REQUEST.search(text) and not result.reasons):
            return {**kept, "route_choice": "service_request", "route": "service_request"}
        if result.reasons:
            dispatcher.utter_message(text=taken_as_a_complaint(result))
            return {**kept, "route_choice": "complaint", "route": "complaint"}
        if ASKS_FOR_A_COMPLAINT.search(text) or intent == "make_complaint":
            return {**kept, "route_choice": "complaint", "route": "complaint"}
        dispatcher.utter_message(text="Thank you, I've added that to what you told me.")
        return {**kept, "route_choice": None}


class ActionStartComplaint(Action):
    """Prepare the complaint form from what the resident already said."""

    def name(self) -> str:
        return "action_start_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        events: list[EventType] = [SlotSet("form_interrupted", None), SlotSet("complaint_confirmed", None),
                                   SlotSet("change_pending", None)]
        intent, _ = latest_intent(tracker)
        text = tracker.get_slot("issue_text") or ""
        said = latest_text(tracker)
        if intent == "complain_for_someone" and (len(said.split()) >= LETTER_WORDS
                                                 or guess_category(said.lower()) != "service"):
            # A representative's letter, or a message naming the problem ("complaining for my mum, her
            # door lock is broken"), is the description (it did not go through triage).
            text = latest_text(tracker)
            events.append(SlotSet("issue_text", text))
        if says_what_happened(text):
            events.append(SlotSet("complaint_description", text))
        dispatcher.utter_message(text="I'll take your complaint now. It takes a few minutes. You can ask me a "
                                      "question, type 'stop', or 'talk to a person' at any point.")
        if tracker.get_slot("relationship") != "elected_member":
            events += who_is_complaining(dispatcher, intent, text or latest_text(tracker))
        return events


def who_is_complaining(dispatcher: CollectingDispatcher, intent: str | None, text: str) -> list[EventType]:
    """A group of residents, or someone complaining for a resident, as their
    words say: the form then asks only what they haven't told us."""
    if is_group_complaint(text):
        dispatcher.utter_message(text=eligibility(get_policy(), "group").explanation)
        return [SlotSet("relationship", "group")]
    acting = representation(text)
    if acting is None and intent != "complain_for_someone":
        return []
    if intent != "complain_for_someone":  # already explained by the answer to that intent
        dispatcher.utter_message(text=eligibility(get_policy(), "representative").explanation)
    events: list[EventType] = [SlotSet("relationship", "representative")]
    if acting and acting.resident_name:
        events.append(SlotSet("represented_resident_name", acting.resident_name))
    if acting and acting.relationship:
        events.append(SlotSet("representative_relationship", acting.relationship))
    return events


def linked_service_request(text: str) -> str | None:
    reference = parse_reference(text)
    return reference if reference and reference.startswith("SR-") else None


class ActionAfterRouteForm(Action):
    """The route question was stopped or left for a person."""

    def name(self) -> str:
        return "action_after_route_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        from actions.handoff import after_form

        return (after_form(dispatcher, tracker) or []) + [SlotSet("route", None), SlotSet("issue_text", None)]

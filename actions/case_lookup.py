"""Escalation to stage 2 and case status, both by reference plus one detail
only the resident knows. A case is never revealed without that match, and a
failed match says nothing about whether the reference exists. Checks are
rate-limited (`housing.limits`) per reference, per detail and per
conversation, in the cases database; past a limit the resident is given the
phone number, and the detail is not even compared.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import timescales_follow_up
from actions.conversation import latest_intent, offer
from actions.forms.base import ResidentForm
from actions.handoff import after_form
from actions.runtime import get_limits, get_policy, get_store, now
from housing import messages
from housing.answers import parse_reference
from housing.cases.store import normalise_reference
from housing.casework import can_escalate, escalate
from housing.eligibility import named_resident
from housing.deadlines import format_date
from housing.limits import (CHECKS_PER_CONVERSATION, VERIFY_FAILURES_PER_DETAIL, VERIFY_FAILURES_PER_REFERENCE,
                            Budget, detail_key)

CLEARED = [SlotSet("case_reference", None), SlotSet("verification_detail", None),
           SlotSet("escalation_reason", None), SlotSet("form_interrupted", None)]
NOT_MATCHED = ("I couldn't match those details to a case. Please check the reference and the postcode, email or "
               "phone number you gave, or talk to a person and they can help.")


NO_REFERENCE = re.compile(r"\b(don'?t|dont|do not|haven'?t|havent|no|lost|can'?t find|cant find|forgot|"
                          r"not sure|no idea)\b.{0,30}\b(it|ref\w*|number|one|letter)?", re.I)


def check_budgets(reference: str, detail: str, conversation_id: str) -> list[tuple[Budget, str]]:
    """The limits one case check counts against: the conversation first (every
    check), then the reference and the detail (checks that don't match)."""
    return [(CHECKS_PER_CONVERSATION, conversation_id),
            (VERIFY_FAILURES_PER_REFERENCE, normalise_reference(reference)),
            (VERIFY_FAILURES_PER_DETAIL, detail_key(detail))]


class CaseLookupForm(ResidentForm):
    """Shared validation for the status and escalation forms."""

    def validate_case_reference(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict[str, Any]:
        text = str(value or "")
        reference = parse_reference(text)
        if reference is None:
            misses = int(tracker.get_slot("fallback_count") or 0) + 1
            if misses >= 2 or NO_REFERENCE.search(text):
                # Never trap a resident who has no reference: a person can find the case.
                offer(dispatcher, f"Without the reference I can't look the case up here, but our team can: choose "
                                  f"'Talk to a person', or call us on {get_policy().phone}. If it's a new problem, "
                                  "just tell me about it.", ["Talk to a person", "Make a complaint"])
                return {"case_reference": None, "requested_slot": None, "form_interrupted": "quiet",
                        "fallback_count": 0}
            dispatcher.utter_message(text="That doesn't look like a case reference. It looks like CMP-2026-000123 "
                                          "(or SR-2026-000123 for a service request). If you don't have it, say "
                                          "'I don't have it'.")
            return {"case_reference": None, "fallback_count": misses}
        return {"case_reference": reference, "fallback_count": 0}

    def validate_verification_detail(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()[:200]
        if not text:
            return {"verification_detail": None}
        reference = parse_reference(text)
        if reference and reference != tracker.get_slot("case_reference"):
            # "sorry it's CMP-2026-000124": look that one up instead
            dispatcher.utter_message(text=f"Thanks, I'll look up {reference} instead.")
            return {"case_reference": reference, "verification_detail": None, "fallback_count": 0}
        reference = tracker.get_slot("case_reference") or ""
        budgets = check_budgets(reference, text, tracker.sender_id)
        limits = get_limits()
        if limits.exceeded(budgets) is not None:
            # Past the limit: the phone number, whether or not this detail would have matched.
            dispatcher.utter_message(text=messages.too_many_checks(get_policy()))
            return {"case_reference": None, "verification_detail": None, "requested_slot": None,
                    "form_interrupted": "quiet", "fallback_count": 0}
        matched = get_store().find_verified(reference, text) is not None
        # Every check counts for the conversation; a detail that doesn't match also counts
        # against the reference and the detail, whichever conversation tries them next.
        limits.record(budgets[:1] if matched else budgets)
        if not matched and not tracker.get_slot("fallback_count"):
            # One more try (it says nothing about whether the reference exists).
            dispatcher.utter_message(text="Sorry, that doesn't match what we have. Please check the postcode, email "
                                          "address or phone number you gave us, or type the reference again if it "
                                          "might be wrong.")
            return {"verification_detail": None, "fallback_count": 1}
        return {"verification_detail": text, "fallback_count": 0}


class ValidateStatusForm(CaseLookupForm):
    def name(self) -> str:
        return "validate_status_form"


class ValidateEscalationForm(CaseLookupForm):
    def name(self) -> str:
        return "validate_escalation_form"

    def own_slots(self, domain_slots: list[str], tracker: Tracker) -> list[str]:
        """Invite comments only when the case can really go to stage 2, so a
        resident is told first when it can't yet."""
        slots = ["case_reference", "verification_detail"]
        reference, detail = tracker.get_slot("case_reference"), tracker.get_slot("verification_detail")
        if reference and detail:
            case = get_store().find_verified(reference, detail)
            if case and case.kind == "complaint" and can_escalate(get_policy(), case) == "escalated":
                slots.append("escalation_reason")
        return slots

    def validate_escalation_reason(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"escalation_reason": "none given" if text.lower() in ("skip", "no", "none", "") else text[:5000]}


def status_text(case: Any) -> str:
    status = case.status.replace("_", " ")
    if case.kind != "complaint":
        return (f"{case.reference} is a service request ({case.category}), status: {status}. The team dealing with "
                "it will contact you about the next step. If it isn't being put right, or you're unhappy with how "
                "we're handling it, you can make a complaint: just say 'make a complaint'.")
    parts = [f"{case.reference} is a complaint (stage {case.stage}), status: {status}."]
    if case.acknowledged_at is None and case.acknowledgement_due:
        parts.append(f"Acknowledgement due by {format_date(case.acknowledgement_due)}.")
    if case.response_due and case.responded_at is None:
        parts.append(f"Our response is due by {format_date(case.response_due)}.")
    if case.responded_at is not None:
        parts.append("We have sent our response.")
    return " ".join(parts)


class ActionAfterStatusForm(Action):
    def name(self) -> str:
        return "action_after_status_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        handled = after_form(dispatcher, tracker)
        if handled is not None:
            return handled + CLEARED
        case = get_store().find_verified(tracker.get_slot("case_reference") or "",
                                         tracker.get_slot("verification_detail") or "")
        if case is None:
            offer(dispatcher, NOT_MATCHED, ["Check my complaint", "Talk to a person"])
            return CLEARED
        dispatcher.utter_message(text=status_text(case))
        if case.kind == "complaint" and case.responded_at is not None and case.stage < get_policy().stages[-1].number:
            dispatcher.utter_message(text="If you're unhappy with our response, you can ask to take it to the next "
                                          "stage: just say 'escalate my complaint'.")
        return CLEARED + [SlotSet("last_case_reference", case.reference)]


class ActionAfterEscalationForm(Action):
    def name(self) -> str:
        return "action_after_escalation_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        handled = after_form(dispatcher, tracker)
        if handled is not None:
            return handled + CLEARED
        policy = get_policy()
        store = get_store()
        case = store.find_verified(tracker.get_slot("case_reference") or "",
                                   tracker.get_slot("verification_detail") or "")
        if case is None:
            offer(dispatcher, NOT_MATCHED, ["Check my complaint", "Talk to a person"])
            return CLEARED
        if case.kind != "complaint":
            offer(dispatcher, f"{case.reference} is a service request, not a complaint, so it has no stage 2. If "
                              "you're unhappy with how we're handling it, I can take a complaint about that now; "
                              "the request carries on meanwhile.", ["Make a complaint", "Talk to a person"])
            return CLEARED
        reason = tracker.get_slot("escalation_reason")
        outcome = escalate(policy, store, case, now(), None if reason == "none given" else reason)
        if outcome.reason == "awaiting_stage1_response":
            due = f" It is due by {format_date(case.response_due)}." if case.response_due else ""
            dispatcher.utter_message(
                text=f"Your complaint {case.reference} can go to the next stage once you've had our stage "
                     f"{case.stage} response.{due} If we don't respond by then, tell me or call {policy.phone}, "
                     f"and you can also contact the Ombudsman for advice: {messages.ombudsman_details(policy)}")
        elif outcome.reason == "already_final_stage":
            dispatcher.utter_message(
                text=f"{case.reference} is already at our final stage. If you're unhappy with our final "
                     f"response, you can take it to the Ombudsman: {messages.ombudsman_details(policy)}")
        elif outcome.reason == "closed":
            offer(dispatcher, f"{case.reference} is closed. A member of staff can look at this with you.",
                  ["Talk to a person"])
        else:
            escalated = outcome.case
            stage = policy.stage(escalated.stage)
            dispatcher.utter_message(
                text=f"Your complaint {escalated.reference} has been escalated to {stage.name}. It will be reviewed "
                     f"by {stage.handled_by or 'someone not involved at the first stage'}. We'll acknowledge it by "
                     f"{format_date(escalated.acknowledgement_due)} and send our final response by "
                     f"{format_date(escalated.response_due)}. If we need longer (at most "
                     f"{stage.max_extension_working_days} more working days) we'll tell you why. After our final "
                     f"response you can go to the Ombudsman: {messages.ombudsman_details(policy)}")
        return CLEARED + [SlotSet("last_case_reference", case.reference)]


class ValidateElectedMemberForm(ResidentForm):
    def name(self) -> str:
        return "validate_elected_member_form"

    def validate_elected_member_matter(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: dict) -> dict[str, Any]:
        from housing.answers import parse_choice

        choice = parse_choice(str(value or ""), {
            "new_matter": ("new", "not aware", "don't know", "complaint", "complain"),
            "enquiry": ("enquiry", "inquiry", "general", "question", "update", "information")})
        if choice is None:
            dispatcher.utter_message(text="Please say 'new matter' or 'general enquiry'.")
        return {"elected_member_matter": choice}


def elected_role(text: str) -> str:
    """"MP" or "councillor", as the elected member said."""
    if re.search(r"\b(councillor|cllr|ward member|council member)\b", text, re.I):
        return "councillor"
    if re.search(r"\b(mp|m\.p\.|member of parliament)\b", text, re.I):
        return "MP"
    return "MP or councillor"


class ActionAfterElectedMemberForm(Action):
    def name(self) -> str:
        return "action_after_elected_member_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        handled = after_form(dispatcher, tracker)
        if handled is not None:
            return handled + [SlotSet("route", None)]
        if tracker.get_slot("elected_member_matter") == "new_matter":
            # The constituent is the resident; their name and permission are asked in the complaint form.
            said = " ".join(e.get("text") or "" for e in tracker.events if e.get("event") == "user")
            return [SlotSet("relationship", "elected_member"), SlotSet("route", "complaint"),
                    SlotSet("representative_relationship", elected_role(said)),
                    SlotSet("represented_resident_name", named_resident(said))]
        dispatcher.utter_message(
            text="Thank you. A general enquiry from an MP or councillor is handled outside the complaints process: "
                 "our team will reply to you directly. I'll take your details now.")
        return [SlotSet("issue_category", "elected member enquiry"), SlotSet("route", "service_request")]


class ActionStartCaseLookup(Action):
    """Before the status or escalation form: keep a reference the resident
    already typed, so they are not asked for it again."""

    def name(self) -> str:
        return "action_start_case_lookup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        from actions.safeguarding import risk_first

        risky = risk_first(dispatcher, tracker)
        if risky is not None:
            return risky
        if latest_intent(tracker)[0] == "escalate_complaint":
            follow_up = timescales_follow_up(dispatcher, tracker)
            if follow_up is not None:
                # "and stage 2?" after the timescales: a question, so no escalation starts.
                return follow_up + [FollowupAction("action_listen")]
        reference = parse_reference((tracker.latest_message or {}).get("text") or "")
        return CLEARED + ([SlotSet("case_reference", reference)] if reference else [])

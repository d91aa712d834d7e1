"""After the complaint and service-request forms: log the case, send the
acknowledgement with engine dates, and clear the form for the next case.
A form the resident stopped or left for a person logs nothing.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import channel_of, resident_messages
from actions.forms.base import ResidentForm
from actions.forms.complaint import ACTING_FOR, COMPLAINT_SLOTS, REPRESENTATIVE_SLOTS
from actions.forms.contact import postcode_and_address
from actions.handoff import after_form
from actions.runtime import get_policy, get_staff_store, get_store, now, push_later
from actions.triage import linked_service_request
from housing import messages
from housing.cases.models import Representative, Resident
from housing.cases.spool import KeptCase
from housing.casework import ComplaintDetails, log_complaint, log_service_request
from housing.safety import detect_vulnerability
from housing.transcript import transcript
from housing.triage import describes_a_problem

CLEARED_AFTER_COMPLAINT = COMPLAINT_SLOTS + REPRESENTATIVE_SLOTS + [
    "happened_on", "possible_exclusion", "change_pending", "issue_text", "route", "route_choice"]


def resident_from(tracker: Tracker) -> Resident:
    contact = tracker.get_slot("contact_detail") or ""
    postcode, address = postcode_and_address(tracker.get_slot("postcode"))
    return Resident(
        name=tracker.get_slot("resident_name") or "",
        email=contact if "@" in contact else None,
        phone=contact if contact and "@" not in contact and not contact.startswith("none") else None,
        postcode=postcode,
        address=address,
        relationship=tracker.get_slot("relationship"),
    )


class ActionAfterComplaintForm(Action):
    def name(self) -> str:
        return "action_after_complaint_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        handled = after_form(dispatcher, tracker)
        if handled is not None:
            return handled
        if tracker.get_slot("complaint_confirmed") is not True:
            return []
        policy = get_policy()
        received_at = now()
        slot = tracker.get_slot
        description = slot("complaint_description") or ""
        representative = None
        if slot("relationship") in ACTING_FOR:  # a representative, or an MP or councillor
            # The person complaining is the representative; the resident is the person complained for.
            representative = Representative(name=slot("resident_name") or "",
                                            relationship=slot("representative_relationship"),
                                            consent_status=slot("representative_consent"))
        resident = resident_from(tracker)
        if representative:
            # The case's contact details are the representative's (so they can check it by phone or email).
            resident = Resident(name=slot("represented_resident_name") or "", email=resident.email,
                                phone=resident.phone, postcode=resident.postcode, address=resident.address,
                                relationship="tenant" if slot("relationship") == "representative" else None)
        adjustments = slot("adjustments") or "none"
        details = ComplaintDetails(
            description=description, category=slot("issue_category") or "service",
            outcome_sought=slot("outcome_sought") or "", resident=resident, representative=representative,
            reasonable_adjustments=() if adjustments == "none" else (adjustments,),
            # anything the resident said ("she's 84", "he has dementia"), not only the description
            vulnerability=detect_vulnerability(f"{description}\n{adjustments}\n{resident_messages(tracker)}"),
            preferred_contact=slot("contact_preference"), possible_exclusion=slot("possible_exclusion"),
            channel=channel_of(tracker), conversation_id=tracker.sender_id,
            related_reference=linked_service_request(description),
        )
        notes = []
        if representative:
            notes.append(f"Contact for the representative: {slot('contact_detail')}")
        if slot("relationship") == "group":
            notes.append(f"Complaint from a group of residents. Lead contact: {slot('resident_name')}, "
                         f"{slot('contact_detail')}.")
        notes.append("Logged as a complaint in the chat (the resident was told they could choose a "
                     "service request instead).")
        case = log_complaint(policy, get_store(), details, received_at, tuple(notes))
        if isinstance(case, KeptCase):  # the store cannot be written: kept, logged once it is back
            dispatcher.utter_message(text=messages.case_kept("complaint", policy.phone))
            return [SlotSet(name, None) for name in CLEARED_AFTER_COMPLAINT]
        push_later(case.reference)
        dispatcher.utter_message(text=messages.acknowledgement(
            policy, case.reference, description, details.outcome_sought, received_at,
            case.acknowledgement_due, case.response_due, adjustments))
        if case.possible_exclusion:
            # Queued for a person's decision in the staff console; the resident has finished, so no pause.
            get_store().mark_handed_to_staff(case.reference, transcript(tracker.events))
            get_staff_store().open_handoff(
                conversation_id=tracker.sender_id, channel=channel_of(tracker), case_reference=case.reference,
                reason=f"possible exclusion needs a decision: {case.possible_exclusion}", mode="review")
            dispatcher.utter_message(text="As I mentioned, a member of staff will first decide whether we can look "
                                          "into this complaint, and will tell you why if we can't.")
        return [SlotSet(name, None) for name in CLEARED_AFTER_COMPLAINT] + [
            SlotSet("last_case_reference", case.reference)]


class ValidateServiceRequestForm(ResidentForm):
    def name(self) -> str:
        return "validate_service_request_form"

    def own_slots(self, domain_slots: list[str], tracker: Tracker) -> list[str]:
        return ["sr_description", "resident_name", "contact_detail", "postcode"]

    def validate_sr_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        if len(text.split()) < 2:
            dispatcher.utter_message(text="Could you tell me a bit more about the problem, and where it is?")
            return {"sr_description": None}
        return {"sr_description": text[:10000]}


class ActionStartServiceRequest(Action):
    def name(self) -> str:
        return "action_start_service_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        text = tracker.get_slot("issue_text") or ""
        events: list[EventType] = [SlotSet("form_interrupted", None)]
        if describes_a_problem(text):
            events.append(SlotSet("sr_description", text))
        if tracker.get_slot("issue_category") == "elected member enquiry":
            dispatcher.utter_message(text="I'll pass your enquiry to the right team. I need a few details.")
        else:
            dispatcher.utter_message(text="OK, I'll log a service request. I need a few details.")
        return events


class ActionAfterServiceRequestForm(Action):
    def name(self) -> str:
        return "action_after_service_request_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        handled = after_form(dispatcher, tracker)
        if handled is not None:
            return handled + [SlotSet("sr_description", None)]
        category = tracker.get_slot("issue_category") or "service"
        offered = tracker.get_slot("complaint_offered")
        case = log_service_request(
            get_store(), category=category, description=tracker.get_slot("sr_description") or "",
            resident=resident_from(tracker), channel=channel_of(tracker), conversation_id=tracker.sender_id,
            received_at=now(),
            note="Resident was offered a complaint and chose a service request." if offered else None)
        if isinstance(case, KeptCase):  # the store cannot be written: kept, logged once it is back
            dispatcher.utter_message(text=messages.case_kept("service_request", get_policy().phone))
            return [SlotSet("sr_description", None), SlotSet("route", None), SlotSet("route_choice", None),
                    SlotSet("issue_text", None)]
        push_later(case.reference)
        next_steps = {
            "repair": "Our repairs team will contact you to book an appointment.",
            "antisocial behaviour": "Your housing officer will contact you about the next steps, and may ask you "
                                    "to keep a diary of incidents.",
            "missed appointment": "Our repairs team will contact you to rebook at a time that suits you.",
            "rent or service charge": "Our income team will reply to your query.",
        }.get(category, "The right team will contact you about it.")
        policy = get_policy()
        dispatcher.utter_message(
            text=f"Thank you. I've logged this as a service request (not a complaint). Your reference is "
                 f"{case.reference}. {next_steps} If it isn't put right, or you're unhappy with how we handle it, "
                 f"you can make a complaint at any time: just tell me, or call {policy.phone}.")
        return [SlotSet("last_case_reference", case.reference), SlotSet("sr_description", None),
                SlotSet("route", None), SlotSet("route_choice", None), SlotSet("issue_text", None)]

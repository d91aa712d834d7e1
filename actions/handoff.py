"""Talk to a person.

* In opening hours (`runtime.live_chat_open()`): the conversation is queued
  for the staff console (a `live` hand-over on the conversation's latest case,
  or on a new callback request), the transcript goes into the case history,
  the resident is told a person will join and roughly when, and the bot is
  paused (`ConversationPaused`): the resident's messages reach the console
  and the bot stays silent until staff hand back.
* Outside them: the callback details are taken (callback_form or the form the
  resident was in), a callback request is logged with the transcript, and the
  resident is told when the team is back.

Any form can end either way (`after_form`).

One conversation can create at most `HANDOFFS_PER_CONVERSATION` callback
requests in its window, and one client (the `client_key` in the latest
message's metadata, `housing.client_key`) at most `HANDOFFS_PER_CLIENT`
across all its conversations (`housing.limits`, counted in the cases
database); past either, asking for a person again is told a request is already open and
given the phone number, and a risk to life or domestic abuse still reaches
the team, on the conversation's latest case. (A live hand-over pauses the
bot, and a conversation has at most one open hand-over.)
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.answers import MAIN_OPTIONS
from actions.conversation import channel_of, offer
from actions.forms.base import CALLBACK_SLOTS, HANDOFF_MESSAGE, ResidentForm
from actions.forms.contact import postcode_and_address
from actions.runtime import get_limits, get_policy, get_staff_store, get_store, now, push_later
from actions.safeguarding import DOMESTIC_ABUSE, RISK_TO_LIFE
from housing import messages
from housing.cases.models import Resident
from housing.cases.spool import CaseKeptError, KeptCase
from housing.casework import log_service_request
from housing.client_key import client_key_of
from housing.limits import HANDOFFS_PER_CLIENT, HANDOFFS_PER_CONVERSATION, Budget
from housing.opening_hours import describe_next_opening
from housing.settings import get_settings
from housing.transcript import transcript

ASKED = "resident asked for a person"
AFTER_MISUNDERSTANDINGS = "the assistant misunderstood twice, then the resident asked for a person"


def resident_details(tracker: Tracker) -> Resident:
    """What the resident has told us about themselves so far."""
    contact = tracker.get_slot("contact_detail") or ""
    postcode, address = postcode_and_address(tracker.get_slot("postcode"))
    return Resident(name=tracker.get_slot("resident_name") or "",
                    email=contact if "@" in contact else None,
                    phone=contact if contact and "@" not in contact and not contact.startswith("none") else None,
                    postcode=postcode, address=address)


def client_of(tracker: Tracker) -> str | None:
    """The client key the channel put in the latest message's metadata, or None."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return client_key_of(event.get("metadata"))
    return None


def handoff_budgets(tracker: Tracker) -> list[tuple[Budget, str]]:
    """The budgets a new callback request counts against: the conversation's,
    and its client's when the channel named one."""
    checks = [(HANDOFFS_PER_CONVERSATION, tracker.sender_id)]
    client = client_of(tracker)
    if client is not None:
        checks.append((HANDOFFS_PER_CLIENT, client))
    return checks


def handoffs_used_up(tracker: Tracker) -> bool:
    """Has this conversation (`HANDOFFS_PER_CONVERSATION`) or its client
    (`HANDOFFS_PER_CLIENT`) already made as many callback requests as allowed
    in the window?"""
    return get_limits().exceeded(handoff_budgets(tracker)) is not None


def urgent(reason: str) -> bool:
    """A risk to life or domestic abuse: reaches the team past any limit."""
    return reason.startswith((RISK_TO_LIFE, DOMESTIC_ABUSE))


def already_open(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Past the limit: the request already open, and the phone number."""
    reference = get_staff_store().latest_case_for_conversation(tracker.sender_id)
    dispatcher.utter_message(text=messages.request_already_open(get_policy(), reference))
    return [SlotSet("form_interrupted", None), SlotSet("handoff_reason", None), SlotSet("fallback_count", 0)]


def _new_callback_request(tracker: Tracker, reason: str) -> str:
    """The new callback request's reference, or past the limit the
    conversation's latest case (the team is still told, through the
    hand-over's reason). If the store cannot be written the request is kept
    (logged once the store is back) and `CaseKeptError` is raised: the
    hand-over itself needs the store."""
    if handoffs_used_up(tracker):
        latest = get_staff_store().latest_case_for_conversation(tracker.sender_id)
        if latest is not None:
            return latest
    get_limits().record(handoff_budgets(tracker))
    case = log_service_request(
        get_store(), category="callback request",
        description=f"Resident to talk to a person ({reason}). Preferred contact: "
                    f"{tracker.get_slot('contact_preference') or 'not given'}.",
        resident=resident_details(tracker), channel=channel_of(tracker), conversation_id=tracker.sender_id,
        received_at=now())
    if isinstance(case, KeptCase):
        raise CaseKeptError("case store cannot be written: the callback request is kept and will be logged")
    push_later(case.reference)
    return case.reference


def existing_case(tracker: Tracker) -> str | None:
    """The conversation's latest case, if it is in the store."""
    reference = tracker.get_slot("last_case_reference") or \
        get_staff_store().latest_case_for_conversation(tracker.sender_id)
    if reference and get_store().get(reference) is not None:
        return reference
    return None


def case_for_handoff(tracker: Tracker, reason: str) -> str:
    """The conversation's latest case, or a new callback request."""
    return existing_case(tracker) or _new_callback_request(tracker, reason)


def start_live_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[EventType]:
    """Queue the conversation for a person now and pause the bot. A new
    callback request past the limits is refused (unless urgent)."""
    if existing_case(tracker) is None and not urgent(reason) and handoffs_used_up(tracker):
        return already_open(dispatcher, tracker)
    reference = case_for_handoff(tracker, reason)
    get_store().mark_handed_to_staff(reference, transcript(tracker.events))
    get_staff_store().open_handoff(conversation_id=tracker.sender_id, channel=channel_of(tracker),
                                   case_reference=reference, reason=reason, mode="live")
    dispatcher.utter_message(text=messages.live_handoff(get_settings().handoff_expected_wait_minutes,
                                                        get_policy().phone))
    return [SlotSet("last_case_reference", reference), SlotSet("form_interrupted", None),
            SlotSet("handoff_reason", None), SlotSet("fallback_count", 0), ConversationPaused()]


def start_callback_handoff(tracker: Tracker, reason: str) -> str:
    """Outside opening hours, flag the conversation for the team at once (a
    callback request with the transcript); returns the case reference. The
    callback details taken afterwards are added to the same case."""
    reference = _new_callback_request(tracker, reason)
    get_store().mark_handed_to_staff(reference, transcript(tracker.events))
    get_staff_store().open_handoff(conversation_id=tracker.sender_id, channel=channel_of(tracker),
                                   case_reference=reference, reason=reason, mode="callback")
    return reference


def arrange_callback(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Log a callback request with the transcript and tell the resident when."""
    policy = get_policy()
    moment = now()
    reason = tracker.get_slot("handoff_reason") or ASKED
    flagged = get_staff_store().open_handoff_for(tracker.sender_id)
    if flagged is not None and flagged.mode == "callback" and flagged.case_reference:
        reference = flagged.case_reference
        resident = resident_details(tracker)
        given = {"resident_name": resident.name, "resident_email": resident.email, "resident_phone": resident.phone,
                 "resident_postcode": resident.postcode, "resident_address": resident.address,
                 "preferred_contact_time": tracker.get_slot("contact_preference")}
        get_store().update_case(
            reference, **{field: value for field, value in given.items() if value},
            history_detail=f"Callback details: name {resident.name or 'not given'}, contact "
                           f"{resident.email or resident.phone or 'not given'}, preferred "
                           f"{tracker.get_slot('contact_preference') or 'not given'}.")
    elif not urgent(reason) and handoffs_used_up(tracker):
        return already_open(dispatcher, tracker)
    else:
        reference = _new_callback_request(tracker, reason)
    get_store().mark_handed_to_staff(reference, transcript(tracker.events))
    get_staff_store().open_handoff(conversation_id=tracker.sender_id, channel=channel_of(tracker),
                                   case_reference=reference, reason=reason, mode="callback")
    open_now = runtime.live_chat_open()
    if (tracker.get_slot("contact_detail") or "none").startswith("none"):
        when = (f"As we can't phone or email you, please call us on {policy.phone} when you can; if we have your "
                "address, we'll also write to you.")
    elif open_now:
        when = "A member of the team will contact you today, usually within the hour."
    else:
        when = (f"We're closed right now; the team is back {describe_next_opening(policy, moment)} and will "
                "contact you then, at the time you asked for where possible.")
    dispatcher.utter_message(text=f"Thank you. Your callback request is logged as {reference}. {when} "
                                  + messages.if_urgent(policy, open_now=open_now,
                                                       risk_to_life=reason.startswith(RISK_TO_LIFE),
                                                       domestic_abuse=reason.startswith(DOMESTIC_ABUSE)))
    return [SlotSet("last_case_reference", reference), SlotSet("form_interrupted", None),
            SlotSet("handoff_reason", None)]


def after_form(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Handle a form the resident stopped or left for a person; None otherwise."""
    reason = tracker.get_slot("form_interrupted")
    if reason == "stop":
        offer(dispatcher, "OK, I've stopped. Nothing has been logged. What would you like to do?", MAIN_OPTIONS)
        return [SlotSet("form_interrupted", None)]
    if reason == "quiet":  # the form already told the resident what to do next
        return [SlotSet("form_interrupted", None)]
    if reason == "human":
        if runtime.live_chat_open():
            return start_live_handoff(dispatcher, tracker, tracker.get_slot("handoff_reason") or ASKED)
        return arrange_callback(dispatcher, tracker)
    return None


class ActionRequestHuman(Action):
    """'Talk to a person' outside a form (also the button offered after two
    misunderstandings in a row, and after a resident mentions vulnerability)."""

    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        from actions.safeguarding import risk_first

        risky = risk_first(dispatcher, tracker)
        if risky is not None:
            return risky
        if handoffs_used_up(tracker) and not tracker.get_slot("handoff_reason"):
            # Past the limit: no callback form, no new request.
            return already_open(dispatcher, tracker) + [FollowupAction("action_listen")]
        if runtime.live_chat_open():
            reason = AFTER_MISUNDERSTANDINGS if (tracker.get_slot("fallback_count") or 0) >= 2 else ASKED
            return start_live_handoff(dispatcher, tracker, tracker.get_slot("handoff_reason") or reason)
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
        if tracker.get_slot("form_interrupted") == "human" and runtime.live_chat_open():
            return start_live_handoff(dispatcher, tracker, tracker.get_slot("handoff_reason") or ASKED)
        return arrange_callback(dispatcher, tracker)

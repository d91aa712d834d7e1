"""The complaint form: what happened, when, the outcome wanted, who is
complaining (and for whom), contact details, adjustments, then a read-back the
resident can correct before anything is logged.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import latest_intent, latest_text, offer
from actions.forms.base import ACKNOWLEDGEMENT, REQUESTED_SLOT, ResidentForm
from actions.runtime import get_policy, now
from housing.answers import parse_choice, parse_when, parse_yes_no, with_more_detail
from housing.eligibility import LABELS, eligibility, parse_consent, parse_relationship, possible_exclusions

COMPLAINT_SLOTS = [
    "complaint_description", "complaint_when", "outcome_sought", "relationship", "resident_name",
    "contact_detail", "postcode", "adjustments", "contact_preference", "complaint_confirmed",
]
REPRESENTATIVE_SLOTS = ["represented_resident_name", "representative_relationship", "representative_consent"]
# Who complains for a resident (an MP or councillor's role is known from the start).
ACTING_FOR = {"representative": REPRESENTATIVE_SLOTS,
              "elected_member": ["represented_resident_name", "representative_consent"]}

# What a resident can ask to change at the read-back, and the words for it.
CHANGEABLE: dict[str, tuple[str, ...]] = {
    "complaint_description": ("what happened", "description", "complaint", "details", "story"),
    "complaint_when": ("when", "date", "time it happened"),
    "outcome_sought": ("outcome", "put right", "put things right", "resolution"),
    "resident_name": ("name",),
    "contact_detail": ("contact details", "contact detail", "email", "phone", "number", "mobile"),
    "postcode": ("postcode", "address", "post code"),
    "adjustments": ("adjustment", "support", "needs"),
    "contact_preference": ("preference", "how to contact", "contact me", "when to contact"),
    "relationship": ("connection", "relationship", "tenant", "who i am", "who i'm complaining as"),
}
NO_ADJUSTMENTS = re.compile(
    r"\s*(none|no|nope|nothing|n/?a|na|nah|not really|no thanks?|no thank you|i'?m (fine|ok|okay)|all good|"
    r"(none|nothing|no adjustments?|no support|no help|not|no need)( (is |are )?(needed|required|necessary|thanks?|"
    r"at all|for me|really))*)[.! ]*")
UNSURE = re.compile(r"\b(not sure|unsure|don'?t know|dont know|dunno|no idea|can'?t remember|cant remember|ages|"
                    r"a while|ongoing|always|years|months|weeks|since|ago)\b", re.I)
CHANGE_WORDS = re.compile(r"\b(change|wrong|edit|fix|not right|incorrect|isn'?t right|mistake|update|but|except|"
                          r"apart from|instead|actually)\b")
# An answer this long to "when?" with no date in it is more of the story.
MORE_DETAIL_WORDS = 9
CONSENT_LABELS = {"given": "given", "pending": "to follow", "not_needed": "not needed"}
CHANGE_BUTTONS = ["What happened", "When", "Outcome", "Name", "Contact details", "Postcode", "Adjustments",
                  "Contact preference", "Connection"]
# Asking to change an earlier answer in the middle of the form: "wait, can I change the date?"
MID_FORM_CHANGE = re.compile(
    r"\b((can|could|may) i|i (want|need|would like|'?d like) to|let me|please|wanna|want to) (change|correct|fix|"
    r"edit|update|amend|go back to)\b|\b(i (made|'ve made) a mistake|i got the \w+( \w+)? wrong|go back)\b")


def readback(tracker: Tracker) -> str:
    """The bot's understanding of the complaint, for the resident to check."""
    slot = tracker.get_slot
    lines = [
        "Here is what I have. Please check it before I log your complaint:",
        f"1. What happened: {slot('complaint_description')}",
        f"2. When: {slot('complaint_when')}",
        f"3. Outcome you want: {slot('outcome_sought')}",
        f"4. Name: {slot('resident_name')}",
        f"5. Contact: {slot('contact_detail')}",
        f"6. Postcode or address: {slot('postcode')}",
        f"7. Adjustments or support: {slot('adjustments')}",
        f"8. Contact preference: {slot('contact_preference')}",
        f"9. Your connection to us: {relationship_label(slot('relationship'))}",
    ]
    if slot("relationship") == "group":
        lines.append("Complaint from: a group of residents (you are the lead contact)")
    if slot("represented_resident_name"):
        lines.append(f"Complaining for: {slot('represented_resident_name')} ({slot('representative_relationship')}), "
                     f"permission: {CONSENT_LABELS.get(slot('representative_consent'), 'not asked yet')}")
    lines.append("Is this right?")
    return "\n".join(lines)


def picks_a_part_to_change(tracker: Tracker) -> bool:
    """At the read-back, after "change": "What happened" names a part, it is not a question."""
    if tracker.get_slot(REQUESTED_SLOT) != "complaint_confirmed" or not tracker.get_slot("change_pending"):
        return False
    return parse_choice(latest_text(tracker), CHANGEABLE) is not None


def earlier_answer_to_change(tracker: Tracker) -> str | None:
    """The filled slot a resident asks to change mid-form, or None."""
    requested = tracker.get_slot(REQUESTED_SLOT)
    text = latest_text(tracker)
    if not requested or requested == "complaint_confirmed" or not MID_FORM_CHANGE.search(text.lower()):
        return None
    field = parse_choice(text, CHANGEABLE)
    if field is None or field == requested or tracker.get_slot(field) in (None, ""):
        return None
    return field


class ValidateComplaintForm(ResidentForm):
    answer_intents = {
        "outcome_sought": frozenset({"ask_compensation"}),
        "relationship": frozenset({"complain_for_someone", "ask_who_can_complain"}),
        "complaint_confirmed": frozenset({"ask_how_to_complain"}),
    }

    def name(self) -> str:
        return "validate_complaint_form"

    def own_slots(self, domain_slots: list[str], tracker: Tracker) -> list[str]:
        extra = ACTING_FOR.get(tracker.get_slot("relationship") or "")
        if extra:
            at = COMPLAINT_SLOTS.index("resident_name")
            return COMPLAINT_SLOTS[:at] + extra + COMPLAINT_SLOTS[at:]
        return list(COMPLAINT_SLOTS)

    def is_an_answer(self, tracker: Tracker) -> bool:
        return picks_a_part_to_change(tracker)

    def earlier_answer_change(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
        field = earlier_answer_to_change(tracker)
        if field is None:
            return None
        dispatcher.utter_message(text="Of course, let's change that.")
        return [SlotSet(tracker.get_slot(REQUESTED_SLOT), None), SlotSet(field, None), SlotSet(REQUESTED_SLOT, field)]

    def validate_complaint_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        if len(text.split()) < 3:
            dispatcher.utter_message(text="Could you tell me a little more about what went wrong? A sentence or "
                                          "two is enough.")
            return {"complaint_description": None}
        return {"complaint_description": text}

    def validate_complaint_when(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()[:300] or "not sure"
        policy = get_policy()
        today = now().date()
        happened = parse_when(text, today)
        if happened is None and len(text.split()) >= MORE_DETAIL_WORDS:
            # More of the story, not a date: keep it with what happened, then ask when again.
            story = with_more_detail(tracker.get_slot("complaint_description") or "", str(value or "").strip())
            dispatcher.utter_message(text="Thank you, I've added that to what happened. And roughly when did it "
                                          "happen, or when did you find out? 'Not sure' is fine.")
            return {"complaint_when": None, "complaint_description": story}
        if happened is None and not UNSURE.search(text) and not tracker.get_slot("fallback_count"):
            # Ask once more; the second answer is kept whatever it is (never a block).
            dispatcher.utter_message(text="Sorry, I didn't catch when. Roughly when did it happen, or when did you "
                                          "find out? For example 'last week' or 'in March'. 'Not sure' is fine.")
            return {"complaint_when": None, "fallback_count": 1}
        # "November 2025" may mean any day of it: only flag what is certainly too old.
        reasons = possible_exclusions(policy, tracker.get_slot("complaint_description") or "",
                                      happened.latest if happened else None, today)
        if reasons:
            dispatcher.utter_message(
                text=f"Thank you. I'll still log your complaint. Because {' and '.join(reasons)}, a member of staff "
                     "will decide whether we can look into it under our complaints policy. If we can't, we'll "
                     "explain why, and you can ask the Ombudsman to review that decision.")
        return {"complaint_when": text, "happened_on": happened.isoformat() if happened else None,
                "possible_exclusion": "; ".join(reasons) or None, "fallback_count": 0}

    def validate_outcome_sought(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        if not text:
            return {"outcome_sought": None}
        return {"outcome_sought": text[:2000]}

    def validate_relationship(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        relationship = parse_relationship(text)
        if relationship is None and ACKNOWLEDGEMENT.fullmatch(text.lower()) and not tracker.get_slot("fallback_count"):
            dispatcher.utter_message(text="Sorry, I need to know how you're connected to us: for example tenant, "
                                          "leaseholder, or complaining for someone else.")
            return {"relationship": None, "fallback_count": 1}
        if relationship is None:
            # Never refuse: record what they said for a person to check.
            return {"relationship": text[:200] or "other", "fallback_count": 0}
        result = eligibility(get_policy(), relationship)
        already_explained = latest_intent(tracker)[0] == "complain_for_someone"
        if relationship != "tenant" and not already_explained:
            dispatcher.utter_message(text=result.explanation)
        return {"relationship": relationship}

    def validate_represented_resident_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"represented_resident_name": text[:120] if len(text) >= 2 else None}

    def validate_representative_relationship(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                             domain: dict) -> dict[str, Any]:
        return {"representative_relationship": str(value or "").strip()[:120] or None}

    def validate_representative_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: dict) -> dict[str, Any]:
        form = get_policy().representative_consent
        consent = parse_consent(str(value or ""), form)
        if consent is None:
            misses = int(tracker.get_slot("fallback_count") or 0) + 1
            if misses >= 2:  # never a loop: a person checks it
                dispatcher.utter_message(text="No problem. I'll note that their permission still needs to be "
                                              "confirmed, and a member of our team will check it with you.")
                return {"representative_consent": "pending", "fallback_count": 0}
            dispatcher.utter_message(text=f"Sorry, I didn't follow. Have they given their {form.value} permission "
                                          "for you to complain for them? You can say 'yes, given', 'it will follow' "
                                          "or 'not needed' (for example if they're a child or can't complain "
                                          "themselves).")
            return {"representative_consent": None, "fallback_count": misses}
        if consent == "pending":
            dispatcher.utter_message(text=f"Thank you. We'll log the complaint now; please send the resident's "
                                          f"{form.value} permission when you can. Until then we can only write to "
                                          "them.")
        return {"representative_consent": consent, "fallback_count": 0}

    def validate_adjustments(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        if NO_ADJUSTMENTS.fullmatch(text.lower()):
            return {"adjustments": "none"}
        return {"adjustments": text[:2000] or "none"}

    def validate_complaint_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> dict[str, Any]:
        text = str(value or "")
        field = parse_choice(text, CHANGEABLE)
        if field and text.strip().isdigit() and not tracker.get_slot("change_pending"):
            field = None  # at the read-back, "1" and "2" answer yes / change
        if tracker.get_slot("change_pending"):
            if field is None:
                dispatcher.utter_message(text="Sorry, which part would you like to change?")
                return {"complaint_confirmed": None}
            return {field: None, "complaint_confirmed": None, "change_pending": False}
        answer = parse_yes_no(text)
        wants_change = CHANGE_WORDS.search(text.lower())
        if answer is True and not wants_change:
            # "yes the details are correct", "yep all good, that's my number"
            return {"complaint_confirmed": True}
        if field is not None:
            return {field: None, "complaint_confirmed": None}
        if answer is False or wants_change:
            return {"complaint_confirmed": None, "change_pending": True}
        dispatcher.utter_message(text="Please answer 'yes' to log it, or 'change' to correct something.")
        return {"complaint_confirmed": None}


class ActionAskComplaintConfirmed(Action):
    def name(self) -> str:
        return "action_ask_complaint_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if tracker.get_slot("change_pending"):
            offer(dispatcher, "Which part would you like to change?", CHANGE_BUTTONS)
        else:
            offer(dispatcher, readback(tracker), ["Yes, log it", "Change something"])
        return []


def relationship_label(value: str | None) -> str:
    return LABELS.get(value or "", value or "")


__all__ = ["ValidateComplaintForm", "ActionAskComplaintConfirmed", "COMPLAINT_SLOTS", "REPRESENTATIVE_SLOTS",
           "ACTING_FOR",
           "relationship_label", "SlotSet"]

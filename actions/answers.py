"""Answers to residents' questions about complaints, from the policy.

Used both as a normal turn (`action_answer_question`) and from inside a form,
where the form then asks its question again.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.conversation import MAIN_OPTIONS, answered_in_the_last_turn, latest_intent, latest_text, offer
from actions.references import reference_turn
from actions.runtime import get_policy, now
from housing import messages
from housing.follow_ups import stage_asked_about
from housing.safety import detect_emergency
from housing.triage import describes_a_problem, shows_unhappiness

QUESTIONS_ABOUT_COMPLAINING = frozenset({"ask_ombudsman", "ask_compensation", "ask_timescales"})
OUT_OF_SCOPE = ("Sorry, I can only help with housing services: reporting a problem, making or following up a "
                "complaint, and questions about the complaints process. Type 'help' to see what I can do, or 'talk "
                "to a person'.")


def answer_for(intent: str) -> str | None:
    policy = get_policy()
    return {
        "ask_timescales": lambda: messages.timescales_answer(policy, now()),
        "ask_ombudsman": lambda: messages.ombudsman_answer(policy),
        "ask_compensation": lambda: messages.compensation_answer(policy),
        "ask_how_to_complain": lambda: messages.how_to_complain_answer(policy),
        "ask_who_can_complain": lambda: messages.who_can_complain_answer(policy),
        "complain_for_someone": lambda: messages.representative_answer(policy),
        "bot_challenge": lambda: ("I'm an automated assistant, not a person. Type 'talk to a person' at any time "
                                  "and I'll get you to a member of staff."),
        "help": lambda: ("I can log a repair or other problem, take a complaint, give you an update on a complaint, "
                         "take a complaint to stage 2, and explain timescales, compensation and the Ombudsman. "
                         "You can also talk to a person at any time."),
        "out_of_scope": lambda: OUT_OF_SCOPE,
    }.get(intent, lambda: None)()


def timescales_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Straight after the timescales answer, "and stage 2?" asks about that
    stage's timescales (whatever the NLU made of it): answer it. None when the
    message is not such a follow-up."""
    policy = get_policy()
    if not answered_in_the_last_turn(tracker, "ask_timescales"):
        return None
    stage = stage_asked_about(latest_text(tracker), policy.stages[-1].number)
    if stage is None:
        return None
    dispatcher.utter_message(text=messages.stage_timescales_answer(policy, stage, now()))
    return [SlotSet("last_answer_topic", "ask_timescales")]


def before_answering(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """For a top-level turn that is not understood or is a question: the crisis
    route or the interpreter offer first, then the confirmation sent again
    just after a case was logged or a question about the reference (given
    back from the case store), then a follow-up to the timescales answer
    ("and stage 2?"); None when none applies."""
    from actions.safeguarding import safety_first

    first = safety_first(dispatcher, tracker)
    if first is not None:
        return first
    about_the_reference = reference_turn(dispatcher, tracker)
    return about_the_reference if about_the_reference is not None else timescales_follow_up(dispatcher, tracker)


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        first = before_answering(dispatcher, tracker)
        if first is not None:
            return first
        intent, _ = latest_intent(tracker)
        text = answer_for(intent or "")
        said = latest_text(tracker)
        if text is None and (describes_a_problem(said) or shows_unhappiness(said)):
            # "u lot neva came 2 fix me windo 3 times now!!!": a problem, however it is typed
            return [SlotSet("last_answer_topic", None), FollowupAction("action_triage")]
        if text is None:
            offer(dispatcher, "What would you like to do?", MAIN_OPTIONS)
        elif intent == "help":
            offer(dispatcher, text, MAIN_OPTIONS)
        elif intent == "ask_who_can_complain":
            offer(dispatcher, text, ["Make a complaint", "Talk to a person"])
        else:
            if intent == "ask_ombudsman":
                text = messages.outdated_route_note(get_policy(), latest_text(tracker)) + text
            dispatcher.utter_message(text=text)
        events = [SlotSet("last_answer_topic", intent if text else None)]
        if text and intent in QUESTIONS_ABOUT_COMPLAINING and shows_unhappiness(latest_text(tracker)):
            # Unhappy, asking about the Ombudsman or compensation: offer the complaint itself (Code 1.3).
            offer(dispatcher, "I'm sorry you're unhappy. If you haven't complained to us about this yet, I can take "
                              "your complaint now.", ["Make a complaint", "Talk to a person"])
            events.append(SlotSet("complaint_offered", True))
        return events


class ActionEmergency(Action):
    """Danger first: the emergency route before anything else."""

    def name(self) -> str:
        return "action_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        from actions.safeguarding import risk_first

        risky = risk_first(dispatcher, tracker)
        if risky is not None:
            return risky
        found = detect_emergency(latest_text(tracker))
        dispatcher.utter_message(text=messages.emergency_answer(get_policy(), found.kind if found else "danger"))
        if found and found.kind == "abuse":
            # Domestic abuse: a person, in confidence (as for a risk to life), not only the helpline.
            from actions.safeguarding import DOMESTIC_ABUSE, urgent_person

            return urgent_person(dispatcher, tracker, f"{DOMESTIC_ABUSE}: help to be safe, and with moving")
        dispatcher.utter_message(text="When everyone is safe, I can log the problem for you here: just tell me "
                                      "what happened, or type 'talk to a person'.")
        return []

"""What the assistant says about the policy: timescales, the ombudsman,
compensation, ways to complain, acknowledgements. Pure functions from the
policy and engine dates to text, so every date a resident reads comes from
`housing.deadlines` and every figure from the landlord's policy.
"""
from __future__ import annotations

import re

from datetime import date, datetime

from housing.deadlines import format_date, stage_dates
from housing.policy import Nation, Policy, Stage
from housing.policy_check import effective_ombudsman


def greeting(policy: Policy) -> str:
    return (f"Hello, I'm {policy.landlord_name}'s automated assistant (not a person). I can log a repair or other "
            "problem, take a complaint, tell you where a complaint is up to, and answer questions about "
            "complaints. If you'd rather talk to someone, type 'talk to a person' at any time.")


def ombudsman_details(policy: Policy) -> str:
    o = effective_ombudsman(policy)
    parts = [f"{o.name}: phone {o.phone}" if o.phone else o.name]
    if o.email:
        parts.append(f"email {o.email}")
    if o.address:
        parts.append(f"write to {o.address}")
    if o.website:
        parts.append(f"website {o.website}")
    return ", ".join(parts) + "."


def ombudsman_answer(policy: Policy) -> str:
    o = effective_ombudsman(policy)
    last = policy.stages[-1].number
    # The ombudsman's own words for its nation when there are any (the SPSO and
    # the Welsh and NI ombudsmen work differently from the Housing Ombudsman).
    intro = o.how_to_refer.strip() or (
        f"You can ask the {o.name} for advice at any time, free of charge. It normally investigates once our "
        f"complaints process is complete (after our stage {last} response), and within 12 months of that final "
        f"response.")
    if Nation(policy.nation) is Nation.ENGLAND:
        # The Housing Ombudsman's dispute support under the Complaint Handling Code.
        intro += " It can also step in if we don't keep to the complaint timescales."
    return f"{intro} Contact: {ombudsman_details(policy)}"


_OUTDATED_ROUTE = re.compile(r"\b(designated (person|officer)|(eight|8) ?weeks?)\b", re.I)


def outdated_route_note(policy: Policy, question: str) -> str:
    """For England: a resident asking about the old "designated person" filter
    or the 8-week wait is told they are gone (Building Safety Act 2022)."""
    if Nation(policy.nation) is not Nation.ENGLAND or not _OUTDATED_ROUTE.search(question or ""):
        return ""
    return ("You no longer need an MP, councillor or 'designated person' to refer you, and there is no 8-week "
            "wait: you can go to the Housing Ombudsman yourself once our process is complete. ")


def _stage_timescales(stage: Stage) -> str:
    ack, resp = stage.acknowledge, stage.respond
    frm = "from when we receive it" if resp.counted_from.value == "received" else "from when we acknowledge it"
    return (f"{stage.name}: we acknowledge within {ack.working_days} working day{'s' * (ack.working_days != 1)} "
            f"and respond within {resp.working_days} working days {frm}"
            + (f"; if we need longer we tell you why and can extend by up to {stage.max_extension_working_days} "
               "working days" if stage.max_extension_working_days else "") + ".")


def timescales_answer(policy: Policy, received_at: datetime) -> str:
    lines = [_stage_timescales(stage) for stage in policy.stages]
    first = stage_dates(policy, 1, received_at)
    lines.append(f"For a complaint made today, the acknowledgement is due by {format_date(first.acknowledgement_due)} "
                 f"and the {policy.stages[0].name.lower()} response by {format_date(first.response_due)}. Working days "
                 "leave out weekends and bank holidays.")
    return " ".join(lines)


def stage_timescales_answer(policy: Policy, number: int, received_at: datetime) -> str:
    """The timescales of one stage ("and stage 2?"), with the engine's dates
    for a complaint, or a request to escalate, made today."""
    stage = policy.stage(number)
    dates = stage_dates(policy, number, received_at)
    if number == policy.stages[0].number:
        made = "a complaint made today"
        how = ""
    else:
        previous = policy.stages[policy.stages.index(stage) - 1]
        made = "a request made today"
        how = (f" You can ask for {stage.name.lower()} once you've had our {previous.name.lower()} response, and "
               "you don't have to give a reason. To ask, say 'escalate my complaint'.")
    return (f"{_stage_timescales(stage)} For {made}, the acknowledgement would be due by "
            f"{format_date(dates.acknowledgement_due)} and the response by {format_date(dates.response_due)}. "
            f"Working days leave out weekends and bank holidays.{how}")


# Said when the policy file gives no compensation or advocacy text, so a
# resident is never read an empty answer.
DEFAULT_COMPENSATION = ("If we got something wrong we will try to put it right, and that may include compensation "
                        "under our compensation policy, which the person handling your complaint will explain.")
DEFAULT_ADVOCACY = ("You can ask a friend, relative, advocate or solicitor to help you or to complain for you. "
                    "Citizens Advice and Shelter give free, independent advice.")
DEFAULT_ADJUSTMENTS = ("large print", "easy read", "Braille", "BSL or relay", "interpreters", "more time",
                       "a representative")


def compensation_answer(policy: Policy) -> str:
    summary = policy.compensation_summary.strip() or DEFAULT_COMPENSATION
    return f"{summary} I can't promise any amount: whether compensation is due is decided as part of the complaint."


def how_to_complain_answer(policy: Policy) -> str:
    channels = ", ".join(policy.channels) if policy.channels else "by phone or in writing"
    contact = [f"phone {policy.phone}"] if policy.phone else []
    if policy.email:
        contact.append(f"email {policy.email}")
    if policy.website:
        contact.append(f"online at {policy.website}")
    return (f"You can complain in whatever way suits you: {channels}. You can reach {policy.landlord_name} by "
            f"{', '.join(contact)}. I can also take your complaint here now: just say 'make a complaint'.")


def _listed(items: tuple[str, ...], word: str = "and") -> str:
    """"a, b and c" (semicolons when an item has its own commas)."""
    items = tuple(item.strip() for item in items if item.strip())
    if len(items) < 2:
        return "".join(items)
    joiner = "; " if any("," in item for item in items) else ", "
    return f"{joiner.join(items[:-1])}{joiner.strip() if joiner == '; ' else ''} {word} {items[-1]}"


def who_can_complain_answer(policy: Policy) -> str:
    """Who can complain, in the policy's own words."""
    text = f"These people can complain to {policy.landlord_name}: {_listed(policy.who_can_complain)}."
    if policy.permission_needed_from_tenant:
        text += (f" These can complain with the tenant's {policy.tenant_permission_form.value} permission: "
                 f"{_listed(policy.permission_needed_from_tenant)}.")
    text += (f" Someone can also complain for you: we need your {policy.representative_consent.value} permission "
             "to talk to them")
    if policy.representative_without_consent:
        text += f", except when {_listed(policy.representative_without_consent, 'or')}"
    return text + ". If you're not sure, tell me about it: nobody is turned away by this chat."


def survey_feedback_answer(policy: Policy) -> str:
    """Survey feedback is not a complaint, but the resident is told how to complain (Code 1.2)."""
    return ("Thank you for your feedback. Feedback you give in a satisfaction survey helps us improve, but it "
            "isn't handled as a complaint, so it won't get a complaint response. If you're unhappy with our service "
            "and want us to look into it and put things right, you can make a complaint: choose 'Make a complaint' "
            f"and I'll take it now, or call us on {policy.phone}.")


def representative_answer(policy: Policy) -> str:
    return (f"Yes, you can complain for someone else. We need their {policy.representative_consent.value} permission "
            "before we can discuss their complaint with you. You don't need it if they are a child or can't make "
            "the complaint themselves (for example they are too ill or lack capacity). I'll ask who you are "
            "complaining for and whether their permission is given, will follow, or isn't needed.")


def emergency_answer(policy: Policy, kind: str) -> str:
    first = {
        "gas": "If you smell gas: open doors and windows, don't use switches or flames, turn off the gas at the "
               "meter if you can, leave the home and call the National Gas Emergency Service on 0800 111 999 now.",
        "fire": "If there is a fire, get everyone out and call 999 now.",
        "flooding": "If water is coming through your ceiling or near electrics, turn off the water at the stopcock "
                    "and the electricity at the fuse box if it is safe, and keep away from the water.",
        "electrics": "Keep away from exposed wires or sparking sockets and turn off the electricity at the fuse "
                     "box if it is safe to do so.",
        "danger": "If anyone is in immediate danger, call 999 now.",
        "insecure": "A home that can't be locked or secured is an emergency repair. If anyone is in danger or "
                    "there's a break-in happening now, call 999.",
        "abuse": f"{DOMESTIC_ABUSE_HELP} We can help you move somewhere safe: a member of our team will treat "
                 "this in confidence.",
    }.get(kind, "If anyone is in immediate danger, call 999 now.")
    if kind == "abuse":
        return f"I'm so sorry. {first}"
    repairs = policy.emergency_repairs_phone or policy.phone
    return (f"This sounds like an emergency. {first} Then call our emergency repairs line on {repairs}, day or "
            "night. This chat is not monitored for emergencies.")


def _offer_list(items: tuple[str, ...]) -> str:
    # Semicolons: the policy's own items may contain commas.
    return "; ".join(item.strip() for item in items if item.strip())


def acknowledgement(policy: Policy, reference: str, description: str, outcome: str, received_at: datetime,
                    acknowledgement_due: date, response_due: date, adjustments: str) -> str:
    """Everything an acknowledgement must contain (Code 5.6; domain.md)."""
    stage = policy.stage(1)
    ext = stage.max_extension_working_days
    counts = "" if policy.bot_confirmation_is_acknowledgement else (
        f" A member of our team will formally acknowledge it by {format_date(acknowledgement_due)}.")
    return (
        f"Thank you. Your complaint is logged at {stage.name}. Your reference is {reference}.{counts}\n"
        f"Our understanding of your complaint: {description}\n"
        f"The outcome you want: {outcome}\n"
        f"How it works: {stage.handled_by or 'a manager'} will look into it and send you a full response by "
        f"{format_date(response_due)}. If we need longer we will tell you why and give a new date (at most "
        f"{ext} more working days), with the Ombudsman's details. If you're unhappy with our response you can ask "
        f"for {policy.stages[-1].name if len(policy.stages) > 1 else 'a review'}.\n"
        f"Reasonable adjustments: {adjustments or 'none asked for'}; we can also offer: "
        f"{_offer_list(policy.reasonable_adjustments or DEFAULT_ADJUSTMENTS)}.\n"
        f"Advocacy: {policy.advocacy.strip() or DEFAULT_ADVOCACY}\n"
        f"Advice at any time: {ombudsman_details(policy)}"
    )


def case_kept(kind: str, phone: str) -> str:
    """The case store could not be written: the case is kept and will be logged."""
    what = "complaint" if kind == "complaint" else "request"
    return (f"Thank you. Our case system is having a technical problem, so I can't give you a reference number "
            f"right now, but your {what} is saved and nothing you told me is lost. It will be logged "
            f"automatically as soon as the system is back, and it counts from today. "
            f"You will get a reference: ask me \"what's my reference?\" in this chat a little later, or call us "
            f"on {phone}.")


# ---------------------------------------------------------------- a person takes over (staff console)

SAMARITANS = "Samaritans, free, any time, day or night, on 116 123 (or email jo@samaritans.org)"


def crisis_answer(policy: Policy) -> str:
    """First, for a resident who mentions suicide or self-harm."""
    return ("I'm so sorry you're feeling like this. If you have hurt yourself or are in danger right now, call 999. "
            f"You can talk to {SAMARITANS}. Please don't wait for us if you need help now.")


DOMESTIC_ABUSE_HELP = ("If you are in danger, call 999 (if you can't speak, press 55 when asked). The National "
                       "Domestic Abuse Helpline is free and open day and night on 0808 2000 247.")


def if_urgent(policy: Policy, *, open_now: bool, risk_to_life: bool = False, domestic_abuse: bool = False) -> str:
    """Where to turn meanwhile: never only a line that is closed now."""
    if domestic_abuse:
        return DOMESTIC_ABUSE_HELP
    if risk_to_life:
        return f"If you feel you can't keep yourself safe, call 999 now, or talk to {SAMARITANS}."
    if open_now:
        return f"If it's urgent, call us on {policy.phone}."
    repairs = policy.emergency_repairs_phone or policy.phone
    return (f"For an emergency repair, call our emergency repairs line on {repairs}, day or night; if anyone is "
            "in danger, call 999.")


def live_handoff(minutes: int, phone: str) -> str:
    """In opening hours: a person will join this chat."""
    return (f"A member of our team will join this chat, usually within {minutes} minutes. You can keep typing; "
            f"they will see your messages. If it's urgent, call us on {phone}.")


def staff_joined(name: str) -> str:
    return f"{name} from our team has joined the chat."


def staff_says(name: str, text: str) -> str:
    """A staff member's message as the resident sees it (the widget labels every
    message from the server the same way, so the name goes in the text)."""
    return f"{name} (staff): {text}"


def back_to_assistant() -> str:
    return ("You're back with our automated assistant (not a person). What else can I help with? You can type "
            "'talk to a person' at any time.")


def chat_ended() -> str:
    return ("This chat with our team has ended. If you type again, our automated assistant will answer, and you "
            "can ask for a person at any time.")


def extension_notice(policy: Policy, reference: str, reason: str, new_due: date) -> str:
    """Telling the resident their complaint's response is extended (Code 5.14):
    why, the new date, and that the Ombudsman can help."""
    because = reason.strip().rstrip(".")
    return (f"We need more time to respond to your complaint {reference}. The reason: {because}. "
            f"We will now send our response by {format_date(new_due)}. If you are unhappy about the extension, "
            f"you can contact the Ombudsman: {ombudsman_details(policy)}")


# ---------------------------------------------------------------- size limits (channels/message_limit.py)

def message_too_long(max_chars: int, kept_ending: str, phone: str | None) -> str:
    """A resident's message was longer than one message can be: the first part
    was kept, and they are told where it stops and how to send the rest."""
    call = f", or call us on {phone}" if phone else ""
    return (f"Your message was longer than I can take in one go (up to {max_chars:,} characters at a time), so I've "
            f"kept the first part, which ends \"...{kept_ending}\". Please send the rest in another message{call}.")


# ---------------------------------------------------------------- references and limits

KIND_LABELS = {"complaint": "a complaint", "service_request": "a service request"}


def references_logged(logged: list[tuple[str | None, str]]) -> str:
    """The cases logged in this conversation, as (reference, kind), oldest
    first; a reference of None is a case kept safely while the case store
    could not be written (it gets its reference once the store is back)."""
    numbered = [f"{reference} ({KIND_LABELS.get(kind, kind)})" for reference, kind in logged if reference]
    kept = [kind for reference, kind in logged if not reference]
    parts = []
    if len(numbered) == 1:
        parts.append(f"It's logged: your reference is {numbered[0]}. Please keep it to follow it up.")
    elif numbered:
        parts.append(f"In this chat I've logged: {', '.join(numbered)}. Please keep these references to follow "
                     "them up.")
    if kept:
        what = " and ".join(sorted({KIND_LABELS.get(kind, kind) for kind in kept}))
        parts.append(f"I also have {what} from this chat, kept safely: it will be given its reference as soon as "
                     "our system is back, and our team will contact you with it.")
    return " ".join(parts)


def nothing_logged_yet() -> str:
    """Asked for a reference when nothing has been logged in this conversation."""
    return ("I haven't logged anything in this chat yet, so there's no reference to give you. If you told me "
            "about something before and didn't see a reference, please tell me about it again and I'll log it "
            "now. If you made a complaint in an earlier chat, choose 'Check my complaint'.")


def nothing_logged_yet_in_form() -> str:
    """Asked for a reference in the middle of a form, before anything is logged."""
    return "Nothing is logged yet: I'll give you a reference as soon as I've logged it."


def cannot_look_up_references(policy: Policy) -> str:
    """The case store cannot be read just now."""
    return (f"Sorry, I can't look up your reference right now. Anything you've told me is kept. Please try again "
            f"in a few minutes, or call us on {policy.phone}.")


def too_many_checks(policy: Policy) -> str:
    """Past the case-check limit: the phone number, and nothing about whether
    the reference or the detail exists."""
    return (f"For your security, I can't check case details in this chat right now. Please call us on "
            f"{policy.phone} and we'll help you with your case.")


def request_already_open(policy: Policy, reference: str | None) -> str:
    """Past the limit on callback requests and hand-overs from one conversation."""
    which = f" ({reference})" if reference else ""
    return (f"You already have a request open with us{which}, and our team will contact you about it. If it's "
            f"urgent, please call us on {policy.phone}.")


def text_only() -> str:
    """A message that was not text (a number or an object sent by a program)."""
    return ("Sorry, I can only read messages written as words. Please type your message and send it again. "
            "Nothing you've told me before is lost.")

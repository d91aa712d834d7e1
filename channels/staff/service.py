"""What the staff console does, apart from HTTP: the queue, a conversation
with its transcript and case, claiming, replying, notes, case actions, and
handing the conversation back to the bot or ending it.

The store is synchronous (SQLAlchemy), the Rasa HTTP API asynchronous; the
blueprint runs store work off the event loop.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Optional

from channels.staff.rasa_api import RasaApi, bot_event, live_output_channel
from housing import messages
from housing.cases.models import case_to_dict
from housing.deadlines import format_date
from housing.policy import Policy
from housing.safety import detect_emergency, detect_risk
from housing.staff import casework
from housing.staff.models import Handoff, StaffSession, handoff_to_dict
from housing.staff.store import HandoffConflictError, HandoffNotFoundError, StaffStore

__all__ = ["ConsoleError", "StaffConsoleService", "MAX_MESSAGE"]

MAX_MESSAGE = 2000
# Told to staff when their messages cannot reach the resident (a REST relay).
NOT_DELIVERED = ("Not delivered: this resident wrote through the REST relay (or a channel that cannot receive "
                 "messages later), so nothing you send reaches them live. It is kept on the conversation's record.")


class ConsoleError(Exception):
    """A request the console refuses, with the HTTP status and a message for staff."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _text(value: Any, what: str, *, required: bool = True, limit: int = MAX_MESSAGE) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ConsoleError(400, f"{what} is empty")
    if len(text) > limit:
        raise ConsoleError(400, f"{what} is longer than {limit} characters")
    return text


def transcript_lines(tracker: dict[str, Any], since: float = 0.0) -> list[dict[str, Any]]:
    """The resident's, the assistant's and staff messages from tracker events,
    each flagged when it shows danger or a risk to life."""
    lines = []
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text") or float(event.get("timestamp") or 0) < since:
            continue
        metadata = (event.get("metadata") or {}) if kind == "bot" else {}
        staff = metadata.get("staff")
        text = str(event["text"])
        label = messages.staff_says(str(metadata.get("staff_name") or staff), "")
        if staff and text.startswith(label):
            text = text[len(label):]  # the resident's copy carries the name; the console shows it once
        flags = []
        if kind == "user":
            if detect_risk(text):
                flags.append("risk to life")
            if detect_emergency(text):
                flags.append("emergency")
        lines.append({"at": datetime.fromtimestamp(float(event.get("timestamp") or 0), timezone.utc).isoformat(),
                      "from": "resident" if kind == "user" else ("staff" if staff else "assistant"),
                      "staff": staff, "text": text, "flags": flags})
    return lines


class StaffConsoleService:
    def __init__(self, store: StaffStore, policy: Policy,
                 clock: Optional[Callable[[], datetime]] = None) -> None:
        self.store = store
        self.policy = policy
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def now(self) -> datetime:
        return self._clock()

    # ------------------------------------------------------------ reading

    def queue(self) -> list[dict[str, Any]]:
        now = self._clock()
        return [handoff_to_dict(handoff, now) for handoff in self.store.queue()]

    def get_handoff(self, handoff_id: int) -> Handoff:
        try:
            return self.store.handoff(handoff_id)
        except HandoffNotFoundError:
            raise ConsoleError(404, "there is no such conversation in the queue") from None

    def case_details(self, reference: Optional[str]) -> Optional[dict[str, Any]]:
        case = self.store.get(reference) if reference else None
        if case is None:
            return None
        data = case_to_dict(case)
        data["due"] = {
            "acknowledgement_due": format_date(case.acknowledgement_due) if case.acknowledgement_due else None,
            "response_due": format_date(case.response_due) if case.response_due else None,
            "extension_left": casework.extension_left(self.policy, case) if case.kind == "complaint" else 0,
        }
        return data

    async def conversation(self, handoff_id: int, rasa: RasaApi, run: Callable) -> dict[str, Any]:
        handoff = await run(self.get_handoff, handoff_id)
        tracker = await rasa.tracker(handoff.conversation_id)
        live = live_output_channel(handoff.conversation_id) is not None
        return {"handoff": handoff_to_dict(handoff, self._clock()), "paused": bool(tracker.get("paused")),
                "live": live, "delivery": None if live else NOT_DELIVERED,
                "transcript": transcript_lines(tracker)[-300:],
                "case": await run(self.case_details, handoff.case_reference)}

    # ------------------------------------------------------------ checks

    def mine(self, handoff_id: int, staff: StaffSession) -> Handoff:
        """The hand-over, if this staff member has claimed it and it is open."""
        handoff = self.get_handoff(handoff_id)
        if not handoff.is_open:
            raise ConsoleError(409, "this conversation has already been finished")
        if handoff.claimed_by != staff.username:
            who = f"{handoff.claimed_by} is handling it" if handoff.claimed_by else "claim it first"
            raise ConsoleError(409, f"this conversation is not yours: {who}")
        return handoff

    def _case_reference(self, handoff: Handoff) -> str:
        if not handoff.case_reference:
            raise ConsoleError(409, "this conversation has no case")
        return handoff.case_reference

    # ------------------------------------------------------------ conversation actions

    @staticmethod
    def said(text: str, staff: StaffSession) -> dict[str, Any]:
        """A message to the resident sent by this staff member."""
        return bot_event(text, staff.username, staff.display_name)

    def claim(self, handoff_id: int, staff: StaffSession) -> tuple[Handoff, bool]:
        """Claim it; the bool says whether it was newly claimed (say hello then)."""
        before = self.get_handoff(handoff_id)
        try:
            handoff = self.store.claim(handoff_id, staff.username)
        except HandoffConflictError as error:
            raise ConsoleError(409, str(error)) from None
        return handoff, before.status != "claimed"

    async def greet(self, handoff: Handoff, staff: StaffSession, rasa: RasaApi) -> bool:
        """Tell a live chat's resident who has joined; False: it could not be delivered."""
        if handoff.mode != "live":
            return True
        return await rasa.append(handoff.conversation_id,
                                 [self.said(messages.staff_joined(staff.display_name), staff)])

    async def reply(self, handoff: Handoff, staff: StaffSession, text: str, rasa: RasaApi, run: Callable) -> bool:
        """Send a message to the resident; the bot stays paused while a person talks.
        False: the conversation's channel cannot deliver it (it is on the record only)."""
        text = _text(text, "the message")
        delivered = await rasa.append(handoff.conversation_id, [{"event": "pause"}, self.said(
            messages.staff_says(staff.display_name, text), staff)])
        if handoff.mode != "live":
            await run(self.store.make_live, handoff.id)
        return delivered

    def note(self, handoff_id: int, staff: StaffSession, text: str) -> Optional[dict[str, Any]]:
        """An internal note on the case (never shown to the resident); returns the case."""
        reference = self._case_reference(self.get_handoff(handoff_id))
        self.store.add_history(reference, "note", _text(text, "the note", limit=10_000), actor=staff.username)
        return self.case_details(reference)

    async def finish(self, handoff: Handoff, staff: StaffSession, message: str, rasa: RasaApi, run: Callable,
                     *, hand_back: bool) -> tuple[Handoff, bool]:
        """Hand back to the bot, or end the chat: the staff message (if any) and
        a closing line are sent, the bot resumes, the transcript goes on the case.
        The bool: whether the messages could be delivered to the resident."""
        message = _text(message, "the message", required=False)
        tracker = await rasa.tracker(handoff.conversation_id)
        events: list[dict[str, Any]] = []
        if message:
            events.append(self.said(messages.staff_says(staff.display_name, message), staff))
        if tracker.get("paused"):
            closing = messages.back_to_assistant() if hand_back else messages.chat_ended()
            events += [self.said(closing, staff), {"event": "resume"},
                       {"event": "action", "name": "action_listen"}]
        delivered = await rasa.append(handoff.conversation_id, events) if events else True
        since = handoff.requested_at.timestamp()
        lines = transcript_lines(await rasa.tracker(handoff.conversation_id), since)
        record = "\n".join(f"{line['staff'] or line['from'].capitalize()}: {line['text']}" for line in lines)
        what = "Handed back to the assistant" if hand_back else "Chat ended"
        done = await run(self._finish_in_store, handoff, staff, f"{what} by {staff.username}.\n{record}", hand_back)
        return done, delivered

    def _finish_in_store(self, handoff: Handoff, staff: StaffSession, detail: str, hand_back: bool) -> Handoff:
        try:
            done = self.store.finish(handoff.id, "handed_back" if hand_back else "ended", staff.username)
        except HandoffConflictError as error:
            raise ConsoleError(409, str(error)) from None
        if handoff.case_reference and self.store.get(handoff.case_reference) is not None:
            self.store.mark_handed_back(handoff.case_reference, detail, actor=staff.username)
        return done

    # ------------------------------------------------------------ case actions

    def _casework(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except casework.CaseworkError as error:
            raise ConsoleError(400, str(error)) from None

    def acknowledge(self, handoff: Handoff, staff: StaffSession) -> dict[str, Any]:
        reference = self._case_reference(handoff)
        self._casework(lambda: casework.acknowledge(self.policy, self.store, reference, self._clock(),
                                                    staff.username))
        return self.case_details(reference) or {}

    def extend(self, handoff: Handoff, staff: StaffSession, working_days: Any, reason: str) -> casework.Extension:
        reference = self._case_reference(handoff)
        try:
            days = int(working_days)
        except (TypeError, ValueError):
            raise ConsoleError(400, "the extension is a whole number of working days") from None
        reason = _text(reason, "the reason")
        return self._casework(lambda: casework.extend(self.policy, self.store, reference, days, reason,
                                                      staff.username))

    def record_response(self, handoff: Handoff, staff: StaffSession, summary: str) -> dict[str, Any]:
        reference = self._case_reference(handoff)
        summary = _text(summary, "the summary", required=False, limit=10_000)
        self._casework(lambda: casework.record_response(self.store, reference, self._clock(), staff.username,
                                                        summary))
        return self.case_details(reference) or {}

    def close(self, handoff: Handoff, staff: StaffSession, outcome: str) -> dict[str, Any]:
        reference = self._case_reference(handoff)
        outcome = _text(outcome, "the outcome", limit=10_000)
        self._casework(lambda: casework.close(self.store, reference, outcome, staff.username))
        return self.case_details(reference) or {}

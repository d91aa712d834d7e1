"""Keep a long conversation's working tracker short without changing its state.

Rasa replays every event of the session on every turn (retrieving it, running
the rule policy over it, sending it to the action server), so a turn takes
longer the longer a conversation goes on. The conversation store
(server/conversation_store.py) instead loads a *window*: a few "state" events
standing for everything before a cut, then the stored events after the cut.

Pure functions, no I/O:

* `cut_index`: where the window starts (at a resident message, so that every
  turn in it is whole and a revert of the first turn goes back to the cut);
* `state_events`: events that, replayed on a fresh tracker, give the same
  slots, active form (and its interrupted/rejected flags), pause and last
  action as the tracker they were made from;
* `same_state`: checks that, so a window is only ever used when it is exact;
* `deserialise`: Rasa's `Event.from_parameters`, with the event classes looked
  up once instead of for every event (that look-up walks every Event subclass
  and was half the cost of loading a tracker).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Sequence

from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    ConversationPaused,
    Event,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

# The window always holds the last KEEP_TURNS resident messages whole. It moves
# on STEP_TURNS messages at a time, so the state is recomputed every few turns,
# not every turn (from the previous state and those few turns only).
KEEP_TURNS = 30
STEP_TURNS = 5


def cut_index(events: Sequence[Event], keep_turns: int = KEEP_TURNS, step_turns: int = STEP_TURNS) -> int | None:
    """The index of the resident message that should start the window, or
    None while the events hold fewer than keep_turns + step_turns messages
    after the last session start."""
    user_positions = []
    for index, event in enumerate(events):
        if isinstance(event, SessionStarted):
            user_positions = []
        elif isinstance(event, UserUttered):
            user_positions.append(index)
    if len(user_positions) < keep_turns + step_turns:
        return None
    return user_positions[-keep_turns]


def state_events(tracker: DialogueStateTracker, timestamp: float) -> list[Event]:
    """Events that put a fresh tracker in `tracker`'s state (see `same_state`)."""
    events: list[Event] = [SessionStarted(timestamp=timestamp)]
    for slot in tracker.slots.values():
        if slot.has_been_set or slot.value != slot.initial_value:
            events.append(SlotSet(slot.name, slot.value, timestamp=timestamp))
    loop = tracker.active_loop_name
    if loop:
        events += [ActionExecuted(loop, timestamp=timestamp), ActiveLoop(loop, timestamp=timestamp)]
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp=timestamp))
    latest = tracker.latest_action or {}
    if latest.get("action_name"):
        events.append(ActionExecuted(latest["action_name"], timestamp=timestamp))
    elif latest.get("action_text"):
        events.append(ActionExecuted(action_text=latest["action_text"], timestamp=timestamp))
    if loop and tracker.is_active_loop_interrupted:
        events.append(LoopInterrupted(True, timestamp=timestamp))
    if loop and tracker.is_active_loop_rejected:
        events.append(ActionExecutionRejected(loop, timestamp=timestamp))
    return events


def _state(tracker: DialogueStateTracker) -> dict[str, Any]:
    return {
        "slots": tracker.current_slot_values(),
        "loop": tracker.active_loop_name,
        "interrupted": tracker.is_active_loop_interrupted,
        "rejected": tracker.is_active_loop_rejected,
        "paused": tracker.is_paused(),
        "latest_action": tracker.latest_action_name,
    }


def same_state(a: DialogueStateTracker, b: DialogueStateTracker) -> bool:
    """Do the two trackers agree on everything the next turn depends on?"""
    return _state(a) == _state(b)


def replay(sender_id: str, events: Iterable[Event], slots: Iterable[Slot]) -> DialogueStateTracker:
    """A tracker with `events` applied, as Rasa builds one from the store."""
    return DialogueStateTracker.from_events(sender_id, list(events), slots)


@lru_cache(maxsize=1)
def _event_classes() -> dict[str, type[Event]]:
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):  # the first class with a name wins, as in Event.resolve_by_type
        classes.setdefault(cls.type_name, cls)
    return classes


def deserialise(events: Iterable[dict[str, Any]]) -> list[Event]:
    """Events from their stored dicts, as `rasa.shared.core.events.deserialise_events` makes them."""
    found = []
    for parameters in events:
        cls = _event_classes().get(parameters.get("event"))
        event = cls._from_parameters(parameters) if cls else Event.from_parameters(parameters)
        if event is not None:
            found.append(event)
    return found

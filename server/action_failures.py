"""A turn whose call to the action server fails ends at once, and says so.

Rasa 3.6 catches any error of an action, logs "Bot will continue, but the
actions events are lost" and predicts the next action: with the action server
down, that is ten failing calls, then its circuit breaker stops the turn
without the `action_listen` that ends a turn. Those ten actions then count
against every later turn of the conversation, which the breaker stops before
it starts: the resident hears nothing ever again, even once the action
server is back.

`install()` changes two things in this process. A remote action that fails
for any reason but a form's rejection (cannot connect, times out, 4xx/5xx)
is noted (`RemoteAction.run`), and the processor then ends the turn the normal
way, with `action_listen` (`MessageProcessor._run_action`): the conversation
is left as it was before the failing call, so the next turn carries on where
it stopped. `watching_turn()` (one resident turn, in the channel) tells the
channel that the turn had such a failure, so it can give the resident the
"technical problem" message, and makes later calls in the same turn fail at
once: a resident waits for one timeout at most, not one per action.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterator

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, action_for_name_or_text
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """Did a call to the action server fail (during one action, or one turn)?"""

    action_server_failed: bool = False


_action: ContextVar[Outcome | None] = ContextVar("action_call", default=None)
_turn: ContextVar[Outcome | None] = ContextVar("turn", default=None)


@contextmanager
def watching_turn() -> Iterator[Outcome]:
    """Note whether any action call fails while the block runs (one resident turn)."""
    outcome = Outcome()
    token = _turn.set(outcome)
    try:
        yield outcome
    finally:
        _turn.reset(token)


def _note_failure() -> None:
    for scope in (_action.get(), _turn.get()):
        if scope is not None:
            scope.action_server_failed = True


_original_remote_run = RemoteAction.run
_original_run_action = MessageProcessor._run_action


async def _remote_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    turn = _turn.get()
    if turn is not None and turn.action_server_failed:
        # e.g. the session start timed out: do not wait a second time in the same turn
        _note_failure()
        raise RasaException(f"not calling the action server for '{self.name()}': it failed earlier in this turn")
    try:
        return await _original_remote_run(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise  # a form refusing a slot: normal conversation, not a failure
    except BaseException:
        _note_failure()
        raise


async def _run_action(self: MessageProcessor, action: Any, tracker: Any, output_channel: Any, nlg: Any,
                      prediction: PolicyPrediction) -> bool:
    outcome = Outcome()
    token = _action.set(outcome)
    try:
        more = await _original_run_action(self, action, tracker, output_channel, nlg, prediction)
    finally:
        _action.reset(token)
    if not outcome.action_server_failed or action.name() == ACTION_LISTEN_NAME:
        return more
    logger.error("the action server failed during '%s' for %s: ending the turn", action.name(), tracker.sender_id)
    listen = action_for_name_or_text(ACTION_LISTEN_NAME, self.domain, self.action_endpoint)
    await _original_run_action(self, listen, tracker, output_channel, nlg,
                               PolicyPrediction.for_action_name(self.domain, ACTION_LISTEN_NAME))
    return False


def install() -> None:
    """End a turn at the first failed action call, in this process."""
    RemoteAction.run = _remote_run  # type: ignore[method-assign]
    MessageProcessor._run_action = _run_action  # type: ignore[method-assign]

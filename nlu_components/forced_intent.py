"""Give a message an intent with full confidence, ahead of the classifier's ranking."""
from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def force_intent(message: Message, name: str) -> None:
    """`name` becomes the message's intent (confidence 1.0) and tops its ranking."""
    override = {"name": name, "confidence": 1.0}
    ranking = [override] + [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != name]
    message.set(INTENT, override, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

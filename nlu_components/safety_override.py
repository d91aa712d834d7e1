"""Danger first, whatever the classifier guessed.

A message that describes danger now (gas, fire, flooding, electrics, someone
in danger) or a risk to life is given the intent `report_emergency` with full
confidence, so the emergency or crisis route comes before anything else. The
keyword rules are `housing.safety`'s, the same ones the forms use.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from housing.safety import detect_emergency, detect_risk
from nlu_components.forced_intent import force_intent

EMERGENCY_INTENT = "report_emergency"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyOverride(GraphComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SafetyOverride":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if detect_risk(text) or detect_emergency(text):
                force_intent(message, EMERGENCY_INTENT)
        return messages

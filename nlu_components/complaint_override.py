"""Complaints the classifier can miss because of how they are written.

* A long letter from a solicitor, advocate or other representative making a
  complaint for a resident is `complain_for_someone`, however many sentences
  it has (an MP's or councillor's letter keeps its own route).
* Feedback from a satisfaction survey, and a complaint from a group of
  residents, go to triage (`make_complaint`), which applies the Code: survey
  feedback is not a complaint but the resident is offered one; a group's
  complaint is a complaint with one lead contact.

Runs before `SafetyOverride`, so danger still comes first. The rules are
`housing.eligibility`'s and `housing.triage`'s.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from housing.eligibility import is_group_complaint
from nlu_components.forced_intent import force_intent
from housing.triage import is_question, is_representative_complaint, is_survey_feedback


BARE_COMPLAINT = re.compile(r"\W*(a |new |make a |making a |formal )?(complain|complaint|complaints)\W*")


def complaint_intent(text: str) -> str | None:
    """The intent the words show, whatever the classifier guessed; None to keep its guess."""
    if BARE_COMPLAINT.fullmatch(text.strip().lower()):
        return "make_complaint"  # "Complaint" or "complain" alone is the resident choosing to complain
    if is_representative_complaint(text):
        return "complain_for_someone"
    if is_survey_feedback(text) or (is_group_complaint(text) and not is_question(text)):
        return "make_complaint"
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ComplaintOverride(GraphComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ComplaintOverride":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = complaint_intent(message.get(TEXT) or "")
            if intent:
                force_intent(message, intent)
        return messages

"""Check action-server responses against Rasa's schema with a validator built once.

Rasa 3.6 checks every response of the action server with
`jsonschema.validate(result, spec)`, which re-checks the schema itself against
the JSON Schema 2020-12 meta-schema on every call: about 18 ms of CPU per
action call on this machine, two or three calls per form turn, and most of a
turn's time under load. `install()` replaces that method with one that checks
the same response against the same schema, with the same error message, using
a validator that was built (and its schema checked) once.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

HELP = (". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions")


@lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator for Rasa's action response schema (schema checked once)."""
    spec = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """What RemoteAction._validate_action_result does, without re-checking the schema."""
    error = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += HELP
        raise error
    return True


def install() -> None:
    """Use `validate_action_result` for every remote action of this process."""
    response_validator()
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]

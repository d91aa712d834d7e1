"""Rasa custom actions: thin adapters from conversations to `housing`.

The landlord policy is loaded when the action server starts, so a malformed
policy file stops start-up with a message naming the field. The background
work on cases (storing cases kept while the store could not be written,
sending pending cases to the case system) starts then too.
"""
from actions.runtime import get_policy, start_background_work

get_policy()
start_background_work()

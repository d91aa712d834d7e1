"""Rasa custom actions: thin adapters from conversations to `housing`.

The landlord policy is loaded when the action server starts, so a malformed
policy file stops start-up with a message naming the field.
"""
from actions.runtime import get_policy

get_policy()

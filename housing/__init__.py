"""Core of the residents' complaints assistant: landlord policy, working-day
deadlines, triage and eligibility rules, and the case store.

Nothing in this package talks to Rasa; the `actions` package adapts it.
"""

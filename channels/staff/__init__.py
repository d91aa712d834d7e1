"""The staff console, served by the Rasa server at /webhooks/staff (see
`console.StaffConsole`): sign-in, the queue of conversations handed to a
person, transcripts, case details, replies and case actions.
"""
from channels.staff.console import StaffConsole

__all__ = ["StaffConsole"]

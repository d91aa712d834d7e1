"""Staff takeover: staff accounts, sign-in sessions and hand-overs of a
conversation to a person, kept on the case database.

* `security`: pure password hashing, session tokens and CSRF tokens.
* `schema`: the `staff_accounts`, `staff_sessions` and `handoffs` tables.
* `store`: `StaffStore`, the case store plus those tables (created on first use).
* `casework`: what staff do to a case from the console (acknowledge, extend, ...).
"""

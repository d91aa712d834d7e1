"""The staff tables, on the same database as the cases (own `MetaData`, created
on first use by `StaffStore`). Times are fixed-format UTC strings, like the
case tables (`housing.cases.schema.utc_text`).

Staff notes are not a table: they are case history entries of kind "note"
with the staff member's username as the actor.
"""
from __future__ import annotations

import sqlalchemy as sa

__all__ = ["staff_metadata", "staff_accounts", "staff_sessions", "handoffs"]

staff_metadata = sa.MetaData()

staff_accounts = sa.Table(
    "staff_accounts",
    staff_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)

staff_sessions = sa.Table(
    "staff_sessions",
    staff_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # SHA-256 hex of the cookie's token
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40)),
)

handoffs = sa.Table(
    "handoffs",
    staff_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.Text, nullable=False),
    sa.Column("channel", sa.String(100), nullable=False),
    sa.Column("case_reference", sa.String(32)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),  # live | callback | review
    sa.Column("status", sa.String(16), nullable=False),  # waiting | claimed | ended | handed_back
    sa.Column("requested_at", sa.String(40), nullable=False),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", sa.String(40)),
    sa.Column("ended_at", sa.String(40)),
    sa.Index("ix_handoffs_status", "status"),
    sa.Index("ix_handoffs_conversation", "conversation_id"),
)

"""The real after-form actions, run in-process on a real SQLite case store
that refuses writes (`chattr +i`): the resident is told plainly, the case
is kept once however often they confirm, and stored once when the store is back."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from actions.logging_actions import ActionAfterComplaintForm, ActionAfterServiceRequestForm
from tests.faults.storage import immutable
from tests.test_actions import COMPLETE, env, run, slot_sets, texts, tracker  # noqa: F401 (env is a fixture)

KEPT = "nothing you told me is lost"


def stored(runtime) -> list[sa.Row]:
    engine = sa.create_engine(runtime.get_settings().database_url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT reference, conversation_id FROM cases ORDER BY id")).all()
    finally:
        engine.dispose()


def test_complaint_confirmed_while_the_store_refuses_writes_is_kept_once_and_stored_once(env, tmp_path: Path):
    """Fault: cases.db unwritable when a representative confirms a complaint, twice (a retried confirmation)."""
    runtime = env
    store = runtime.get_store()
    store.list(limit=1)  # the database exists
    store.spool.folder.mkdir(mode=0o700)  # and the spool folder (its parent is about to be frozen too)
    database = Path(sa.engine.make_url(store.database_url).database)
    values = {**COMPLETE, "complaint_confirmed": True, "relationship": "representative",
              "represented_resident_name": "Mary Smith", "representative_relationship": "daughter",
              "representative_consent": "given"}
    with immutable(database, database.parent):
        for _ in range(2):
            events, dispatcher = run(ActionAfterComplaintForm(),
                                     tracker(text="yes", intent="affirm", slots=values, sender="conv-kept"))
            said = " ".join(texts(dispatcher))
            assert KEPT in said and "your complaint is saved" in said and runtime.get_policy().phone in said
            assert "CMP-" not in said and "last_case_reference" not in slot_sets(events)
            assert slot_sets(events)["complaint_description"] is None  # the form is cleared
        refs = store.references_for_conversation("conv-kept")
        assert [(r.reference, r.kept, r.kind) for r in refs] == [(None, True, "complaint")]
        assert len(list(store.spool.folder.glob("*.json"))) == 1
    # The store is back: the next case logged stores the kept one first.
    events, dispatcher = run(ActionAfterServiceRequestForm(), tracker(
        text="LS1 1AA", slots={"sr_description": "the bath panel has come off", "resident_name": "Jo Bloggs",
                               "contact_detail": "07700 900456", "postcode": "LS1 1AA", "issue_category": "repair"},
        sender="conv-next"))
    assert "SR-" in " ".join(texts(dispatcher))
    rows = stored(runtime)
    assert [row.conversation_id for row in rows] == ["conv-kept", "conv-next"]
    complaint = store.get(rows[0].reference)
    assert complaint.representative.name == "Jane Smith" and complaint.resident.name == "Mary Smith"
    notes = [h.detail for h in complaint.history if h.kind == "note"]
    assert notes.count("Contact for the representative: jane@example.org") == 1
    assert [r.reference for r in store.references_for_conversation("conv-kept")] == [rows[0].reference]


def test_service_request_while_the_store_refuses_writes_gets_the_plain_message(env):
    """Fault: cases.db unwritable when a service request is logged."""
    runtime = env
    store = runtime.get_store()
    store.list(limit=1)
    database = Path(sa.engine.make_url(store.database_url).database)
    slots = {"sr_description": "the bath panel has come off", "resident_name": "Jo Bloggs",
             "contact_detail": "07700 900456", "postcode": "LS1 1AA", "issue_category": "repair"}
    with immutable(database, database.parent):
        events, dispatcher = run(ActionAfterServiceRequestForm(), tracker(text="LS1 1AA", slots=slots,
                                                                          sender="conv-sr"))
        said = " ".join(texts(dispatcher))
        assert "your request is saved" in said and "SR-" not in said
        assert slot_sets(events)["sr_description"] is None
    assert [c.idempotency_key is not None for c in store.drain_spool()] == [True]
    assert [row.conversation_id for row in stored(runtime)] == ["conv-sr"]

"""Who is complaining: a representative's long letter, a group of residents,
an MP or councillor for a constituent, and survey feedback (which is not a
complaint, but the resident is offered one)."""
from __future__ import annotations

import pytest

from housing.eligibility import is_group_complaint, is_representative_letter, named_resident, representation
from housing.triage import Route, is_survey_feedback, triage
from nlu_components.complaint_override import complaint_intent
from tests.test_actions import (  # noqa: F401 (env is a fixture)
    COMPLETE, buttons, complaint_form_turn, env, log_a_complaint, run, slot_sets, texts, tracker,
)

LETTER = ("I am writing on behalf of my client Mrs Amina Patel, tenant at 4 Elm Court, who has reported damp and "
          "mould repeatedly since January without any repair; we wish to make a formal complaint about the "
          "condition of the property and the lack of response.")
LETTERS = [
    LETTER,
    "Dear Sir or Madam, we act for Mrs Patel of 22 Oak Street. Our client has reported damp and mould in her "
    "bedroom on several occasions since January 2025. No works have been done. We are instructed to raise a formal "
    "complaint on her behalf.",
    "Further to our telephone conversation, we write as solicitors instructed by Miss Jane Doe in relation to the "
    "disrepair at her property. We invite you to treat this letter as a stage one complaint.",
    "Hello, I'm an advocate at Citizens Advice acting for Ms Brown. She has been waiting for a new kitchen for two "
    "years and the contractor damaged her floor. She wants to complain and we will handle correspondence.",
    "We represent Mr and Mrs Khan, tenants at Flat 9 Tower Block. The lift has been out of order for three months "
    "and Mrs Khan uses a wheelchair. Please accept this as a formal complaint.",
]


@pytest.mark.parametrize("letter", LETTERS)
def test_a_long_letter_from_a_representative_is_a_complaint_for_someone(letter):
    assert is_representative_letter(letter)
    assert complaint_intent(letter) == "complain_for_someone"


@pytest.mark.parametrize(("text", "name", "role"), [
    (LETTER, "Mrs Amina Patel", None),
    (LETTERS[2], "Miss Jane Doe", "solicitor"),
    (LETTERS[3], "Ms Brown", "advocate"),
    ("We are Citizens Advice writing on behalf of Mr Green about his complaint", "Mr Green",
     "adviser (Citizens Advice)"),
    (LETTERS[4], "Mr and Mrs Khan", None),
    ("i'm writing for my client mrs o'neill who is your tenant", "Mrs O'Neill", None),
    ("I'm complaining for my mum, she can't use the internet", None, None),
])
def test_representation_reads_the_residents_name_and_the_role_when_given(text, name, role):
    acting = representation(text)
    assert acting is not None
    assert (acting.resident_name, acting.relationship) == (name, role)


@pytest.mark.parametrize("text", [
    "I am the local MP writing on behalf of my constituent Mrs Jones who wants to complain about damp for months",
    "i'm raising this on behalf of a resident in my ward who has not yet complained to you",
    "I'm writing on behalf of my family: our boiler has failed three times this winter and we want to complain",
    "my boiler has broken down again and I want to complain",
])
def test_mps_councillors_and_residents_are_not_taken_for_representatives(text):
    assert representation(text) is None
    assert complaint_intent(text) != "complain_for_someone"


def test_a_representatives_long_message_showing_repeated_failure_is_a_complaint_without_the_word(env):
    text = ("Good afternoon. I am a support worker from Mind and I am helping Mr Lee, who is one of your tenants. "
            "The heating in his flat has been broken since October and nobody has come to fix it despite several "
            "calls.")
    assert complaint_intent(text) == "complain_for_someone"
    from actions.triage import ActionStartComplaint

    events, _ = run(ActionStartComplaint(), tracker(text=text, intent="complain_for_someone"))
    values = slot_sets(events)
    assert values["complaint_description"] == text
    assert (values["represented_resident_name"], values["representative_relationship"]) == ("Mr Lee",
                                                                                            "support worker")
    first_report = ("Good afternoon, I am a support worker helping Mr Lee, one of your tenants, to report that the "
                    "kitchen light in his flat stopped working this morning.")
    assert complaint_intent(first_report) is None  # a first report: triage offers the choice


def test_a_short_message_keeps_the_classifiers_intent():
    assert complaint_intent("I'm complaining for my mum") is None
    assert named_resident("on behalf of my constituent Mr Ali Hassan") == "Mr Ali Hassan"


@pytest.mark.parametrize("text", [
    "we are the residents association and want to complain on behalf of the block",
    "several of us neighbours want to make a joint complaint about the lift",
    "I'm writing on behalf of all the tenants in Oak House about the broken door entry",
    "our tenants' association wants to raise a complaint about the cleaning of the stairs",
    "a group of us on the estate are unhappy with the grounds maintenance",
])
def test_a_group_of_residents_complaining_together(text):
    assert is_group_complaint(text)
    assert complaint_intent(text) == "make_complaint"


def test_a_question_about_groups_is_still_a_question():
    assert complaint_intent("can a residents association complain?") is None


def test_a_groups_complaint_is_a_complaint_about_its_subject():
    result = triage("make_complaint", "several of us neighbours want to make a joint complaint about the lift")
    assert result.route is Route.COMPLAINT
    assert result.category == "repair"  # the lift, not a neighbour dispute


@pytest.mark.parametrize(("text", "survey"), [
    ("I got a satisfaction survey after my repair and want to give feedback", True),
    ("this is feedback from the survey you sent me", True),
    ("I filled in the survey and said the repair was poor", True),
    ("i gave you 1 star in the survey because the repair took ages", True),
    ("the damp survey was cancelled", False),  # an inspection, not a satisfaction survey
    ("no one came for the damp survey this afternoon", False),
    ("why did I get a survey?", False),
])
def test_survey_feedback(text, survey):
    assert is_survey_feedback(text) is survey
    assert (complaint_intent(text) == "make_complaint") is survey


# ---------------------------------------------------------------- in the conversation


def test_a_representatives_letter_starts_the_complaint_with_what_it_says(env):
    from actions.triage import ActionStartComplaint

    events, dispatcher = run(ActionStartComplaint(), tracker(text=LETTER, intent="complain_for_someone"))
    values = slot_sets(events)
    assert values["complaint_description"] == LETTER
    assert values["relationship"] == "representative"
    assert values["represented_resident_name"] == "Mrs Amina Patel"
    assert "representative_relationship" not in values  # "my client": asked, not guessed


def test_a_representative_found_by_triage_is_told_about_permission(env):
    from actions.triage import ActionStartComplaint

    text = ("I'm a support worker helping Mr Lee, your tenant: his heating has been broken since October and "
            "nobody has come despite several calls")
    events, dispatcher = run(ActionStartComplaint(), tracker(text="", intent="report_repair",
                                                             slots={"issue_text": text}))
    values = slot_sets(events)
    assert (values["relationship"], values["represented_resident_name"],
            values["representative_relationship"]) == ("representative", "Mr Lee", "support worker")
    assert any("written permission" in said for said in texts(dispatcher))


def test_a_group_complaint_asks_for_one_lead_contact(env):
    from actions.forms.asks import ActionAskResidentName, ActionAskContactDetail
    from actions.triage import ActionStartComplaint

    text = "several of us neighbours want to make a joint complaint about the lift being broken for weeks"
    events, dispatcher = run(ActionStartComplaint(), tracker(text=text, intent="make_complaint",
                                                             slots={"issue_text": text}))
    assert slot_sets(events)["relationship"] == "group"
    assert any("one lead contact" in said for said in texts(dispatcher))

    at_name = tracker(text="none", slots={"relationship": "group"}, form="complaint_form")
    _, dispatcher = run(ActionAskResidentName(), at_name)
    assert "lead contact's full name" in texts(dispatcher)[0]
    _, dispatcher = run(ActionAskContactDetail(), at_name)
    assert "reach the lead contact" in texts(dispatcher)[0]
    # the same question elsewhere is the usual one
    _, dispatcher = run(ActionAskResidentName(), tracker(text="x", slots={"relationship": "group"},
                                                         form="callback_form"))
    assert texts(dispatcher)[0] == "What is your full name?"


def test_a_group_complaint_is_logged_with_its_lead_contact(env):
    case, _, dispatcher = log_a_complaint(env, relationship="group", resident_name="Pat Lead")
    assert case.resident.relationship == "group"
    notes = [h.detail for h in case.history if h.kind == "note"]
    assert any("group of residents. Lead contact: Pat Lead, jane@example.org" in note for note in notes)


def test_group_at_the_connection_question(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("relationship", "I'm the chair of the residents association"))
    assert slot_sets(events)["relationship"] == "group"
    assert slot_sets(events)["requested_slot"] == "resident_name"
    assert "one lead contact" in texts(dispatcher)[0]


def test_an_mp_is_asked_the_constituents_name_and_permission(env):
    from actions.forms.asks import ActionAskRepresentativeConsent, ActionAskRepresentedResidentName
    from actions.forms.complaint import ValidateComplaintForm

    mp = {"relationship": "elected_member", "representative_relationship": "MP"}
    events, _ = run(ValidateComplaintForm(), complaint_form_turn("outcome_sought", "repair it", slots=mp))
    assert slot_sets(events)["requested_slot"] == "represented_resident_name"
    _, dispatcher = run(ActionAskRepresentedResidentName(), tracker(slots=mp, form="complaint_form"))
    assert "name of your constituent" in texts(dispatcher)[0]

    at_name = {**COMPLETE, **mp, "resident_name": None, "contact_detail": None, "postcode": None,
               "adjustments": None, "contact_preference": None, "requested_slot": "represented_resident_name"}
    events, _ = run(ValidateComplaintForm(), tracker(text="Mrs Joan Baker", intent="inform", slots=at_name,
                                                     form="complaint_form", fill="represented_resident_name"))
    assert slot_sets(events)["requested_slot"] == "representative_consent"  # their role is known already
    _, dispatcher = run(ActionAskRepresentativeConsent(), tracker(slots=mp, form="complaint_form"))
    assert "your constituent's written permission" in texts(dispatcher)[0]


def test_an_mps_complaint_is_logged_for_the_constituent(env):
    case, _, _ = log_a_complaint(env, relationship="elected_member", resident_name="Jo Member MP",
                                 represented_resident_name="Mrs Joan Baker", representative_relationship="MP",
                                 representative_consent="given")
    assert case.resident.name == "Mrs Joan Baker"
    assert (case.representative.name, case.representative.relationship,
            case.representative.consent_status) == ("Jo Member MP", "MP", "given")


@pytest.mark.parametrize(("said", "role", "name"), [
    ("I'm a local councillor writing on behalf of a resident", "councillor", None),  # no name given
    ("I'm an MP writing on behalf of my constituent Mrs Joan Baker", "MP", "Mrs Joan Baker"),
    ("Cllr Ahmed here, a tenant in my ward has asked for help", "councillor", None),
])
def test_after_an_elected_member_chooses_a_new_matter_their_role_and_constituent_are_kept(env, said, role, name):
    from actions.case_lookup import ActionAfterElectedMemberForm

    t = tracker(text="A new matter", intent="inform", slots={"elected_member_matter": "new_matter"})
    t.events.insert(0, {"event": "user", "text": said})
    events, _ = run(ActionAfterElectedMemberForm(), t)
    values = slot_sets(events)
    assert (values["relationship"], values["route"]) == ("elected_member", "complaint")
    assert values["representative_relationship"] == role
    assert values["represented_resident_name"] == name


def test_survey_feedback_is_not_a_complaint_but_one_is_offered(env):
    from actions.triage import ActionTriage

    feedback = "I filled in the survey and said the repair was poor because the plumber left the tap still dripping"
    events, dispatcher = run(ActionTriage(), tracker(text=feedback, intent="make_complaint"))
    values = slot_sets(events)
    assert values["route"] is None  # nothing is logged, no form starts
    assert values["complaint_offered"] is True
    assert "isn't handled as a complaint" in texts(dispatcher)[0]
    assert "Make a complaint" in buttons(dispatcher)

    # Choosing to complain next keeps the feedback as what happened.
    t = tracker(text="Make a complaint", intent="make_complaint", slots={"issue_text": feedback})
    t.events[:0] = [{"event": "user", "text": feedback}, {"event": "action", "name": "action_triage"},
                    {"event": "slot", "name": "last_answer_topic", "value": "survey_feedback"}]
    events, _ = run(ActionTriage(), t)
    values = slot_sets(events)
    assert values["route"] == "complaint"
    assert values["issue_text"] == feedback


@pytest.mark.parametrize(("text", "kept"), [
    ("im complaining for my mum, her front door lock has been broken for weeks", True),
    ("complaining for my dad, the damp in his flat", True),
    ("can I complain for my mum?", False),
    ("I want to make a complaint on behalf of my sister", False),
])
def test_a_short_message_for_someone_that_names_the_problem_is_the_description(env, text, kept):
    from actions.triage import ActionStartComplaint

    events, _ = run(ActionStartComplaint(), tracker(text=text, intent="complain_for_someone"))
    assert (slot_sets(events).get("complaint_description") == text) is kept

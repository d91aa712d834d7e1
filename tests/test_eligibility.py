"""Who can complain, whose permission is needed, and what a person may need
to decide about accepting a complaint. The bot never refuses."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from housing.eligibility import (
    LABELS,
    eligibility,
    parse_consent,
    parse_relationship,
    possible_exclusions,
)
from housing.policy import ConsentForm
from housing.policy_loader import load_policy
from tests.policy_factory import make_policy

POLICIES = Path(__file__).resolve().parent.parent / "policies"
TODAY = date(2026, 11, 22)


def policy_file(name: str):
    policy, _warnings = load_policy(POLICIES / name)
    return policy


@pytest.mark.parametrize(("text", "expected"), [
    ("tenant", "tenant"),
    ("Tenant", "tenant"),
    ("im a tenant", "tenant"),
    ("i rent my flat from you", "tenant"),
    ("leaseholder", "leaseholder"),
    ("i'm a leaseholder", "leaseholder"),
    ("shared owner", "shared_owner"),
    ("i have a shared ownership flat", "shared_owner"),
    ("I'm not the tenant, I live with my partner", "occupant"),
    ("i'm a lodger", "occupant"),
    ("complaining for my mum", "representative"),
    ("im complaining on behalf of my dad", "representative"),
    ("Complaining for someone else", "representative"),
    ("my nan is the tenant", "representative"),
    ("I'm a councillor", "elected_member"),
    ("i'm an mp", "elected_member"),
    ("I own the house next door", "affected_neighbour"),
    ("Not a resident but affected", "affected_neighbour"),
    ("on the waiting list", "service_applicant"),
    ("licensee", "licensee"),
    # Typed option numbers follow the relationship question's buttons.
    ("1", "tenant"),
    ("2", "leaseholder"),
    ("3", "shared_owner"),
    ("4", "representative"),
    ("5", "affected_neighbour"),
    ("6", None),
    ("Other", None),
])
def test_parse_relationship(text, expected):
    assert parse_relationship(text) == expected


@pytest.mark.parametrize("relationship", [*LABELS, "other", "something unusual typed by a resident"])
@pytest.mark.parametrize("policy_name", ["default.yml", "seed-002.yml", "seed-003.yml", "example-scotland.yml"])
def test_eligibility_never_refuses(relationship, policy_name):
    result = eligibility(policy_file(policy_name), relationship)
    assert result.can_complain is True
    assert result.relationship == relationship
    assert result.explanation


@pytest.mark.parametrize("relationship", ["tenant", "leaseholder", "shared_owner", "licensee", "service_applicant",
                                          "affected_neighbour", "elected_member"])
def test_no_permission_needed_for_people_complaining_in_their_own_right(relationship):
    assert eligibility(make_policy(), relationship).needs_permission is None


def test_representative_needs_written_permission_under_the_default_policy():
    result = eligibility(policy_file("default.yml"), "representative")
    assert result.needs_permission == "written"
    assert "written permission" in result.explanation


def test_representative_needs_signed_permission_under_seed_002():
    result = eligibility(policy_file("seed-002.yml"), "representative")
    assert result.needs_permission == "signed"
    assert "signed permission" in result.explanation
    assert "written" not in result.explanation


def test_occupant_uses_the_tenant_permission_form_not_the_representative_one():
    seed_002 = policy_file("seed-002.yml")
    assert seed_002.representative_consent is ConsentForm.SIGNED
    assert seed_002.tenant_permission_form is ConsentForm.WRITTEN
    result = eligibility(seed_002, "occupant")
    assert result.needs_permission == "written"
    assert "tenant's written permission" in result.explanation


@pytest.mark.parametrize("form", list(ConsentForm))
def test_permission_forms_follow_the_policy(form):
    policy = make_policy(representative_consent=form, tenant_permission_form=form)
    assert eligibility(policy, "representative").needs_permission == form.value
    assert eligibility(policy, "occupant").needs_permission == form.value


def test_elected_member_explanation_mentions_new_complaint_and_enquiry():
    text = eligibility(make_policy(), "elected_member").explanation
    assert "new complaint" in text
    assert "enquiry" in text


@pytest.mark.parametrize(("text", "expected"), [
    ("Permission given", "given"),
    ("given", "given"),
    ("yes they signed it", "given"),
    ("Permission to follow", "pending"),
    ("will send it later", "pending"),
    ("not yet", "pending"),
    ("Not needed", "not_needed"),
    ("she has dementia", "not_needed"),
    ("he's under 18", "not_needed"),
    ("1", "given"),
    ("2", "pending"),
    ("3", "not_needed"),
    ("maybe", None),
])
def test_parse_consent(text, expected):
    assert parse_consent(text) == expected


@pytest.mark.parametrize(("text", "written", "verbal"), [
    ("my dad said it's fine for me to do it", "pending", "given"),
    ("he's ok with it", "pending", "given"),
    ("he agreed verbally on the phone", "pending", "given"),
    ("yes she said its ok", "pending", "given"),
    ("I'll ask him to sign something", "pending", "pending"),
    ("yes she signed the form and agreed", "given", "given"),
    ("she's in hospital and can't do it herself", "not_needed", "not_needed"),
])
def test_agreement_by_word_of_mouth_depends_on_the_policys_form(text, written, verbal):
    from housing.policy import ConsentForm

    assert parse_consent(text, ConsentForm.WRITTEN) == written
    assert parse_consent(text, ConsentForm.VERBAL) == verbal


# --- possible exclusions: flagged for a person, never a refusal


def test_no_exclusion_for_a_normal_recent_complaint():
    assert possible_exclusions(make_policy(), "The repairs team missed three appointments for my boiler.",
                               date(2026, 10, 1), TODAY) == []


def test_no_exclusion_when_the_date_is_unknown():
    assert possible_exclusions(make_policy(), "My boiler is still broken.", None, TODAY) == []


def test_older_than_the_default_12_month_window():
    policy = policy_file("default.yml")
    assert policy.exclusion_window_months == 12
    reasons = possible_exclusions(policy, "My boiler is still broken.", date(2025, 10, 1), TODAY)
    assert reasons == ["it may be more than 12 months old"]


def test_just_inside_the_12_month_window_is_not_flagged():
    assert possible_exclusions(policy_file("default.yml"), "boiler", date(2025, 11, 22), TODAY) == []
    assert possible_exclusions(policy_file("default.yml"), "boiler", date(2025, 11, 21), TODAY) == [
        "it may be more than 12 months old"]


def test_seed_003_uses_its_own_6_month_window():
    seed_003 = policy_file("seed-003.yml")
    assert seed_003.exclusion_window_months == 6
    eight_months_ago = date(2026, 3, 22)
    assert possible_exclusions(seed_003, "boiler", eight_months_ago, TODAY) == ["it may be more than 6 months old"]
    # The same date is inside the default policy's 12 months.
    assert possible_exclusions(policy_file("default.yml"), "boiler", eight_months_ago, TODAY) == []


@pytest.mark.parametrize(("description", "reason"), [
    ("I have started a disrepair claim against you", "legal proceedings may have started"),
    ("we are going to court about the damp next month", "legal proceedings may have started"),
    ("there's a court hearing in May about the disrepair", "legal proceedings may have started"),
    ("I've issued a claim in the county court", "legal proceedings may have started"),
    ("my solicitors letter was sent last week, taking legal action", "legal proceedings may have started"),
    ("i already complained about this and nothing changed", "the matter may have been considered before"),
    ("I complained about it before last year", "the matter may have been considered before"),
    ("i withdrew my complaint in june but the mould is back", "the complaint may have been withdrawn"),
])
def test_exclusion_cues_in_the_description(description, reason):
    assert possible_exclusions(make_policy(), description, date(2026, 11, 1), TODAY) == [reason]


@pytest.mark.parametrize("description", [
    "the communal heating in Jubilee Court has been off for a week",
    "I live at 4 Mill Court and the lift is broken",
    "the courtyard bins are never emptied",
    "the court flats have damp",
])
def test_a_block_called_court_is_not_legal_proceedings(description):
    assert possible_exclusions(make_policy(), description, date(2026, 11, 1), TODAY) == []


def test_several_exclusions_together():
    reasons = possible_exclusions(policy_file("seed-003.yml"), "we're going to court over it", date(2025, 1, 1),
                                  TODAY)
    assert reasons == ["it may be more than 6 months old", "legal proceedings may have started"]


def test_someone_living_in_the_home_needs_the_tenants_permission_only_where_the_policy_says_so():
    default = eligibility(policy_file("default.yml"), "occupant")
    assert default.can_complain and default.needs_permission is None
    assert "permission" not in default.explanation
    seed_002 = eligibility(policy_file("seed-002.yml"), "occupant")
    assert seed_002.needs_permission == "written" and "tenant's written permission" in seed_002.explanation


def test_labels_read_as_english():
    policy = policy_file("default.yml")
    assert eligibility(policy, "affected_neighbour").explanation.startswith("As someone affected")
    assert eligibility(policy, "tenant").explanation == "As a tenant you can make a complaint."

"""Tests for the policy files, the strict loader and the Code 2024 checks."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from housing.policy import ConsentForm, CountedFrom, Nation, Ombudsman
from housing.policy_check import (
    PolicyWarning,
    check_against_code,
    current_ombudsman,
    effective_ombudsman,
    outdated_routes,
    without_outdated_routes,
)
from housing.policy_loader import PolicyError, load_policy, parse_policy

POLICIES = Path(__file__).resolve().parent.parent / "policies"
POLICY_FILES = sorted(POLICIES.glob("*.yml"))
HOUSING_OMBUDSMAN_ADDRESS = "PO Box 1484, Unit D, Preston, PR2 0ET"


def default_data() -> dict:
    """The default policy as plain data, for tests to break."""
    return yaml.safe_load((POLICIES / "default.yml").read_text(encoding="utf-8"))


def timescales(policy) -> list[tuple]:
    """(number, acknowledge, respond, respond counted from, max extension) per stage."""
    return [
        (
            s.number,
            s.acknowledge.working_days,
            s.respond.working_days,
            s.respond.counted_from,
            s.max_extension_working_days,
        )
        for s in policy.stages
    ]


def sections(warnings: list[PolicyWarning]) -> list[str]:
    return [w.code_section for w in warnings]


# ------------------------------------------------------------------ the files


def test_the_expected_policy_files_exist():
    names = {p.name for p in POLICY_FILES}
    assert {
        "default.yml", "seed-000.yml", "seed-001.yml", "seed-002.yml", "seed-003.yml",
        "seed-004.yml", "example-scotland.yml", "example-wales.yml",
    } <= names


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_every_policy_file_loads(path):
    policy, warnings = load_policy(path)
    assert policy.landlord_name
    assert [s.number for s in policy.stages] == list(range(1, len(policy.stages) + 1))
    assert all(isinstance(w, PolicyWarning) for w in warnings)
    # Whatever the file says, residents are given a current, same-nation route.
    assert effective_ombudsman(policy) == policy.ombudsman
    assert not outdated_routes(" ".join(vars(policy.ombudsman).values()))


def test_default_policy_is_the_code_with_no_warnings():
    policy, warnings = load_policy(POLICIES / "default.yml")
    assert warnings == []
    assert policy.nation is Nation.ENGLAND
    assert timescales(policy) == [
        (1, 5, 10, CountedFrom.ACKNOWLEDGED, 10),
        (2, 5, 20, CountedFrom.ACKNOWLEDGED, 20),
    ]
    assert policy.exclusion_window_months == 12
    assert policy.ombudsman == current_ombudsman(Nation.ENGLAND)
    assert policy.ombudsman.address == HOUSING_OMBUDSMAN_ADDRESS
    assert policy.bot_confirmation_is_acknowledgement is False
    hours = policy.opening_hours.hours
    assert sorted(hours) == [0, 1, 2, 3, 4]
    assert str(hours[0][0]) == "09:00:00" and str(hours[4][1]) == "17:00:00"


def test_seed_000_uses_code_defaults():
    policy, warnings = load_policy(POLICIES / "seed-000.yml")
    assert warnings == []
    assert timescales(policy) == [
        (1, 5, 10, CountedFrom.ACKNOWLEDGED, 10),
        (2, 5, 20, CountedFrom.ACKNOWLEDGED, 20),
    ]
    assert policy.exclusion_window_months == 12


def test_seed_001_counts_from_receipt_and_acknowledges_next_day():
    policy, warnings = load_policy(POLICIES / "seed-001.yml")
    assert warnings == []
    assert timescales(policy) == [
        (1, 1, 10, CountedFrom.RECEIVED, 10),
        (2, 5, 20, CountedFrom.RECEIVED, 20),
    ]
    assert policy.phone == "0300 456 9996"
    assert policy.elected_member_new_matter == "complaint"
    assert policy.elected_member_enquiry == "enquiry"


def test_seed_002_permissions_exclusions_and_adjustments():
    policy, warnings = load_policy(POLICIES / "seed-002.yml")
    assert warnings == []
    assert timescales(policy) == [
        (1, 5, 10, CountedFrom.ACKNOWLEDGED, 10),
        (2, 5, 20, CountedFrom.ACKNOWLEDGED, 20),
    ]
    assert policy.tenant_permission_form is ConsentForm.WRITTEN
    assert policy.representative_consent is ConsentForm.SIGNED
    assert len(policy.permission_needed_from_tenant) == 1
    without = " ".join(policy.representative_without_consent)
    assert "child" in without and "unable" in without
    eligible = " ".join(policy.who_can_complain)
    assert "homeowners" in eligible and "private tenants" in eligible
    other = " ".join(policy.exclusions)
    assert "statutory right of appeal" in other and "internal review" in other
    assert len(policy.reasonable_adjustments) == 5
    assert any("Braille" in a for a in policy.reasonable_adjustments)
    assert "advocacy" in policy.advocacy
    assert policy.stage(2).handled_by == "the service director"


def test_seed_003_loads_with_warnings_and_the_current_ombudsman():
    policy, warnings = load_policy(POLICIES / "seed-003.yml")
    assert timescales(policy)[0][:3] == (1, 4, 10)
    assert policy.stage(2).name == "Review"
    assert policy.exclusion_window_months == 6
    fields = {w.field for w in warnings}
    assert "exclusions.window_months" in fields
    assert "ombudsman.address" in fields
    assert "ombudsman.how_to_refer" in fields
    text = " ".join(w.message for w in warnings)
    assert "Exchange Tower" in text and "designated person" in text and "8-week" in text
    assert any("2.3" in s for s in sections(warnings))
    assert effective_ombudsman(policy) == current_ombudsman(Nation.ENGLAND)
    assert policy.ombudsman.address == HOUSING_OMBUDSMAN_ADDRESS
    assert "designated" not in policy.ombudsman.how_to_refer
    assert "8 weeks" not in policy.ombudsman.how_to_refer


def test_seed_004_next_day_contact_and_compensation():
    policy, warnings = load_policy(POLICIES / "seed-004.yml")
    assert warnings == []
    assert timescales(policy) == [
        (1, 1, 10, CountedFrom.RECEIVED, 10),
        (2, 5, 20, CountedFrom.ACKNOWLEDGED, 20),
    ]
    assert "£250 a week" in policy.compensation_summary
    assert "cannot promise" in policy.compensation_summary
    assert any("service applicants" in who for who in policy.who_can_complain)
    assert "senior manager" in policy.stage(2).handled_by


def test_scotland_example_uses_the_spso_model():
    policy, warnings = load_policy(POLICIES / "example-scotland.yml")
    assert warnings == []  # the Code 2024 is England's; the SPSO's 6 months is fine
    assert policy.nation is Nation.SCOTLAND
    assert timescales(policy)[0][2] == 5
    assert timescales(policy)[1][1:3] == (3, 20)
    assert policy.ombudsman.name == "Scottish Public Services Ombudsman"


def test_wales_example_uses_the_welsh_ombudsman():
    policy, warnings = load_policy(POLICIES / "example-wales.yml")
    assert warnings == []
    assert policy.nation is Nation.WALES
    assert policy.ombudsman.email == "ask@ombudsman.wales"


# ------------------------------------------------------------ malformed files


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_error(tmp_path: Path, data: dict) -> PolicyError:
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(path) in str(caught.value)  # names the file
    return caught.value


def test_missing_landlord_name(tmp_path):
    data = default_data()
    del data["landlord"]["name"]
    err = load_error(tmp_path, data)
    assert err.field == "landlord.name"
    assert "landlord.name" in str(err) and "missing" in str(err)


def test_unknown_nation(tmp_path):
    data = default_data()
    data["landlord"]["nation"] = "france"
    err = load_error(tmp_path, data)
    assert err.field == "landlord.nation"
    assert "france" in str(err) and "northern_ireland" in str(err)


def test_working_days_written_as_a_word(tmp_path):
    data = default_data()
    data["stages"][1]["respond"]["working_days"] = "ten"
    err = load_error(tmp_path, data)
    assert err.field == "stages[1].respond.working_days"
    assert "whole number of working days" in str(err) and "'ten'" in str(err)


def test_misspelt_top_level_key(tmp_path):
    data = default_data()
    data["stagess"] = data.pop("stages")
    err = load_error(tmp_path, data)
    assert err.field == "stagess"
    assert "did you mean 'stages'" in str(err)


def test_impossible_closure_date(tmp_path):
    path = tmp_path / "broken.yml"
    text = (POLICIES / "default.yml").read_text(encoding="utf-8")
    path.write_text(text.replace("closure_days: []", "closure_days: [2026-02-30]"), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.field == "closure_days[0]"
    assert "2026-02-30" in str(caught.value)


def test_closure_dates_are_read(tmp_path):
    path = tmp_path / "ok.yml"
    text = (POLICIES / "default.yml").read_text(encoding="utf-8")
    path.write_text(
        text.replace("closure_days: []", "closure_days: [2026-12-30, 2026-12-29]"), encoding="utf-8"
    )
    policy, _ = load_policy(path)
    assert [d.isoformat() for d in policy.closure_days] == ["2026-12-29", "2026-12-30"]


@pytest.mark.parametrize("hours", ["9am-5pm", "09:00-25:00", "17:00-09:00", "09:00", 9])
def test_bad_opening_hours(tmp_path, hours):
    data = default_data()
    data["opening_hours"]["tuesday"] = hours
    err = load_error(tmp_path, data)
    assert err.field == "opening_hours.tuesday"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["stages"][1].__setitem__("number", 3), "stages[1].number"),
        (lambda d: d["stages"][0]["respond"].__setitem__("from", "sent"), "stages[0].respond.from"),
        (lambda d: d["stages"][0]["acknowledge"].__setitem__("from", "acknowledged"),
         "stages[0].acknowledge.from"),
        (lambda d: d["representatives"].__setitem__("consent", "emailed"), "representatives.consent"),
        (lambda d: d["opening_hours"].__setitem__("mondy", "closed"), "opening_hours.mondy"),
        (lambda d: d["contact"].__setitem__("phone", 3004569996), "contact.phone"),
        (lambda d: d.__setitem__("bot_confirmation_is_acknowledgement", "yes please"),
         "bot_confirmation_is_acknowledgement"),
        (lambda d: d["stages"][0].__setitem__("max_extension_working_days", -1),
         "stages[0].max_extension_working_days"),
    ],
)
def test_other_malformed_fields_are_named(tmp_path, change, field):
    data = default_data()
    change(data)
    assert load_error(tmp_path, data).field == field


def test_repeated_key_and_bad_yaml_are_errors(tmp_path):
    path = tmp_path / "dup.yml"
    path.write_text("landlord: {name: A, nation: england}\nlandlord: {name: B}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="given twice"):
        load_policy(path)
    path.write_text("landlord: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(path)
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy(tmp_path / "missing.yml")


def test_parse_policy_names_the_source():
    with pytest.raises(PolicyError, match=r"^inline: \(top level\)"):
        parse_policy(["not", "a", "mapping"], "inline")  # type: ignore[arg-type]


# ------------------------------------------------------------- Code breaches


def warnings_for(change) -> list[PolicyWarning]:
    data = default_data()
    change(data)
    _, warnings = parse_policy(data, "test")
    return warnings


@pytest.mark.parametrize(
    ("change", "field", "section"),
    [
        (lambda d: d["stages"][0]["acknowledge"].__setitem__("working_days", 6),
         "stages[0].acknowledge.working_days", "Code 2024 6.2"),
        (lambda d: d["stages"][0]["respond"].__setitem__("working_days", 11),
         "stages[0].respond.working_days", "Code 2024 6.3"),
        (lambda d: d["stages"][0].__setitem__("max_extension_working_days", 15),
         "stages[0].max_extension_working_days", "Code 2024 6.4"),
        (lambda d: d["stages"][1]["acknowledge"].__setitem__("working_days", 6),
         "stages[1].acknowledge.working_days", "Code 2024 6.11"),
        (lambda d: d["stages"][1]["respond"].__setitem__("working_days", 21),
         "stages[1].respond.working_days", "Code 2024 6.14"),
        (lambda d: d["stages"][1].__setitem__("max_extension_working_days", 25),
         "stages[1].max_extension_working_days", "Code 2024 6.15"),
        (lambda d: d["exclusions"].__setitem__("window_months", 6),
         "exclusions.window_months", "Code 2024 2.3"),
        (lambda d: d["stages"].append({**d["stages"][1], "number": 3, "name": "Panel"}),
         "stages[2]", "Code 2024 5.3"),
        (lambda d: d.__setitem__("advocacy", "Ask your designated person, an MP or councillor."),
         "advocacy", "Code 2024 section 3"),
        (lambda d: d.__setitem__("ombudsman", {"address": "Exchange Tower, London, E14 9GE"}),
         "ombudsman.address", "Code 2024 section 3"),
        (lambda d: d.__setitem__("compensation", "You must wait eight weeks before the Ombudsman."),
         "compensation", "Code 2024 section 3"),
    ],
)
def test_each_code_breach_is_a_warning_naming_the_section(change, field, section):
    warnings = warnings_for(change)
    matching = [w for w in warnings if w.field == field]
    assert matching, warnings
    assert matching[0].code_section.startswith(section)


def test_stricter_timescales_are_not_breaches():
    def stricter(d: dict) -> None:
        d["stages"][0]["acknowledge"]["working_days"] = 1
        d["stages"][0]["respond"] = {"working_days": 10, "from": "received"}
        d["stages"][1]["respond"] = {"working_days": 20, "from": "received"}
        d["exclusions"]["window_months"] = 24

    assert warnings_for(stricter) == []


def test_one_stage_only_is_a_warning():
    warnings = warnings_for(lambda d: d.__setitem__("stages", d["stages"][:1]))
    assert [w.field for w in warnings] == ["stages"]


def test_outdated_ombudsman_is_replaced_with_the_current_one():
    _, warnings = parse_policy(
        {**default_data(), "ombudsman": {"address": "Exchange Tower, Harbour Exchange Square"}}, "t"
    )
    assert any(w.field == "ombudsman" and "current details" in w.message for w in warnings)
    policy, _ = parse_policy(
        {**default_data(), "ombudsman": {"address": "Exchange Tower, Harbour Exchange Square"}}, "t"
    )
    assert policy.ombudsman.address == HOUSING_OMBUDSMAN_ADDRESS


def test_outdated_sentences_are_dropped_from_text_read_to_residents():
    policy, warnings = parse_policy(
        {**default_data(), "advocacy": "Citizens Advice can help. Or ask your designated person."}, "t"
    )
    assert policy.advocacy == "Citizens Advice can help."
    assert {w.field for w in warnings} == {"advocacy"}


def test_wrong_nation_ombudsman_is_a_warning_and_replaced():
    data = default_data()
    data["landlord"]["nation"] = "scotland"
    data["ombudsman"] = {"name": "Housing Ombudsman Service", "website": "https://www.housing-ombudsman.org.uk"}
    policy, warnings = parse_policy(data, "t")
    assert any(w.field == "ombudsman" and "Scottish Public Services Ombudsman" in w.message for w in warnings)
    assert policy.ombudsman == current_ombudsman(Nation.SCOTLAND)


def test_effective_ombudsman_on_a_hand_built_policy():
    policy, _ = load_policy(POLICIES / "default.yml")
    old = Ombudsman(
        name="Housing Ombudsman Service",
        phone="0300 111 3000",
        email="info@housing-ombudsman.org.uk",
        address="Exchange Tower, Harbour Exchange Square, London, E14 9GE",
        website="https://www.housing-ombudsman.org.uk",
    )
    stale = replace(policy, ombudsman=old)
    assert effective_ombudsman(stale) == current_ombudsman(Nation.ENGLAND)
    assert any(w.field == "ombudsman.address" for w in check_against_code(stale, {}))
    assert effective_ombudsman(policy) is policy.ombudsman


def test_outdated_route_detection():
    assert outdated_routes("Wait 8 weeks from our last response, then contact the ombudsman.")
    assert outdated_routes("Ask a designated person to refer it.")
    assert not outdated_routes("We pay £250 a week for temporary accommodation.")
    assert not outdated_routes("Repairs are done within 8 weeks.")
    assert without_outdated_routes("Keep this. Ask your designated person.") == "Keep this."

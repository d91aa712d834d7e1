"""Read a landlord's policy file (YAML) into a `Policy`, strictly.

`load_policy(path)` reads the file; `parse_policy(data, source)` builds the
`Policy` from already-loaded data. A malformed file raises `PolicyError`
naming the file and the field by its dotted path, e.g.
``policies/x.yml: stages[1].respond.working_days: must be a whole number of
working days, got 'ten'``. Values that load but breach the Complaint Handling
Code come back as `PolicyWarning`s (see `policy_check`). An outdated or
wrong-nation ombudsman route is replaced by the current one for the nation,
and sentences describing an abolished route are dropped from the text read to
residents, each with a warning. The layout is documented in
``policies/default.yml``.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import replace
from datetime import date, time
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from housing.policy import (
    ConsentForm,
    CountedFrom,
    Nation,
    Ombudsman,
    OpeningHours,
    Policy,
    Stage,
    Timescale,
)
from housing.policy_check import (
    OMBUDSMAN_SECTION,
    PolicyWarning,
    check_against_code,
    current_ombudsman,
    effective_ombudsman,
    ombudsman_problems,
    without_outdated_routes,
)

__all__ = ["PolicyError", "PolicyWarning", "load_policy", "parse_policy"]

E = TypeVar("E", bound=Enum)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ELECTED_MEMBER_HANDLING = ("complaint", "enquiry", "service_request")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PolicyError(ValueError):
    """The policy file is malformed; the message names the file and field."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        super().__init__(f"{source}: {field}: {problem}")
        self.source = source
        self.field = field
        self.problem = problem


class _FieldError(Exception):
    """Raised while parsing; `parse_policy` adds the source file."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.field = field
        self.problem = problem


class _PolicyYamlLoader(yaml.SafeLoader):
    """A SafeLoader that keeps dates as text (so a bad date is reported by
    field, not as a YAML crash) and rejects repeated keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the field '{key}' is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_PolicyYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# ---------------------------------------------------------------- primitives


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(
    value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
) -> dict:
    """`value` as a dict with only `allowed` keys and every `required` one."""
    if not isinstance(value, dict):
        raise _FieldError(path or "(top level)", f"must be a set of fields, got {_show(value)}")
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise _FieldError(
                _join(path, str(key)),
                f"unknown field{hint} (allowed here: {', '.join(allowed)})",
            )
    for key in required:
        if key not in value or value[key] is None:
            raise _FieldError(_join(path, key), "is required but missing")
    return value


def _text(value: Any, path: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _FieldError(path, f"must be text (put it in quotes), got {_show(value)}")
    text = " ".join(value.split())
    if required and not text:
        raise _FieldError(path, "must not be empty")
    return text


def _text_list(value: Any, path: str, *, required: bool = False) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise _FieldError(path, f"must be a list (one '- item' per line), got {_show(value)}")
    if required and not value:
        raise _FieldError(path, "must list at least one entry")
    return tuple(_text(item, f"{path}[{i}]") for i, item in enumerate(value))


def _whole_number(value: Any, path: str, what: str, *, minimum: int) -> int:
    """`value` as an int >= `minimum`; `what` is the unit, e.g. "working days"."""
    unit = f" of {what}" if what else ""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _FieldError(path, f"must be a whole number{unit}, got {_show(value)}")
    if value < minimum:
        raise _FieldError(path, f"must be at least {minimum} {what}".rstrip() + f", got {value}")
    return value


def _choice(value: Any, path: str, enum: type[E]) -> E:
    options = [member.value for member in enum]
    word = value.strip().lower().replace(" ", "_") if isinstance(value, str) else value
    if word not in options:
        raise _FieldError(path, f"must be one of {', '.join(options)}; got {_show(value)}")
    return enum(word)


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _FieldError(path, f"must be true or false, got {_show(value)}")
    return value


def _date(value: Any, path: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as err:
            raise _FieldError(path, f"is not a real date: {value!r} ({err})") from None
    raise _FieldError(path, f"must be a date written YYYY-MM-DD, got {_show(value)}")


def _clock(hours: str, minutes: str, path: str, raw: str) -> time:
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise _FieldError(path, f"has an impossible time in {raw!r}") from None


# ---------------------------------------------------------------- sections


def _day_hours(raw: Any, path: str) -> tuple[time, time] | None:
    """"09:00-17:00", "24 hours" (or "00:00-24:00") or "closed" (None)."""
    text = raw.strip().lower() if isinstance(raw, str) else None
    if text == "closed":
        return None
    if text in ("24 hours", "24h", "00:00-24:00"):
        return time.min, time.max
    match = _HOURS.match(text) if text else None
    if not match:
        raise _FieldError(
            path, f"must be opening-closing time like \"09:00-17:00\", \"24 hours\" or closed; got {_show(raw)}"
        )
    opens = _clock(match[1], match[2], path, raw)
    closes = time.max if (match[3], match[4]) == ("24", "00") else _clock(match[3], match[4], path, raw)
    if opens >= closes:
        raise _FieldError(path, f"opening time must be before closing time, got {raw!r}")
    return opens, closes


def _opening_hours(value: Any, path: str) -> OpeningHours:
    days = _mapping(value, path, (*WEEKDAYS, "bank_holidays"))
    hours: dict[int, tuple[time, time]] = {}
    for key, raw in days.items():
        if key == "bank_holidays":
            continue
        day_hours = _day_hours(raw, _join(path, key))
        if day_hours is not None:
            hours[WEEKDAYS.index(key)] = day_hours
    if not hours:
        raise _FieldError(path, "at least one day must have opening hours")
    bank_holidays = _day_hours(days["bank_holidays"], _join(path, "bank_holidays")) \
        if "bank_holidays" in days else None
    return OpeningHours(hours=dict(sorted(hours.items())), bank_holidays=bank_holidays)


def _timescale(value: Any, path: str, *, acknowledgement: bool) -> Timescale:
    fields = _mapping(value, path, ("working_days", "from"), ("working_days", "from"))
    days = _whole_number(fields["working_days"], _join(path, "working_days"), "working days", minimum=1)
    counted_from = _choice(fields["from"], _join(path, "from"), CountedFrom)
    if acknowledgement and counted_from is not CountedFrom.RECEIVED:
        raise _FieldError(_join(path, "from"), "an acknowledgement is counted from received")
    return Timescale(working_days=days, counted_from=counted_from)


def _stages(value: Any, path: str) -> tuple[Stage, ...]:
    if not isinstance(value, list) or not value:
        raise _FieldError(path, "must list the complaint stages, starting with stage 1")
    stages = []
    for index, raw in enumerate(value):
        at = f"{path}[{index}]"
        fields = _mapping(
            raw,
            at,
            ("number", "name", "handled_by", "acknowledge", "respond", "max_extension_working_days"),
            ("number", "name", "acknowledge", "respond", "max_extension_working_days"),
        )
        number = _whole_number(fields["number"], _join(at, "number"), "", minimum=1)
        if number != index + 1:
            raise _FieldError(
                _join(at, "number"),
                f"stages must be numbered 1, 2, ... in order; expected {index + 1}, got {number}",
            )
        stages.append(
            Stage(
                number=number,
                name=_text(fields["name"], _join(at, "name")),
                handled_by=_text(fields.get("handled_by"), _join(at, "handled_by"), required=False),
                acknowledge=_timescale(fields["acknowledge"], _join(at, "acknowledge"), acknowledgement=True),
                respond=_timescale(fields["respond"], _join(at, "respond"), acknowledgement=False),
                max_extension_working_days=_whole_number(
                    fields["max_extension_working_days"],
                    _join(at, "max_extension_working_days"),
                    "working days",
                    minimum=0,
                ),
            )
        )
    return tuple(stages)


def _ombudsman(value: Any, path: str, nation: Nation) -> Ombudsman:
    """The nation's current ombudsman with any fields the file overrides."""
    base = current_ombudsman(nation)
    if value is None:
        return base
    names = ("name", "phone", "email", "address", "website", "how_to_refer")
    fields = _mapping(value, path, names)
    overrides = {key: _text(fields[key], _join(path, key), required=False) for key in fields}
    return replace(base, **overrides)


def _elected(value: Any, path: str, key: str, default: str) -> str:
    if value is None:
        return default
    word = _text(value, _join(path, key)).lower()
    if word not in ELECTED_MEMBER_HANDLING:
        raise _FieldError(
            _join(path, key), f"must be one of {', '.join(ELECTED_MEMBER_HANDLING)}; got {value!r}"
        )
    return word


_TOP_LEVEL = (
    "landlord", "contact", "opening_hours", "closure_days", "stages", "exclusions",
    "who_can_complain", "representatives", "elected_members", "ombudsman",
    "compensation", "bot_confirmation_is_acknowledgement", "reasonable_adjustments",
    "advocacy",
)
_REQUIRED = ("landlord", "contact", "opening_hours", "stages", "who_can_complain", "representatives")


def _build(data: Any) -> Policy:
    top = _mapping(data, "", _TOP_LEVEL, _REQUIRED)
    landlord = _mapping(top["landlord"], "landlord", ("name", "nation"), ("name", "nation"))
    nation = _choice(landlord["nation"], "landlord.nation", Nation)
    contact = _mapping(
        top["contact"], "contact",
        ("phone", "email", "website", "channels", "emergency_repairs_phone"),
        ("phone", "channels"),
    )
    exclusions = _mapping(top.get("exclusions") or {}, "exclusions", ("window_months", "other"))
    who = _mapping(
        top["who_can_complain"], "who_can_complain",
        ("eligible", "needs_permission_from_tenant", "permission_form"), ("eligible",),
    )
    reps = _mapping(
        top["representatives"], "representatives", ("consent", "without_consent_when"), ("consent",)
    )
    elected = _mapping(top.get("elected_members") or {}, "elected_members", ("new_matter", "enquiry"))
    closure_raw = top.get("closure_days") or []
    if not isinstance(closure_raw, list):
        raise _FieldError("closure_days", f"must be a list of dates (YYYY-MM-DD), got {_show(closure_raw)}")
    eligible = _text_list(who["eligible"], "who_can_complain.eligible", required=True)
    with_permission = _text_list(
        who.get("needs_permission_from_tenant"), "who_can_complain.needs_permission_from_tenant"
    )
    both = set(eligible) & set(with_permission)
    if both:
        raise _FieldError(
            "who_can_complain.needs_permission_from_tenant",
            f"{sorted(both)[0]!r} is also listed under eligible; list it in one place only",
        )
    without_consent = reps.get("without_consent_when")
    return Policy(
        landlord_name=_text(landlord["name"], "landlord.name"),
        nation=nation,
        phone=_text(contact["phone"], "contact.phone"),
        email=_text(contact.get("email"), "contact.email", required=False),
        website=_text(contact.get("website"), "contact.website", required=False),
        channels=_text_list(contact["channels"], "contact.channels", required=True),
        emergency_repairs_phone=_text(
            contact.get("emergency_repairs_phone"), "contact.emergency_repairs_phone", required=False
        ),
        opening_hours=_opening_hours(top["opening_hours"], "opening_hours"),
        closure_days=tuple(sorted({_date(d, f"closure_days[{i}]") for i, d in enumerate(closure_raw)})),
        stages=_stages(top["stages"], "stages"),
        exclusion_window_months=_whole_number(
            exclusions.get("window_months", 12), "exclusions.window_months", "months", minimum=1
        ),
        exclusions=_text_list(exclusions.get("other"), "exclusions.other"),
        who_can_complain=eligible,
        permission_needed_from_tenant=with_permission,
        tenant_permission_form=_choice(
            who.get("permission_form", "written"), "who_can_complain.permission_form", ConsentForm
        ),
        representative_consent=_choice(reps["consent"], "representatives.consent", ConsentForm),
        representative_without_consent=(
            ("the resident is a child", "the resident is unable to complain themselves")
            if without_consent is None
            else _text_list(without_consent, "representatives.without_consent_when")
        ),
        elected_member_new_matter=_elected(elected.get("new_matter"), "elected_members", "new_matter", "complaint"),
        elected_member_enquiry=_elected(elected.get("enquiry"), "elected_members", "enquiry", "enquiry"),
        ombudsman=_ombudsman(top.get("ombudsman"), "ombudsman", nation),
        compensation_summary=_text(top.get("compensation"), "compensation", required=False),
        bot_confirmation_is_acknowledgement=_flag(
            top.get("bot_confirmation_is_acknowledgement", False), "bot_confirmation_is_acknowledgement"
        ),
        reasonable_adjustments=_text_list(top.get("reasonable_adjustments"), "reasonable_adjustments"),
        advocacy=_text(top.get("advocacy"), "advocacy", required=False),
    )


# ---------------------------------------------------------------- protection


def _protect_residents(policy: Policy) -> tuple[Policy, list[PolicyWarning]]:
    """Replace an outdated or wrong-nation ombudsman and drop abolished routes
    from the text residents are read; one warning per change."""
    warnings: list[PolicyWarning] = []
    problems = ombudsman_problems(policy)
    if problems:
        current = effective_ombudsman(policy)
        warnings.append(
            PolicyWarning(
                "ombudsman",
                OMBUDSMAN_SECTION,
                f"the configured ombudsman details are not given to residents ({len(problems)} "
                f"outdated or wrong-nation route(s), see the other warnings); they are given "
                f"the current details instead: {current.name}, {current.address or current.website}",
            )
        )
        policy = replace(policy, ombudsman=current)
    changes: dict[str, Any] = {}
    for name, path in (("compensation_summary", "compensation"), ("advocacy", "advocacy")):
        text = getattr(policy, name)
        cleaned = without_outdated_routes(text)
        if cleaned != text:
            changes[name] = cleaned
            warnings.append(
                PolicyWarning(path, OMBUDSMAN_SECTION, "sentences describing an abolished route were left out")
            )
    for name, path in (
        ("reasonable_adjustments", "reasonable_adjustments"),
        ("exclusions", "exclusions.other"),
    ):
        items = getattr(policy, name)
        kept = tuple(item for item in items if without_outdated_routes(item) == item)
        if kept != items:
            changes[name] = kept
            warnings.append(
                PolicyWarning(path, OMBUDSMAN_SECTION, "entries describing an abolished route were left out")
            )
    return (replace(policy, **changes) if changes else policy), warnings


# ---------------------------------------------------------------- entry points


def parse_policy(data: dict, source: str) -> tuple[Policy, list[PolicyWarning]]:
    """Build a `Policy` from loaded YAML data; `source` names it in errors.

    Raises PolicyError for a malformed policy; returns the Code warnings.
    """
    try:
        policy = _build(data)
    except _FieldError as err:
        raise PolicyError(source, err.field, err.problem) from None
    warnings = check_against_code(policy, data)
    policy, protections = _protect_residents(policy)
    return policy, warnings + protections


def load_policy(path: Path) -> tuple[Policy, list[PolicyWarning]]:
    """Read and check the policy file at `path`.

    Raises PolicyError if the file is missing, is not YAML or is malformed.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(source, "(file)", f"cannot be read: {err.strerror or err}") from None
    try:
        data = yaml.load(text, Loader=_PolicyYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        raise PolicyError(source, "(file)", f"is not valid YAML: {err}") from None
    if data is None:
        raise PolicyError(source, "(file)", "is empty")
    return parse_policy(data, source)

"""Validation of the details every form shares: name, contact, postcode,
contact preference. Mixed into the complaint, service-request and callback
forms so each asks and checks them the same way.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from housing.answers import POSTCODE, parse_email, parse_postcode, parse_uk_phone
from housing.triage import triage

_SKIP = re.compile(r"^\s*(skip|none|no|n/a|rather not|prefer not)\b", re.I)
_POSTCODE_FILLER = re.compile(r"\b(my|the|our|post ?code|is|it'?s|it is|thanks?|thank you|please|pls)\b", re.I)


def postcode_and_address(text: str | None) -> tuple[str | None, str | None]:
    """The postcode slot as (postcode, address): a full address keeps its text
    as the address and still gives the postcode in it, so the resident can
    later be verified by postcode."""
    text = (text or "").strip()
    if not text:
        return None, None
    if text.startswith(ADDRESS_TO_CHECK):  # "don't know": the resident's words, for the team
        return None, text
    if len(text) <= 8:
        return parse_postcode(text) or text, None
    return parse_postcode(text), text


NOT_A_NAME = re.compile(
    r"[0-9@?<>{}\[\]=/\\]|^(why|what|how|who|hello|hi|hey|sorry|ok|okay|yes|no|none|dunno|idk|huh|pardon|"
    r"help|stop|thanks?|thank you|maybe|email|phone|text|tenant|leaseholder|me|myself|the tenant|service request|"
    r"complaint|log a service request|make a complaint|report a problem)\W*$|"
    r"\b(i'?m|i am|my name is not|tenant|complain\w*|reported|times?|nobody|never|broken|leak\w*|repair\w*|since|"
    r"every|ago|yesterday|last (week|month|night|year))\b",
    re.I)
MAX_NAME_WORDS = 5
NO_CONTACT = re.compile(
    r"(\b(no|not|don'?t|dont|haven'?t|havent|without|never) (got |have |use |own )?(a |an |any )?(phone|mobile|email|"
    r"e-mail|internet|computer)|\bby (post|letter)|\bwrite to me|\bletter please|^\s*(none|no|n/a|skip)\s*$)", re.I)
_ADDRESS = re.compile(
    r"\b(flat|apartment|apt|house|\d+[a-z]?)\b[^\n]*\b(road|rd|street|st|lane|ln|avenue|ave|close|drive|dr|way|court|"
    r"ct|crescent|place|gardens|grove|terrace|walk|square|hill|row|mews|parade|rise|view|green|park|estate|"
    r"house|tower|block|heights)\b", re.I)


# A building or estate named without a number: "Jubilee Court, Riverside Road".
_PLACE = re.compile(
    r"^[a-z][a-z'’.-]+( [a-z'’.-]+)* (court|house|tower|heights|estate|gardens|mews|lodge|place|road|street|"
    r"lane|avenue|close|drive|way|crescent|grove|terrace|walk|square|row|parade|rise|view|green|park|block)\b",
    re.I)
NO_POSTCODE = re.compile(
    r"(\b(don'?t|dont|do not|not) (know|sure|remember)|\bdunno\b|\bidk\b|\bno (post ?code|fixed address|"
    r"address)\b|(isn'?t|is not|there'?s no|there is no|haven'?t got|havent got|don'?t have|dont have) (a |an |one |"
    r"any )?(single |one )?(post ?code|address)|^\s*(none|no|n/a|skip|not sure|homeless)\W*$|whole (block|estate|"
    r"building))", re.I)
ADDRESS_TO_CHECK = "not given (address to check with the resident)"


def looks_like_a_place(text: str) -> bool:
    """The name of a building, street or estate, e.g. "Jubilee Court, Riverside Road"."""
    return bool(_PLACE.search((text or "").strip()))


def looks_like_address(text: str) -> bool:
    """A street address without a postcode, e.g. "Flat 3, 12 Park Road, Leeds"."""
    return bool(_ADDRESS.search(text or ""))


class ContactDetailsMixin:
    def validate_resident_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: dict) -> dict[str, Any]:
        name = re.sub(r"^\s*(my name is|my name's|i am|i'm|im|it's|its|this is|name:?)\s+", "", str(value or ""),
                      flags=re.I).strip(" .!")
        misses = int(tracker.get_slot("fallback_count") or 0)
        if misses < 2 and (len(name) < 2 or len(name) > 120 or len(name.split()) > MAX_NAME_WORDS
                           or NOT_A_NAME.search(name)):
            if triage(None, name).is_complaint:
                # "actually this is the third time I've reported it": say they can complain (Code 1.3)
                dispatcher.utter_message(text="I'm sorry this has happened again. As it's a repeated problem, you "
                                              "can make a complaint instead: just say 'make a complaint'. Otherwise, "
                                              "what is your full name?")
            else:
                dispatcher.utter_message(text="Sorry, I didn't catch your name. Please type your full name, for "
                                              "example 'Jane Smith'.")
            return {"resident_name": None, "fallback_count": misses + 1}
        # after two tries whatever was typed is kept (never a block): a person can check it
        return {"resident_name": name[:120], "fallback_count": 0}

    def validate_contact_detail(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict[str, Any]:
        text = str(value or "")
        email = parse_email(text)
        if email:
            return {"contact_detail": email}
        phone = parse_uk_phone(text)
        if phone:
            return {"contact_detail": phone}
        if NO_CONTACT.search(text):
            dispatcher.utter_message(text="That's fine. We'll write to you at your address instead.")
            return {"contact_detail": "none (write to the address)"}
        dispatcher.utter_message(
            text="That doesn't look like an email address or a UK phone number. Please type an email such as "
                 "name@example.com, or a phone number such as 07700 900123.")
        return {"contact_detail": None}

    def validate_postcode(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        postcode = parse_postcode(text)
        if postcode:
            # "my postcode is ls14ap" is the postcode; a full address is kept whole.
            rest = _POSTCODE_FILLER.sub("", POSTCODE.sub("", text)).strip(" .,:;!-")
            return {"postcode": postcode if not rest else text[:300], "fallback_count": 0}
        if looks_like_address(text):  # "don't know the postcode, it's 12 Oak Road" is an address
            return {"postcode": text[:300], "fallback_count": 0}
        if NO_POSTCODE.search(text):
            no_contact = (tracker.get_slot("contact_detail") or "").startswith("none")
            if no_contact and not tracker.get_slot("fallback_count"):
                # no phone, no email and no address: nobody could reach them
                dispatcher.utter_message(text="As we can't phone or email you, we need an address to write to. "
                                              "Please type your address, or 'talk to a person' and our team will "
                                              "help.")
                return {"postcode": None, "fallback_count": 1}
            dispatcher.utter_message(text="That's fine: a member of our team will check the address with you.")
            return {"postcode": f"{ADDRESS_TO_CHECK}: {text[:250]}", "fallback_count": 0}
        if looks_like_a_place(text):
            return {"postcode": text[:300], "fallback_count": 0}
        dispatcher.utter_message(text="Sorry, I couldn't read that postcode. Please type it like SW1A 1AA, or the "
                                      "address or name of your building or estate, or 'don't know'.")
        return {"postcode": None}

    def validate_contact_preference(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        return {"contact_preference": "no preference" if _SKIP.search(text) else text[:300]}

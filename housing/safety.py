"""Spot danger in a resident's message so the emergency route comes first.

Pure keyword rules on purpose: they work the same whatever the NLU model
predicts, so a gas smell is never missed because of a low intent confidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Emergency:
    kind: str  # gas | fire | flooding | electrics | danger


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("gas", re.compile(r"\b(smell(s|ing)? (of )?gas|gas (smell|leak|leaking)|carbon monoxide|co alarm)\b")),
    ("fire", re.compile(r"\b(fire|on fire|smoke (is )?(coming|everywhere|pouring)|burning smell|flames?)\b")),
    ("flooding", re.compile(
        r"\b(flood(ed|ing)?|water (is )?(pouring|gushing|coming) (through|thru|down|in|out)|burst (pipe|main)|"
        r"ceiling (has )?(collapsed|caving|fallen))\b")),
    ("electrics", re.compile(
        r"\b(sparks?|sparking|exposed (wires?|wiring|cables?)|electric shock|live wires?|"
        r"water (in|near|through|thru) (the )?(light|socket|fuse|electric)s?)\b")),
    ("danger", re.compile(
        r"\b(in danger|someone (is )?(hurt|injured)|locked in|threatening to (kill|hurt)|attack(ed|ing) me|"
        r"can'?t breathe|unconscious|bleeding)\b")),
)

# Phrases that show the danger is past ("last month there was a flood").
_PAST = re.compile(r"\b(last (week|month|year)|months? ago|weeks? ago|years? ago|back in|previously|reported .* before)\b")


def detect_emergency(text: str) -> Emergency | None:
    """Return the kind of danger a message describes now, or None."""
    lowered = (text or "").lower()
    for kind, pattern in _PATTERNS:
        if pattern.search(lowered):
            if kind != "gas" and _PAST.search(lowered):
                continue
            return Emergency(kind)
    return None


_VULNERABILITY = re.compile(
    r"\b(bereave\w*|passed away|died|funeral|cancer|chemo\w*|terminal|hospital|disab\w*|wheelchair|blind|deaf|"
    r"mental health|depress\w*|anxiety|suicid\w*|self[- ]harm|pregnan\w*|newborn|baby|elderly|dementia|carer|"
    r"autis\w*|adhd|learning difficult\w*|domestic abuse|can'?t afford|debt|no money|food bank|struggling)\b"
)


def detect_vulnerability(text: str) -> str | None:
    """The words that suggest a resident may be vulnerable, or None.

    Used to record vulnerability with the case and to offer a person sooner.
    """
    found = sorted({m.group(0) for m in _VULNERABILITY.finditer((text or "").lower())})
    return ", ".join(found) if found else None

"""Spot danger in a resident's message so the emergency route comes first.

Pure keyword rules on purpose: they work the same whatever the NLU model
predicts, so a gas smell is never missed because of a low intent confidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Emergency:
    kind: str  # gas | fire | flooding | electrics | abuse | danger | insecure


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("gas", re.compile(
        r"\b(smell(s|ing|y)? (of |like )?gas|(whiff|stink|stench|reek) of gas|gas (is |'s )?(smell\w*|leak\w*|"
        r"escap\w*|hissing)|gas\w* (smells?|smelling) (really |very |so )?(strong|bad|loud)|leaking gas|"
        r"smell(s|ing)? gas|carbon monoxide|co alarm|co detector (is )?(going off|beeping|sounding))\b")),
    # "fire door", "fire alarm battery" and the like are repairs, not a fire.
    ("fire", re.compile(
        r"\b(fire(?! (doors?|exits?|escapes?|safety|risk|extinguishers?|blankets?|assessments?|checks?|closers?|"
        r"places?|alarms? (is |are |keeps |keep )?(beeping|chirping|broken|not working|battery|needs|missing|"
        r"faulty|test)))|on fire|smoke (is )?(coming|everywhere|pouring)|burning smell|"
        r"smell(s|ing)? (of )?burning|something(s| is)? burning|flames?)\b")),
    ("flooding", re.compile(
        r"\b(flood(ed|ing)?|water('s| is| was| has been| keeps| are)?( now| still| just| literally| really| all)? "
        r"((pouring|gushing|coming|pissing|streaming|pumping|spraying) (through|thru|down|in|out|from|everywhere|"
        r"into|onto)|(running|leaking|dripping) (through|thru|into) (the |my )?(ceiling|roof|light|electrics|socket))|"
        r"water (is |'s )?(everywhere|all over)|"
        r"burst (water )?(pipe|main)s?|pipes? (has |have |had |just |is |'s )*(burst|bust|split)|"
        r"ceiling (has |is |'s )?(just )?(collapsed|collapsing|caving|caved|fallen|fell|falling|come down|came down|"
        r"coming down))\b")),
    ("electrics", re.compile(
        r"\b(sparks?|sparking|exposed (wires?|wiring|cables?)|electric(al)? shocks?|live wires?|"
        r"(got|get|getting|gets|had|took) (a |an )?(little |small |big |nasty )?shocks? "
        r"(off|from|when touching|touching) (the |my |a )?\w+|"
        r"(switch|socket|plug|cooker|oven|shower|light|kettle|tap|radiator)s? (is |are |keeps? )?"
        r"(giving|gives|gave) (me |us |people )?(a |an )?shocks?|"
        r"(water|leak\w*|dripping|drips)( \w+){0,4} (in|into|near|through|thru|from|out of|onto|behind|around) "
        r"(the |my |a )?(light fittings?|light switch(es)?|ceiling lights?|lights?|sockets?|plug sockets?|"
        r"fuse ?box|electrics|consumer unit))\b")),
    ("abuse", re.compile(
        r"\b((hits|hit|beats|beat|hurts|kicks|chokes?|strangl\w*|threatens) me|domestic (abuse|violence)|"
        r"abusive (partner|husband|wife|boyfriend|girlfriend))\b")),
    ("danger", re.compile(
        r"\b(in danger|someone (is )?(hurt|injured)|locked in|threatening (to (kill|hurt|stab)|me)|"
        r"attack(ed|ing) me|with a (knife|gun|weapon)|can'?t breathe|unconscious|bleeding|stuck in (the |a )?lift)\b")),
    # A home that can't be secured is an emergency repair (the out-of-hours line), not a danger to life.
    ("insecure", re.compile(
        r"\b((can'?t|cannot|can not|unable to) (lock|shut|close|secure) (the |my |our )?(front |back )?(door|flat|house|"
        r"home)|(can'?t|cannot) lock it|(front|back|main|flat) door (won'?t|wont|doesn'?t|does not|will not) (lock|shut|close)|(?<!fire )door (won'?t|wont|doesn'?t|does not|will not) lock|(been )?broken into|"
        r"break[- ]in|burgl(ed|ary)|lock (is )?(broken|snapped|bust) (and|so) (i|we) can'?t (lock|get in))\b")),
)

# Phrases that may show the danger is past ("last month there was a flood").
_PAST = re.compile(r"\b(last (week|month|year)|months? ago|weeks? ago|years? ago|back in|previously)\b")
# ... unless the message says it is happening now, or describes it as ongoing
# ("water pouring through my ceiling, I reported it last week") without
# saying it is over ("we had water pouring in last month, it's fixed").
_PRESENT = re.compile(
    r"\b(right now|just now|at the moment|currently|as we speak|still|again|keeps?|won'?t stop|"
    r"(is|are|'s) (pouring|gushing|coming|sparking|flooding|burning|leaking|dripping|on fire))\b")
_ONGOING = re.compile(r"\b(pouring|gushing|sparking|flooding|dripping|smoking|burning)\b")
_OVER = re.compile(r"\b(was|were|had|fixed|sorted|repaired|resolved|stopped|over)\b")


def _in_the_past(lowered: str) -> bool:
    if not _PAST.search(lowered) or _PRESENT.search(lowered):
        return False
    return not (_ONGOING.search(lowered) and not _OVER.search(lowered))


def detect_emergency(text: str) -> Emergency | None:
    """Return the kind of danger a message describes now, or None."""
    lowered = (text or "").lower()
    for kind, pattern in _PATTERNS:
        if pattern.search(lowered):
            if kind != "gas" and _in_the_past(lowered):
                continue
            return Emergency(kind)
    return None


def _words_matched(pattern: re.Pattern[str], text: str | None) -> str | None:
    """The distinct words a pattern found in the text, joined, or None."""
    found = sorted({m.group(0) for m in pattern.finditer((text or "").lower())})
    return ", ".join(found) if found else None


_VULNERABILITY = re.compile(
    r"\b(lost my (wife|husband|partner|son|daughter|mum|dad|mother|father|baby|child)|(i'?m|im|i am|aged?|"
    r"(she|he)'?s|(she|he) is|(mum|dad|nan|gran|grandad|mother|father|who) is|who'?s) ([7-9]\d|1[01]\d)\b|"
    r"hard of hearing|hearing aids?|partially sighted|visually impaired|mobility|walking (frame|stick)|"
    r"(young|small|little|my) (children|kids)|toddler|"
    r"\b([7-9]\d|1[01]\d) (years? old|yrs? old|yo)\b|really ill|very ill|seriously ill|i fell|had a fall|asthma|copd|oxygen|"
    r"(hits|hit|beats|hurts) me|domestic|abuse\w*|speak (polish|arabic|urdu|punjabi|bengali|somali|romanian|"
    r"farsi|kurdish|tigrinya|portuguese|spanish|french|welsh)|interpreter|translator|"
    r"bereave\w*|passed away|died|funeral|cancer|chemo\w*|terminal|hospital|disab\w*|wheelchair|blind|deaf|"
    r"mental health|depress\w*|anxiety|suicid\w*|self[- ]harm|pregnan\w*|newborn|baby|elderly|dementia|carer|"
    r"autis\w*|adhd|learning difficult\w*|domestic abuse|can'?t afford|debt|no money|food bank|struggling)\b"
)


def detect_vulnerability(text: str) -> str | None:
    """The words that suggest a resident may be vulnerable, or None.

    Used to record vulnerability with the case and to offer a person sooner.
    """
    return _words_matched(_VULNERABILITY, text)


_RISK = re.compile(
    r"\b(suicid\w*|kill(ing)? (myself|himself|herself|themselves)|end(ing)? (my|his|her|their) (own )?life|"
    r"end(ing)? it all|(better off|rather be) (not )?(waking up|dead|gone|not here|not alive)|"
    r"(don'?t|do not|never) want to wake up|not (want|wanting) to wake up|"
    r"can'?t (do|go on with|keep doing|live like) (this|it)( any ?more| much longer)|"
    r"(no|not any) point (in )?(living|going on|being alive)|(want|wanna) to disappear|"
    r"take (my|his|her) (own )?life|self[- ]?harm\w*|(hurt|hurting|harm|harming|cut|cutting) "
    r"(myself|himself|herself)|(want|wants|wanted) to die|do(n'?t| not) want to (live|be alive|be here)|"
    r"better off dead|no reason to live|overdos\w*|can'?t go on|(might as well|going to|gonna|want to) end it|"
    r"end it (all|tonight)|(what'?s|whats) the point (of|in) (living|life|being alive|going on)|"
    r"can'?t (take|cope with) (this|it) any ?more( .{0,30}end)?|not worth living)\b"
)


def detect_risk(text: str) -> str | None:
    """The words that suggest a risk to someone's life (suicide, self-harm), or None.

    A match gives the crisis route first (999, Samaritans) and hands the
    conversation to a person, whatever the NLU model predicted.
    """
    return _words_matched(_RISK, text)

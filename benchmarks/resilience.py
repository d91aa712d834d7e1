"""References given back after a dropped confirmation: a report, not a test.

Run from the project root with `.venv/bin/python benchmarks/resilience.py`
(the model must be trained: `make train`). It starts the real action server
and Rasa server (`tests.servers.running_assistant`, on free loopback ports
with their own databases), then runs N resident conversations, half
complaints and half service requests, a few at a time. In a random half of
them the confirming message (the "yes" at the complaint's read-back, the
last answer of a service request) is dropped: the HTTP call is abandoned
after a random 2 to 30 ms (half the drops) or 30 to 500 ms, so the server's
turn is cut off or finishes unseen. That resident then asks again the way a
resident would: the same message again, "what's my reference?", "did you
log it?" or "I didn't get a number"; if the assistant says nothing is logged
yet and asks its last question again (the dropped message never reached it),
the resident answers that question again.

It prints, from the replies and from the case database:

* references expected / given: one per conversation; given when a reply the
  resident saw holds the reference of the case stored for that conversation
  (and no other reference);
* cases expected / stored, with duplicates (more than one case for one
  conversation) and lost (none).

Exit status 0 even when figures are bad; 1 only if the run itself failed.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from the project root

import requests  # noqa: E402

from housing.cases.store import CaseStore  # noqa: E402
from tests.servers import Assistant, rest_id, running_assistant  # noqa: E402

REFERENCE = re.compile(r"\b(?:CMP|SR)-\d{4}-\d{6}\b")
COMPLAINT = ["my tap is STILL leaking despite numerous visits from your plumber, I'm sick of it",
             "since about 2 months ago", "fix the tap properly and say sorry", "I'm the tenant", "Maria Lopez",
             "maria.lopez@example.com", "LS1 4AP", "none", "email"]
COMPLAINT_CONFIRM = "yes"
SERVICE_REQUEST = ["my kitchen tap is dripping", "service request", "Kayleigh Brown", "07700 900456"]
SERVICE_REQUEST_CONFIRM = "LS1 1AA"
LAST_QUESTION = {"complaint": "Is this right?", "service_request": "What is the postcode"}
ASK_AGAIN = ["<the same message again>", "what's my reference?", "did you log it?", "I didn't get a number",
             "What is my reference number?", "have you got my complaint?"]


@dataclass
class Outcome:
    conversation_id: str  # rest:<sender>, as the case store has it
    kind: str
    dropped: bool
    cut_off: bool  # the dropped call got no reply at all in time
    retry: str
    seen: list[str]  # references in the replies the resident saw after the form
    answered_again: bool = False  # asked the last question again, and answered it


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def converse(assistant: Assistant, kind: str, dropped: bool, rng: random.Random) -> Outcome:
    sender = f"resilience-{uuid.uuid4().hex[:12]}"
    steps, confirm = (COMPLAINT, COMPLAINT_CONFIRM) if kind == "complaint" else (SERVICE_REQUEST,
                                                                                SERVICE_REQUEST_CONFIRM)
    for message in steps:
        assistant.say(sender, message)
    seen: list[str] = []
    cut_off, retry, answered_again = False, "", False
    if not dropped:
        seen += REFERENCE.findall(texts(assistant.say(sender, confirm)))
    else:
        try:
            # the reply is never seen; half the drops come within the turn's first few milliseconds
            after = rng.uniform(0.002, 0.03) if rng.random() < 0.5 else rng.uniform(0.03, 0.5)
            assistant.say(sender, confirm, timeout=after)
        except requests.Timeout:
            cut_off = True
        retry = rng.choice(ASK_AGAIN)
        reply = texts(assistant.say(sender, confirm if retry.startswith("<") else retry))
        seen += REFERENCE.findall(reply)
        if not seen and LAST_QUESTION[kind] in reply:
            # Told nothing is logged yet and asked the last question again (the dropped answer never
            # reached the assistant): the resident answers it again.
            answered_again = True
            seen += REFERENCE.findall(texts(assistant.say(sender, confirm)))
    return Outcome(rest_id(sender), kind, dropped, cut_off, retry, seen, answered_again)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    plan = [("complaint" if i % 2 == 0 else "service_request") for i in range(args.conversations)]
    drops = set(rng.sample(range(args.conversations), args.conversations // 2))
    seeds = [rng.randrange(1 << 30) for _ in plan]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="resilience-") as work, running_assistant(Path(work)) as assistant:
        print(f"servers ready in {time.monotonic() - started:.0f} s; {args.conversations} conversations, "
              f"{len(drops)} with the confirmation dropped, {args.concurrency} at a time", flush=True)
        with ThreadPoolExecutor(args.concurrency) as pool:
            outcomes = list(pool.map(lambda i: converse(assistant, plan[i], i in drops, random.Random(seeds[i])),
                                     range(args.conversations)))
        store = CaseStore(assistant.cases_url)
        stored: dict[str, list[str]] = {}
        for case in store.list(limit=100_000):
            stored.setdefault(case.conversation_id or "", []).append(case.reference)
        store.dispose()

    given = sum(1 for o in outcomes
                if len(stored.get(o.conversation_id, [])) == 1 and set(o.seen) == set(stored[o.conversation_id]))
    counts = [len(stored.get(o.conversation_id, [])) for o in outcomes]
    duplicates = sum(max(0, n - 1) for n in counts)
    lost = sum(1 for n in counts if n == 0)
    dropped = [o for o in outcomes if o.dropped]
    print(f"confirmations dropped: {len(dropped)} ({sum(o.cut_off for o in dropped)} cut off before any reply, "
          f"{sum(not o.cut_off for o in dropped)} answered unseen)")
    for retry in ASK_AGAIN:
        tried = [o for o in dropped if o.retry == retry]
        if tried:
            ok = sum(1 for o in tried if set(o.seen) == set(stored.get(o.conversation_id, [])) and o.seen)
            print(f"  then {retry!r}: {ok} / {len(tried)} given their reference")
    again = [o for o in dropped if o.answered_again]
    print(f"  told nothing was logged yet and asked the last question again: {len(again)}, then given their "
          f"reference: {sum(1 for o in again if o.seen and set(o.seen) == set(stored.get(o.conversation_id, [])))}")
    print(f"references expected / given: {len(outcomes)} / {given}")
    print(f"cases expected / stored: {len(outcomes)} / {sum(counts)} (duplicates {duplicates}, lost {lost})")
    for o in outcomes:
        if not (len(stored.get(o.conversation_id, [])) == 1 and set(o.seen) == set(stored[o.conversation_id])):
            print(f"  not given: {o.kind}, dropped={o.dropped}, cut off={o.cut_off}, retry={o.retry!r}, "
                  f"seen={o.seen}, stored={stored.get(o.conversation_id, [])}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # a measurement that failed, not a bad figure
        print(f"resilience run failed: {error}", file=sys.stderr)
        sys.exit(1)

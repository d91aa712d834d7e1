"""How much of one resident message the assistant takes: a pure rule.

A message up to the cap (`MESSAGE_MAX_CHARS`, default 20,000 characters, more
than a 3,000-word complaint) is taken whole. A longer one is cut at the last
space before the cap (or at the cap when there is no space near it); the
caller tells the resident where it was cut, so nothing is lost silently.
"""
from __future__ import annotations

from dataclasses import dataclass

# Look back at most this far from the cap for a space to cut at.
WORD_BOUNDARY_WINDOW = 200
ENDING_WORDS = 8


@dataclass(frozen=True)
class Taken:
    """The part of a message the assistant takes, and what it left."""

    text: str
    received_chars: int
    left_chars: int  # characters after the cut (0: the whole message was taken)

    @property
    def cut(self) -> bool:
        return self.left_chars > 0


def take(text: str, max_chars: int) -> Taken:
    """At most `max_chars` characters of `text`, cut between words when it can be."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if len(text) <= max_chars:
        return Taken(text, len(text), 0)
    window = text[:max_chars]
    space = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
    end = space if space >= max_chars - WORD_BOUNDARY_WINDOW and space > 0 else max_chars
    kept = text[:end].rstrip()
    rest = text[end:].lstrip()
    return Taken(kept, len(text), len(rest))


def ending(text: str, words: int = ENDING_WORDS) -> str:
    """The last few words of `text`, to show a resident where it was cut."""
    last = text.split()[-words:]
    quoted = " ".join(last)
    return quoted[-120:]

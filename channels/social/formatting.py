"""Pure functions that shape the bot's messages for each platform's limits.

Buttons arrive from Rasa as ``{"title": ..., "payload": ...}``; in this
assistant each payload is the option's own words (actions/conversation.py), so
sending the payload back is the same as typing the option.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

# Platform limits (characters).
MESSENGER_TEXT_LIMIT = 2000
MESSENGER_MAX_QUICK_REPLIES = 13
MESSENGER_QUICK_REPLY_TITLE_LIMIT = 20
MESSENGER_PAYLOAD_LIMIT = 1000
TWILIO_BODY_LIMIT = 1600
TELEGRAM_TEXT_LIMIT = 4096

NUMBER_PROMPT = "Reply with a number:"

Option = tuple[str, str]  # (title shown, payload sent to Rasa)


def split_message(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most `limit` characters.

    Cuts at a paragraph break if there is one in the second half or so of the
    piece, else at a line break, else at a space, and only cuts a word when it
    is longer than the limit. Whitespace at the cuts is dropped; an empty text
    gives no pieces.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    rest = (text or "").strip()
    pieces: list[str] = []
    while len(rest) > limit:
        window = rest[:limit + 1]  # a separator right after the limit still counts
        cut = -1
        for separator, earliest in (("\n\n", limit // 3), ("\n", limit // 3), (" ", 1)):
            at = window.rfind(separator)
            if at >= earliest:
                cut = at
                break
        if cut <= 0:
            cut = limit
        piece = rest[:cut].rstrip()
        if not piece:  # only whitespace before the cut: cut the word instead
            piece, cut = rest[:limit], limit
        pieces.append(piece)
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def options_from_buttons(buttons: Iterable[Mapping[str, Any]] | None) -> list[Option]:
    """(title, payload) for each button; a button with no payload sends its title."""
    options: list[Option] = []
    for button in buttons or ():
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if title:
            options.append((title, payload))
    return options


def numbered_options(text: str, buttons: Iterable[Mapping[str, Any]] | None) -> str:
    """The text followed by the options as a numbered list to reply to."""
    options = options_from_buttons(buttons)
    if not options:
        return text or ""
    listing = "\n".join(f"{number}. {title}" for number, (title, _) in enumerate(options, start=1))
    return f"{text}\n\n{NUMBER_PROMPT}\n{listing}" if text else f"{NUMBER_PROMPT}\n{listing}"


_NUMBER_REPLY = re.compile(r"^\s*(?:option|number|no\.?|#)?\s*(\d{1,3})\s*[.)]?\s*$", re.IGNORECASE)


def resolve_reply(text: str, options: Sequence[Option] | None) -> str:
    """What to pass to Rasa for a resident's reply to the options last offered:
    a number ("2", "2.", "option 2") or an option's title gives that option's
    payload; anything else is passed unchanged."""
    if not options or text is None:
        return text
    match = _NUMBER_REPLY.match(text)
    if match:
        number = int(match.group(1))
        if 1 <= number <= len(options):
            return options[number - 1][1]
        return text
    folded = text.strip().casefold()
    for title, payload in options:
        if title.casefold() == folded:
            return payload
    return text


def messenger_quick_replies(text: str, buttons: Iterable[Mapping[str, Any]] | None) -> tuple[str, list[dict]]:
    """Text and Send API quick replies for a message with buttons.

    When every title fits (20 characters) and there are at most 13 options,
    the quick replies are the titles. Otherwise the options are listed with
    numbers in the text and the quick replies are the numbers (the first 13),
    each still sending the option's full words as its payload.
    """
    options = options_from_buttons(buttons)
    if not options:
        return text or "", []
    fits = (len(options) <= MESSENGER_MAX_QUICK_REPLIES
            and all(len(title) <= MESSENGER_QUICK_REPLY_TITLE_LIMIT for title, _ in options))
    if fits:
        titles = [title for title, _ in options]
    else:
        text = numbered_options(text, buttons)
        titles = [str(number) for number in range(1, len(options) + 1)]
    replies = [{"content_type": "text", "title": title, "payload": payload[:MESSENGER_PAYLOAD_LIMIT]}
               for title, (_, payload) in zip(titles, options)]
    return text, replies[:MESSENGER_MAX_QUICK_REPLIES]


def telegram_keyboard(buttons: Iterable[Mapping[str, Any]] | None) -> dict | None:
    """A one-time reply keyboard, one option per row; pressing a key sends its
    words (mapped back to the payload by resolve_reply if they differ)."""
    options = options_from_buttons(buttons)
    if not options:
        return None
    return {"keyboard": [[{"text": title}] for title, _ in options],
            "one_time_keyboard": True, "resize_keyboard": True}


def link_text(label: str, url: str) -> str:
    """An image or attachment sent as a link in a text message."""
    return f"{label}: {url}"

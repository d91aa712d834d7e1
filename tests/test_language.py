"""Who needs an interpreter: asked for, a language named, English said to be
hard, or a message written in another language; and English messages,
however badly typed, that do not."""
from __future__ import annotations

import pytest

from housing.language import needs_an_interpreter, written_in_another_language


@pytest.mark.parametrize("text", [
    "do you have interpreter? i speak polish",
    "you speak arabic?",
    "Polish please",
    "polish",
    "can we do this in urdu",
    "i need translator",
    "sorry my english is not good",
    "me no english good",
    "I don't understand much English",
    "BSL interpreter for my dad",
    "Dzień dobry, mam problem z ogrzewaniem w mieszkaniu",
    "Bună ziua, nu am apă caldă în apartament",
    "Hola, tengo un problema con la calefacción",
    "مرحبا عندي مشكلة في الشقة",
    "আমার বাড়িতে সমস্যা আছে",
    "У меня нет отопления",
])
def test_needs_an_interpreter(text):
    assert needs_an_interpreter(text)


@pytest.mark.parametrize("text", [
    "my boiler is broken",
    "hiya my sink is leekin evrywere can sum1 cum fix it pls",
    "I want to complain about the repair",
    "Jubilee Court, Riverside Road",
    "Sarah Jones",
    "M1 1AE",
    "07700 900123",
    "sarah@example.com",
    "yes",
    "no",
    "😡😡😡",
    "the floor polish made the hallway slippery",
    "café downstairs is noisy every night",
    "Zoë Kowalczyk",
    "ok",
    "",
])
def test_english_needs_no_interpreter(text):
    assert not needs_an_interpreter(text)


def test_a_name_with_accents_is_not_another_language():
    assert not written_in_another_language("my name is Zoë Brontë")

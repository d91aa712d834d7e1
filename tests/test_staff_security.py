"""Passwords, session tokens and CSRF tokens of the staff console (pure functions)."""
from __future__ import annotations

import base64

import pytest

from housing.staff.security import (
    MIN_PASSWORD_LENGTH,
    check_password,
    check_username,
    csrf_matches,
    csrf_token_for,
    hash_password,
    new_session_token,
    token_digest,
    verify_password,
)

PASSWORD = "correct horse battery staple"


def test_a_password_verifies_and_a_wrong_one_does_not():
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$16384$8$1$")
    assert PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + " ", stored)
    assert not verify_password("", stored)


def test_every_hash_has_its_own_salt():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)


def test_the_same_salt_gives_the_same_hash():
    salt = b"0123456789abcdef"
    assert hash_password(PASSWORD, salt=salt) == hash_password(PASSWORD, salt=salt)
    assert base64.b64decode(hash_password(PASSWORD, salt=salt).split("$")[4]) == salt


@pytest.mark.parametrize("stored", ["", "plain", "bcrypt$1$2$3$c2FsdA==$aGFzaA==", "scrypt$x$8$1$c2FsdA==$aGFzaA==",
                                    "scrypt$16384$8$1$not base64!$aGFzaA==", "scrypt$16384$8$1$c2FsdA=="])
def test_malformed_stored_hashes_never_verify(stored):
    assert verify_password(PASSWORD, stored) is False


def test_usernames_are_canonical_and_restricted():
    assert check_username("  Sam.Jones ") == "sam.jones"
    for bad in ("", "a", "-sam", "sam jones", "sam/../x", "s" * 65, "<script>"):
        with pytest.raises(ValueError):
            check_username(bad)


def test_passwords_have_a_minimum_length():
    check_password("x" * MIN_PASSWORD_LENGTH)
    with pytest.raises(ValueError):
        check_password("x" * (MIN_PASSWORD_LENGTH - 1))
    with pytest.raises(ValueError):
        check_password("")


def test_session_tokens_are_random_and_stored_only_as_a_digest():
    tokens = {new_session_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) >= 43
    digest = token_digest(token)
    assert len(digest) == 64 and token not in digest
    assert token_digest(token) == digest


def test_csrf_token_belongs_to_its_session_only():
    first, second = new_session_token(), new_session_token()
    assert csrf_matches(first, csrf_token_for(first))
    assert not csrf_matches(first, csrf_token_for(second))
    assert not csrf_matches(first, None)
    assert not csrf_matches(first, "")
    assert not csrf_matches("", csrf_token_for(first))

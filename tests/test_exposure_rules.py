"""The pure rules behind the exposure fixes: the action server's request
check, the sign-in delays and client address, the supervisor's back-off and
the in-process API token."""
from __future__ import annotations

import pytest

from housing.staff.security import client_address, guess_delay, trusted_networks
from server.__main__ import with_auth_token
from server.action_guard import Refusal, refusal, secret_matches
from server.supervise import FIRST_BACKOFF, MAX_BACKOFF, STABLE_AFTER, next_backoff

SECRET = "s3cret-value"
CAP = 1024


def headers(**extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {SECRET}", "content-type": "application/json", **extra}


def test_the_secret_must_match_exactly():
    assert secret_matches(f"Bearer {SECRET}", SECRET)
    for given in (None, "", SECRET, f"bearer {SECRET}", f"Bearer {SECRET} ", f"Bearer {SECRET[:-1]}", "Bearer"):
        assert not secret_matches(given, SECRET), given
    assert not secret_matches("Bearer ", "")  # no secret configured: nothing matches
    assert not secret_matches(f"Bearer {SECRET}", None)


def test_health_is_open_and_everything_else_needs_the_secret():
    assert refusal("/health", {}, SECRET, CAP) is None
    for path in ("/webhook", "/actions", "/", "/health/"):
        assert refusal(path, {}, SECRET, CAP) == Refusal(401, "the action server only answers the assistant's Rasa server")
    assert refusal("/webhook", headers(), SECRET, CAP) is None


@pytest.mark.parametrize("encoding", ["deflate", "gzip", "br", "identity, gzip", "DEFLATE"])
def test_compressed_bodies_are_refused(encoding: str):
    assert refusal("/webhook", headers(**{"content-encoding": encoding}), SECRET, CAP).status == 415


def test_identity_encoding_is_fine():
    assert refusal("/webhook", headers(**{"content-encoding": "identity"}), SECRET, CAP) is None


@pytest.mark.parametrize(("length", "status"), [("1024", None), ("1025", 413), ("-1", 413), ("12abc", 413)])
def test_announced_bodies_past_the_cap_are_refused(length: str, status: int | None):
    refused = refusal("/webhook", headers(**{"content-length": length}), SECRET, CAP)
    assert (refused.status if refused else None) == status


def test_sign_in_waits_double_after_the_free_failures_up_to_the_cap():
    assert [guess_delay(n, 3, 60) for n in range(10)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60]
    assert guess_delay(10_000, 3, 60) == 60  # never more than the cap, however many failures


NETWORKS = trusted_networks(["10.0.0.0/8", "127.0.0.2"])


def test_forwarded_for_counts_only_from_a_trusted_proxy():
    assert client_address("198.51.100.7", "203.0.113.1", NETWORKS) == "198.51.100.7"
    assert client_address("127.0.0.2", "203.0.113.1", NETWORKS) == "203.0.113.1"
    assert client_address("127.0.0.2", None, NETWORKS) == "127.0.0.2"
    assert client_address("127.0.0.2", "203.0.113.1", ()) == "127.0.0.2"  # no proxies trusted (the default)


def test_the_nearest_untrusted_hop_is_the_client():
    # The client wrote "192.0.2.1" itself; the proxies appended what they saw.
    assert client_address("127.0.0.2", "192.0.2.1, 203.0.113.9, 10.1.2.3", NETWORKS) == "203.0.113.9"
    assert client_address("127.0.0.2", "not-an-address, 203.0.113.9", NETWORKS) == "203.0.113.9"
    assert client_address("127.0.0.2", "203.0.113.9, garbage", NETWORKS) == "127.0.0.2"
    assert client_address("127.0.0.2", "10.0.0.1", NETWORKS) == "10.0.0.1"


def test_a_bad_trusted_proxy_entry_is_named():
    with pytest.raises(ValueError, match="'proxy.example'"):
        trusted_networks(["proxy.example"])


def test_supervisor_backoff_doubles_to_the_cap_and_resets_after_a_stable_run():
    waits, previous = [], 0.0
    for _ in range(8):
        previous = next_backoff(previous, ran_for=1)
        waits.append(previous)
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    assert MAX_BACKOFF == 30 and FIRST_BACKOFF == 1
    assert next_backoff(30, ran_for=STABLE_AFTER) == FIRST_BACKOFF


def test_the_api_token_is_added_in_process_for_rasa_run_only():
    assert with_auth_token(["run", "--enable-api"], "tok") == ["run", "--enable-api", "--auth-token", "tok"]
    assert with_auth_token(["run", "--auth-token", "other"], "tok") == ["run", "--auth-token", "other"]
    assert with_auth_token(["run", "--auth-token=other"], "tok") == ["run", "--auth-token=other"]
    assert with_auth_token(["train"], "tok") == ["train"]
    assert with_auth_token(["run"], None) == ["run"]

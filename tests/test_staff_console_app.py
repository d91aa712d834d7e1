"""The staff console's sign-in, session and CSRF checks, on the real
blueprint in a Sanic app (no Rasa server: these routes never reach it)."""
from __future__ import annotations

import time
import uuid

import pytest
from sanic import Sanic

from housing.staff.security import csrf_token_for

PASSWORD = "correct horse battery staple"
API = "/webhooks/staff/api"
SIGN_IN_HEADERS = {"X-Staff-Console": "1"}


@pytest.fixture
def console(tmp_path, monkeypatch):
    """A Sanic app with the console mounted where Rasa mounts it, its own
    case database and one staff account, sam."""
    monkeypatch.setenv("CASES_DATABASE_URL", f"sqlite:///{tmp_path / 'cases.db'}")
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    from channels.staff import console as module
    from housing.settings import get_settings
    from housing.staff.store import StaffStore

    get_settings.cache_clear()
    module._service.cache_clear()
    StaffStore(get_settings().database_url).add_account("sam", PASSWORD, "Sam Jones")

    async def no_messages(_):  # the console never receives resident messages
        raise AssertionError("unexpected message")

    app = Sanic(f"staff-{uuid.uuid4().hex[:8]}")
    app.blueprint(module.StaffConsole().blueprint(no_messages), url_prefix="/webhooks/staff")
    yield app
    module._service().store.dispose()
    module._service.cache_clear()
    get_settings.cache_clear()


def sign_in(app, username: str = "sam", password: str = PASSWORD, headers: dict | None = None):
    return app.test_client.post(f"{API}/sign-in", json={"username": username, "password": password},
                                headers=SIGN_IN_HEADERS if headers is None else headers)[1]


def cookie_from(response) -> str:
    header = response.headers["set-cookie"]
    return header.split(";", 1)[0].split("=", 1)[1]


def test_the_page_is_served_with_a_strict_content_security_policy(console):
    _, page = console.test_client.get("/webhooks/staff/")
    assert page.status == 200 and "<h1>Staff console</h1>" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert console.test_client.get("/webhooks/staff/static/staff.js")[1].status == 200
    for path in ("static/console.py", "static/..%2Fconsole.py", "static/index.html", "static/../auth.py"):
        assert console.test_client.get(f"/webhooks/staff/{path}")[1].status == 404


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/me"), ("get", "/queue"), ("get", "/handoffs/1"), ("post", "/handoffs/1/claim"),
    ("post", "/handoffs/1/reply"), ("post", "/handoffs/1/extend"), ("post", "/sign-out"),
])
def test_without_a_session_everything_is_refused(console, method, path):
    _, response = getattr(console.test_client, method)(API + path)
    assert response.status == 401
    assert response.json == {"error": "sign in first"}


def test_sign_in_sets_a_strict_http_only_cookie_and_gives_the_csrf_token(console):
    response = sign_in(console)
    assert response.status == 200
    token = cookie_from(response)
    assert response.json == {"username": "sam", "display_name": "Sam Jones", "csrf_token": csrf_token_for(token)}
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/webhooks/staff" in cookie
    assert "secure" not in cookie  # STAFF_COOKIE_SECURE is off by default
    _, me = console.test_client.get(f"{API}/me", cookies={"staff_session": token})
    assert me.status == 200 and me.json["username"] == "sam"
    _, queue = console.test_client.get(f"{API}/queue", cookies={"staff_session": token})
    assert queue.status == 200 and queue.json == {"queue": []}


def test_wrong_passwords_and_unknown_users_are_refused_the_same_way(console):
    wrong, unknown = sign_in(console, password=PASSWORD + "!"), sign_in(console, username="nobody")
    assert wrong.status == unknown.status == 401
    assert wrong.json == unknown.json
    assert "set-cookie" not in wrong.headers


def test_sign_in_needs_the_console_page(console):
    assert sign_in(console, headers={}).status == 403
    assert sign_in(console, headers={**SIGN_IN_HEADERS, "Origin": "https://evil.example"}).status == 403


def test_repeated_failures_are_slowed_down_not_locked(console):
    for _ in range(3):
        assert sign_in(console, password="wrong password!").status == 401
    refused = sign_in(console)
    assert refused.status == 429 and refused.headers["retry-after"] == "1"
    time.sleep(1.1)
    assert sign_in(console).status == 200


def test_forged_cookies_are_refused(console):
    token = cookie_from(sign_in(console))
    for forged in ("", "forged", token[:-2], token + "A", csrf_token_for(token)):
        _, response = console.test_client.get(f"{API}/queue", cookies={"staff_session": forged})
        assert response.status == 401, forged


def test_posts_need_the_csrf_token_of_this_session(console):
    token = cookie_from(sign_in(console))
    other = cookie_from(sign_in(console))
    cookies = {"staff_session": token}
    cases = [{}, {"X-CSRF-Token": "nonsense"}, {"X-CSRF-Token": csrf_token_for(other)},
             {"X-CSRF-Token": csrf_token_for(token), "Origin": "https://evil.example"},
             {"X-CSRF-Token": csrf_token_for(token), "Sec-Fetch-Site": "cross-site"}]
    for headers in cases:
        _, response = console.test_client.post(f"{API}/handoffs/1/claim", cookies=cookies, headers=headers)
        assert response.status == 403, headers
        _, response = console.test_client.post(f"{API}/sign-out", cookies=cookies, headers=headers)
        assert response.status == 403, headers
    # with the right token the request gets through the checks (there is no hand-over 1)
    _, response = console.test_client.post(f"{API}/handoffs/1/note", json={"text": "x"}, cookies=cookies,
                                           headers={"X-CSRF-Token": csrf_token_for(token)})
    assert response.status == 404


def test_after_sign_out_the_session_cannot_be_reused(console):
    token = cookie_from(sign_in(console))
    cookies = {"staff_session": token}
    _, response = console.test_client.post(f"{API}/sign-out", cookies=cookies,
                                           headers={"X-CSRF-Token": csrf_token_for(token)})
    assert response.status == 200
    assert "max-age=0" in response.headers["set-cookie"].lower()
    for path in ("/me", "/queue"):
        assert console.test_client.get(API + path, cookies=cookies)[1].status == 401
    _, response = console.test_client.post(f"{API}/handoffs/1/claim", cookies=cookies,
                                           headers={"X-CSRF-Token": csrf_token_for(token)})
    assert response.status == 401


def test_a_disabled_account_is_signed_out(console):
    from channels.staff.console import _service

    token = cookie_from(sign_in(console))
    _service().store.disable_account("sam")
    assert console.test_client.get(f"{API}/me", cookies={"staff_session": token})[1].status == 401
    assert sign_in(console).status == 401


def test_conversation_routes_say_when_the_rasa_token_is_missing(console):
    from channels.staff.console import _service

    handoff = _service().store.open_handoff(conversation_id="c1", channel="rest", case_reference=None,
                                            reason="test", mode="live")
    token = cookie_from(sign_in(console))
    _, response = console.test_client.get(f"{API}/handoffs/{handoff.id}", cookies={"staff_session": token})
    assert response.status == 503 and "RASA_AUTH_TOKEN" in response.json["error"]


def test_the_console_transcript_marks_staff_and_flags_risk():
    from channels.staff.service import transcript_lines

    events = [
        {"event": "user", "text": "hello", "timestamp": 100.0},
        {"event": "bot", "text": "Hi, I'm the assistant", "timestamp": 101.0},
        {"event": "action", "name": "action_listen", "timestamp": 101.5},
        {"event": "user", "text": "I want to end my life, there's smoke coming from the flat", "timestamp": 102.0},
        {"event": "bot", "text": "Sam Jones (staff): I'm here", "timestamp": 103.0,
         "metadata": {"staff": "sam", "staff_name": "Sam Jones"}},
    ]
    lines = transcript_lines({"events": events})
    assert [(line["from"], line["text"]) for line in lines] == [
        ("resident", "hello"), ("assistant", "Hi, I'm the assistant"),
        ("resident", "I want to end my life, there's smoke coming from the flat"), ("staff", "I'm here")]
    assert lines[2]["flags"] == ["risk to life", "emergency"] and lines[0]["flags"] == []
    assert lines[3]["staff"] == "sam"
    assert [line["text"] for line in transcript_lines({"events": events}, since=102.0)] == [
        "I want to end my life, there's smoke coming from the flat", "I'm here"]

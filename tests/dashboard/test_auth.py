"""Console sign-in as a browser sees it: the form, the cookie, redirects, limits, expiry."""
from __future__ import annotations

import time

import pytest

from store.redis import make_redis
from tests.helpers import PASSWORD, console_user, csrf_from, sign_in


@pytest.fixture
def manager(api):
    station = api.station()
    return console_user(api, station_id=station["id"])


def test_login_form_has_the_fields_of_the_contract(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'name="username"' in html and 'name="password"' in html and 'type="password"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_right_password_signs_in_with_a_safe_session_cookie(client, manager, settings):
    response = sign_in(client, manager["username"])
    assert response.status_code == 302 and response.headers["Location"] == "/console"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert client.get("/screen").status_code == 200  # the signed-in wall


def test_wrong_password_or_unknown_user_is_refused(client, manager):
    wrong = sign_in(client, manager["username"], "not the password")
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.get_data(as_text=True)
    unknown = sign_in(client, "nobody-here", PASSWORD)
    assert unknown.status_code == 401
    assert client.get("/screen").status_code == 302  # still signed out


def test_a_form_without_its_token_is_refused(client, manager):
    client.get("/login")
    response = client.post("/login", data={"username": manager["username"], "password": PASSWORD})
    assert response.status_code == 400
    forged = client.post("/login", data={"username": manager["username"], "password": PASSWORD,
                                         "csrf_token": "forged"})
    assert forged.status_code == 400
    assert client.get("/screen").status_code == 302


def test_attempts_are_limited_per_address_and_username(app, client, manager, settings):
    limit = settings.login_attempts_per_minute
    for _ in range(limit):
        assert sign_in(client, manager["username"], "wrong-password").status_code == 401
    blocked = sign_in(client, manager["username"])  # even the right password, within the minute
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    # Another address is not blocked by this one's guesses.
    other = app.test_client()
    token = csrf_from(other.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_data(as_text=True))
    ok = other.post("/login", data={"username": manager["username"], "password": PASSWORD, "csrf_token": token},
                    environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert ok.status_code == 302


def test_limit_holds_in_memory_when_redis_is_down(settings):
    from dashboard.ratelimit import AttemptLimiter, key

    dead = make_redis("redis://127.0.0.1:1/0")  # nothing listens on port 1
    limiter = AttemptLimiter(dead, limit=3)
    name = key("pair", "192.0.2.1", "someone")
    assert [limiter.hit(name) for _ in range(4)] == [True, True, True, False]
    limiter.reset(name)
    assert limiter.hit(name)


def test_logout_ends_the_session(client, manager):
    sign_in(client, manager["username"])
    assert client.get("/screen").status_code == 200
    token = csrf_from(client.get("/logout").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/screen").status_code == 302


def test_logout_needs_the_form_token(client, manager):
    sign_in(client, manager["username"])
    assert client.post("/logout").status_code == 400
    assert client.get("/screen").status_code == 200


def test_session_expires_after_session_hours(client, manager, settings):
    sign_in(client, manager["username"])
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - settings.session_hours * 3600 - 1
    response = client.get("/console")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/console")
    assert client.get("/screen").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_next_only_goes_to_local_paths(client, manager, target):
    response = sign_in(client, manager["username"], next_=target)
    assert response.headers["Location"] == "/console"


def test_next_returns_to_the_page_asked_for(client, manager):
    assert client.get("/console/orders").headers["Location"] == "/login?next=/console/orders"
    response = sign_in(client, manager["username"], next_="/console/orders")
    assert response.headers["Location"] == "/console/orders"


def test_devices_page_is_for_admins(client, api, manager):
    sign_in(client, manager["username"])
    assert client.get("/console/devices").status_code == 403

"""Completing the second sign-in step in tests, through the real pages: an account of a role the profile
names enrols at its first sign-in (the key is read from the enrolment page, as a person would type it into
the app) and gives a code at the next ones. Codes are accepted once per 30 seconds, so when a test signs the
same account in again within that time, the helper resets its two-factor sign-in with
`egovkit users reset-2fa` and enrols again."""
from __future__ import annotations

import re
import time
import weakref

import pyotp

_known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # app -> {login: [secret, last step used]}


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def enrol(client) -> tuple[str, object]:
    """(key, response) of enrolling on the pending sign-in's enrolment page."""
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
    return secret, client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": _token(page)})


def give_code(client, code):
    page = client.get("/login/code").get_data(as_text=True)
    return client.post("/login/code", data={"code": code, "csrf_token": _token(page)})


def second_step(client, login: str, response, password_step):
    """The response that ends the sign-in: `response` itself unless it leads to the second step."""
    where = response.headers.get("Location", "") if response.status_code == 302 else ""
    if not where.startswith(("/login/enrol", "/login/code")):
        return response
    known = _known.setdefault(client.application, {})
    login = login.strip().lower()
    step = int(time.time()) // 30
    if where.startswith("/login/code"):
        if login in known and known[login][1] < step:
            known[login][1] = step
            return give_code(client, pyotp.TOTP(known[login][0]).at(step * 30))
        client.application.test_cli_runner().invoke(args=["users", "reset-2fa", login])
        where = password_step().headers["Location"]
        assert where.startswith("/login/enrol"), where
    secret, final = enrol(client)
    known[login] = [secret, step]
    return final

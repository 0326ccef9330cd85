"""A fuzz of every page route's query string and form fields (the API has its schemathesis run in
test_api.py): GET with random query strings and POST with random form fields and a valid CSRF token, to
every route of app.url_map, signed in as an administrator and as a citizen. No answer is a server error.

Bounded in time: a fixed number of examples per role (derandomized, so CI runs the same cases each time);
about half a minute in all on a small machine.
"""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import ADMIN_PASSWORD, csrf_token, login
from .test_workflow import PASSWORD, SARONGAN

# Names the views read (query strings and forms) and a few nobody reads.
NAMES = ("page", "per_page", "q", "year", "semester", "format", "district", "period", "code", "type", "resident",
         "renews", "nik", "next", "from", "to", "actor", "module", "record_type", "record_id", "failed", "action",
         "title", "body", "agency_code", "amount", "day", "line", "description", "reason", "kegiatan", "name",
         "estimate", "location", "account", "source", "activity", "turnover", "paid_on", "reference", "tax_type",
         "perdes", "since", "purpose", "business", "address", "note", "progress", "remove", "rt", "rw",
         "occupation", "education", "marital_status", "seats", "business_address", "receipt", "once", "x",
         "held-photo", "held-lab_test", "held-photos", "programme", "village", "lang", "starts_on", "ends_on",
         "latitude", "longitude", "budget", "realised_cost", "average_spend", "visitors_domestic", "month",
         "domestic", "foreign", "summary", "welcome", "hours", "region_code", "title_id", "title_en",
         "level", "first_year", "last_year", "parent", "goal", "unit", "direction", "aggregation", "baseline",
         "quarter", "value", "area", "flag", "agency", "kind", "lat", "lon", "realised", "stage", "contractor",
         "region", "narrative")
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # a URL cannot carry a lone surrogate
NUMBER = st.one_of(st.integers(-(2**70), 2**70), st.integers(0, 3000)).map(str)
VALUE = st.one_of(TEXT, NUMBER, st.sampled_from(["", "0", "1", "-1", "1e9", "2025-13-45", str(date.today()),
                                                 SARONGAN, "35.10", "csv", "xlsx", "1", "draft"]))
FIELDS = st.dictionaries(st.one_of(st.sampled_from(NAMES), TEXT.filter(bool)), VALUE, max_size=6)
# Signing out (the kiosk start page signs out too) would end the run; static files read no input.
SKIP = {"auth.logout", "kiosk.start", "static"}
PATH_VALUES = {"village": SARONGAN, "year": str(date.today().year - 1), "code": "35.10.01",
               "kk_number": "3510010101200003", "name": "x.png", "transition": "verify", "filename": "egovkit.css",
               "which": "documents"}


def _url(rule) -> str:
    values = {arg: PATH_VALUES.get(arg, "1") for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def _routes(app, method):
    rules = [r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint not in SKIP
             and not r.rule.startswith("/api/")]
    return sorted(((r.endpoint, _url(r)) for r in rules))


@pytest.fixture
def signed_in(app, cli):
    cli("users", "create", "--nik", "3510015708900001", "--name", "Sri Wahyuni", "--role", "citizen",
        "--password-stdin", input=PASSWORD + "\n")
    clients = {}
    for who, password in (("admin@localhost", ADMIN_PASSWORD), ("3510015708900001", PASSWORD)):
        client = app.test_client()
        assert login(client, who, password).status_code == 302
        clients[who] = (client, csrf_token(client, "/"))
    return clients


def _fuzz(app, clients, method, examples):
    routes = _routes(app, method)
    assert len(routes) >= (40 if method == "GET" else 20)

    @given(route=st.sampled_from(routes), fields=FIELDS, who=st.sampled_from(sorted(clients)))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(route, fields, who):
        endpoint, url = route
        client, token = clients[who]
        if method == "GET":
            response = client.get(url, query_string=fields)
        else:
            response = client.post(url, data={**fields, "csrf_token": token})
        response.close()
        assert response.status_code < 500, (endpoint, url, fields, who)

    run()


def test_random_query_strings_and_form_fields_on_every_page_are_no_server_error(app, signed_in):
    # One test, one demo instance (its set-up costs as much as the fuzz).
    _fuzz(app, signed_in, "GET", 300)
    _fuzz(app, signed_in, "POST", 200)

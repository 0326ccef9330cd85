"""`egovkit province rollup`: regencies' published figures added up, read through their public open data."""
from __future__ import annotations

import json
from urllib.error import URLError

from egovkit.app import create_app
from egovkit.ops import province


def _web(apps: dict):
    """A fetch that answers each regency's URL from its app, as its web server would."""
    clients = {url: app.test_client() for url, app in apps.items()}

    def fetch(url: str):
        for base, client in clients.items():
            if url.startswith(base):
                response = client.get(url[len(base):])
                if response.status_code != 200:
                    raise URLError(f"HTTP {response.status_code}")
                return json.loads(response.get_data(as_text=True))
        raise URLError("unreachable")

    return fetch


def test_two_regencies_are_added_up_from_what_they_publish(make_instance, monkeypatch, cli, pg_server):
    bwi_app = create_app(make_instance("banyuwangi", "bwi", "--demo"))
    if pg_server is not None:  # each regency its own database on the server (docs/deployment.md)
        monkeypatch.setenv("EGOVKIT_DATABASE_URL", pg_server.url_of(pg_server.create()))
    apps = {"https://bwi.example": bwi_app,
            "https://skh.example": create_app(make_instance("sukoharjo", "skh", "--demo"))}
    fetch = _web(apps)
    found = province.rollup([*apps, "https://down.example"], "smart_kampung/population", "residents", "sex",
                            fetch=fetch)
    by_url = {r.url: r for r in found}
    bwi, skh = by_url["https://bwi.example"], by_url["https://skh.example"]
    assert (bwi.code, skh.code) == ("35.10", "33.11") and "Banyuwangi" in bwi.name
    own = json.loads(apps["https://bwi.example"].test_client().get("/data/smart_kampung/population.json").data)
    published = sum(r["residents"] for r in own["rows"] if r["sex"] == "L" and r["residents"] is not None)
    assert bwi.totals["L"] == published > 0
    assert bwi.suppressed == sum(1 for r in own["rows"] if r["residents"] is None)
    assert by_url["https://down.example"].error == "unreachable"

    monkeypatch.setattr(province, "fetch_json", fetch)
    out = cli("province", "rollup", *apps, "--by", "sex", "--out", "p.csv").output
    assert "Kabupaten Banyuwangi" in out and "TOTAL" in out
    groups = sorted({g for r in (bwi, skh) for g in r.totals})  # a sex whose every cell is small is absent
    assert open("p.csv").read().splitlines()[0] == ",".join(["code", "regency", *groups, "suppressed cells", "error"])


def test_an_unknown_column_is_named(make_instance):
    apps = {"https://bwi.example": create_app(make_instance("banyuwangi", "bwi"))}
    [found] = province.rollup(list(apps), "smart_kampung/population", "people", None, fetch=_web(apps))
    assert "no column people" in found.error and "residents" in found.error

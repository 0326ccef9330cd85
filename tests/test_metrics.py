"""/metrics for Prometheus, request ids and the access log (egovkit.ops.metrics)."""
from __future__ import annotations

import json
import logging
import re
import sys
from datetime import timedelta

import pytest

from .live import serving


def scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def value(text: str, name: str, **labels) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_requests_are_counted_per_route_not_per_address(client):
    before = value(scrape(client), "egovkit_http_requests_total", route="/kampung/letters/<int:record_id>")
    client.get("/kampung/letters/1")
    client.get("/kampung/letters/2")
    text = scrape(client)
    assert value(text, "egovkit_http_requests_total", route="/kampung/letters/<int:record_id>") == before + 2
    assert value(text, "egovkit_http_request_duration_seconds_count", route="/kampung/letters/<int:record_id>") >= 2
    assert "/kampung/letters/1" not in text  # the rule, never the id
    assert value(text, "egovkit_database_up") == 1


def test_database_figures_jobs_outbox_and_sla_breaches(app, client):
    from egovkit.db import db
    from egovkit.models import utcnow
    from egovkit.services import events, workflow

    with app.app_context():
        case = workflow.start("smart_kampung.letter", 999, "test", module="smart_kampung", region_code=None)
        case.due_at = utcnow() - timedelta(days=2)
        events.publish("resident.died", nik="3510000000000001", village="35.10.01.2001", letter=999)
        app.config["EGOVKIT_EVENT_BACKEND"] = "outbox"  # stored, not delivered at the end of this block
        db.session.commit()
    text = scrape(client)
    assert value(text, "egovkit_cases_overdue", workflow="smart_kampung.letter") == 1
    assert value(text, "egovkit_cases_overdue", workflow="permits.application") == 0
    assert "egovkit_jobs" in text and "egovkit_notifications" in text
    assert "egovkit_events_oldest_undelivered_seconds" in text


def test_metrics_are_only_for_this_machine_or_the_token(client, monkeypatch):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    monkeypatch.setenv("EGOVKIT_METRICS_TOKEN", "s3cret-token-for-prometheus")
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer wrong"}).status_code == 404
    scrape(client, environ_base=outside, headers={"Authorization": "Bearer s3cret-token-for-prometheus"})


def test_request_id_is_kept_when_well_formed_and_made_otherwise(client):
    assert client.get("/", headers={"X-Request-ID": "proxy-abc-12345"}).headers["X-Request-ID"] == "proxy-abc-12345"
    made = client.get("/", headers={"X-Request-ID": "bad id\twith spaces"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)


def test_access_log_has_route_status_and_id_but_no_query_or_address(app, client, caplog):
    app.config["EGOVKIT_ACCESS_LOG"] = True
    from egovkit.ops.metrics import JsonFormatter

    with caplog.at_level(logging.INFO, logger="egovkit.access"):
        response = client.get("/kampung/track?code=SECRETCODE1", headers={"X-Request-ID": "req-0000000001"})
    records = [r for r in caplog.records if r.name == "egovkit.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["route"] == "/kampung/track" and line["status"] == response.status_code
    assert line["request_id"] == "req-0000000001"
    assert "SECRETCODE1" not in json.dumps(line) and "127.0.0.1" not in json.dumps(line)


def test_imported_rows_are_counted(app, cli, client, tmp_path):
    before = value(scrape(client), "egovkit_import_rows_total", module="smart_kampung")
    csv_file = tmp_path / "residents.csv"
    cli("--instance", app.instance_path, "residents", "generate", csv_file, "--families", "10")
    cli("--instance", app.instance_path, "residents", "import", csv_file)
    assert value(scrape(client), "egovkit_import_rows_total", module="smart_kampung") >= before + 30


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn")
def test_two_server_processes_share_their_counters(make_instance, tmp_path):
    import urllib.request

    path = make_instance("banyuwangi")
    with serving(path, tmp_path / "server.log", workers=2) as base:
        for _ in range(20):
            urllib.request.urlopen(base + "/announcements/", timeout=5)
        text = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
        assert value(text, "egovkit_http_requests_total", route="/announcements/", status="200") == 20
        assert len(list((path / "run" / "prometheus").glob("*.db"))) >= 2  # both workers wrote

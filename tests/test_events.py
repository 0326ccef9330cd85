"""Events through the outbox: delivered after commit, a failing handler
leaves the event waiting, a retry delivers it exactly once, and a disabled
subscriber picks events up when enabled."""
from pathlib import Path

import pytest
import yaml

from .conftest import csrf_token, login

LISTENER = {
    "__init__.py": '''
        from egovkit.modules import Module
        MODULE = Module(name="listener", version="1.0.0", title={"id": "Pendengar", "en": "Listener"},
                        events={"announcement.published": "egovkit_listener.handlers:on_published"})
    ''',
    "handlers.py": '''
        from pathlib import Path
        CALLS = Path("calls.txt")

        def on_published(event):
            if Path("fail").exists():
                raise RuntimeError("printer out of paper")
            with CALLS.open("a") as f:
                f.write(f"{event.id}:{event.data['title']}\\n")
    ''',
}


@pytest.fixture
def listener(plugin):
    plugin("egovkit_listener", "listener", LISTENER)


def publish(client, title):
    return client.post("/announcements/new", data={"title": title, "body": "Isi.", "agency_code": "",
                                                   "csrf_token": csrf_token(client, "/announcements/new")})


def calls():
    return Path("calls.txt").read_text().splitlines() if Path("calls.txt").exists() else []


def make(cli, listener_on=True):
    Path("p.yaml").write_text("name: events-test\nextends: banyuwangi\nmodules:\n  listener: "
                              + ("{}" if listener_on else "false") + "\n")
    cli("init", "--profile", "p.yaml")
    from egovkit.app import create_app

    return create_app("instance", {"TESTING": True})


def test_event_is_delivered_after_commit(listener, cli):
    client = make(cli).test_client()
    login(client)
    assert publish(client, "Kerja bakti").status_code == 302
    assert calls() == ["1:Kerja bakti"]
    assert "announcement.published" in cli("events", "list").output and "listener: done" in cli("events", "list").output


def test_failing_handler_leaves_the_event_and_retry_delivers_once(listener, cli):
    client = make(cli).test_client()
    login(client)
    Path("fail").touch()
    assert publish(client, "Posyandu").status_code == 302  # the announcement itself is saved
    assert calls() == []
    assert "listener: FAILED x1" in cli("events", "list", "--failed").output
    assert "1 still undelivered" in cli("events", "retry", expect=1).output
    assert "listener: FAILED x2" in cli("events", "list").output
    Path("fail").unlink()
    assert "1 deliveries made; 0 still undelivered" in cli("events", "retry").output
    assert "0 deliveries made" in cli("events", "retry").output
    assert calls() == ["1:Posyandu"]


def test_admin_page_shows_failures_and_retries(listener, cli):
    app = make(cli)
    client = app.test_client()
    login(client)
    Path("fail").touch()
    publish(client, "Vaksinasi")
    page = client.get("/admin/events").get_data(as_text=True)
    assert "printer out of paper" in page
    Path("fail").unlink()
    response = client.post("/admin/events/retry", data={"csrf_token": csrf_token(client, "/admin/events")},
                           follow_redirects=True)
    assert "1 pengiriman dilakukan" in response.get_data(as_text=True)
    assert calls() == ["1:Vaksinasi"]


def test_disabled_subscriber_gets_waiting_events_when_enabled_by_upgrade(listener, cli):
    client = make(cli, listener_on=False).test_client()
    login(client)
    publish(client, "Musrenbang")
    assert "no subscriber" in cli("events", "list").output
    path = Path("instance/profile.yaml")
    profile = yaml.safe_load(path.read_text())
    profile["modules"]["listener"] = {}
    path.write_text(yaml.safe_dump(profile))
    assert "delivered 1 waiting events" in cli("upgrade").output
    assert calls() == ["1:Musrenbang"]


def test_outbox_backend_stores_and_the_relay_delivers(listener, cli, monkeypatch):
    monkeypatch.setenv("EGOVKIT_EVENT_BACKEND", "outbox")
    client = make(cli).test_client()
    login(client)
    publish(client, "Pasar murah")
    assert calls() == []
    cli("events", "relay", "--once")
    assert calls() == ["1:Pasar murah"]

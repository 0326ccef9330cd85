"""`egovkit doctor`: findings with severity and fix, and an exit status for monitoring."""
from __future__ import annotations

import json
from pathlib import Path

import yaml


def findings(cli, path, *args, expect=None):
    result = cli("--instance", path, "doctor", "--json", *args, expect=expect)
    return result.exit_code, {(f["check"], f["severity"]): f for f in json.loads(result.output)}


def test_a_new_instance_lacks_a_backup_and_a_fresh_backup_fixes_it(cli, make_instance):
    path = make_instance("banyuwangi")
    status, found = findings(cli, path)
    assert status == 2
    assert "egovkit backup" in found[("backup", "error")]["fix"]
    assert ("migrations", "ok") in found and ("database", "ok") in found
    cli("--instance", path, "backup")
    status, found = findings(cli, path)
    assert ("backup", "error") not in found and ("backup", "ok") in found
    assert ("backup", "warning") in found  # only inside the instance folder
    assert status == 1  # warnings remain (public URL unset, backups on the same disk)


def test_a_damaged_backup_is_not_counted_as_one(cli, make_instance, tmp_path):
    path = make_instance("banyuwangi")
    cli("--instance", path, "backup", "--to", tmp_path / "b")
    archive = next((tmp_path / "b").glob("*.tar.gz"))
    archive.write_bytes(archive.read_bytes()[:-200])
    _, found = findings(cli, path, "--backups", tmp_path / "b")
    assert "cannot be restored" in found[("backup", "error")]["message"]


def test_a_pending_migration_is_a_problem(cli):
    Path("p.yaml").write_text("name: lean\nextends: banyuwangi\nmodules:\n  announcements: false\n")
    cli("init", "--profile", "p.yaml")
    path = Path("instance").absolute()
    profile = yaml.safe_load((path / "profile.yaml").read_text())
    profile["modules"]["announcements"] = {}
    (path / "profile.yaml").write_text(yaml.safe_dump(profile))
    status, found = findings(cli, path)
    assert status == 2
    assert "announcements" in found[("migrations", "error")]["message"]
    assert found[("migrations", "error")]["fix"] == "run: egovkit upgrade"


def test_a_stopped_event_relay_and_a_job_nobody_runs(cli, make_instance, monkeypatch):
    from datetime import timedelta

    from egovkit.app import create_app
    from egovkit.db import db
    from egovkit.models import utcnow
    from egovkit.services import events, jobs

    path = make_instance("banyuwangi")
    monkeypatch.setenv("EGOVKIT_EVENT_BACKEND", "outbox")  # a relay process should deliver
    app = create_app(path)
    with app.app_context():
        ev = events.publish("rtlh.approved", proposal=1, village="35.10.01.2001")
        db.session.flush()
        ev.created_at = utcnow() - timedelta(hours=1)
        db.session.add(jobs.Job(kind="smart_kampung.import", target="x:y", params="{}", owner_id=None,
                                state="queued", created_at=utcnow() - timedelta(minutes=30)))
        db.session.commit()
    status, found = findings(cli, path)
    assert status == 2
    assert "egovkit events relay" in found[("events", "error")]["fix"]
    assert "nothing runs them" in found[("jobs", "error")]["message"]


def test_secret_key_mode_and_plain_text_output(cli, make_instance):
    path = make_instance("banyuwangi")
    (path / "secret_key").chmod(0o644)
    out = cli("--instance", path, "doctor", "--no-verify", expect=2).output
    assert "[WARN] secret key:" in out and f"chmod 600 {path / 'secret_key'}" in out
    assert "[FAIL] backup:" in out


def test_no_instance_is_a_problem_not_a_traceback(cli, tmp_path):
    _, found = findings(cli, tmp_path / "nothing", expect=2)
    assert ("instance", "error") in found


def test_the_administrator_sees_the_findings_in_indonesian(client, app):
    from .conftest import login

    login(client)
    page = client.get("/admin/doctor").get_data(as_text=True)
    assert "Pemeriksaan kesiapan" in page
    assert "belum ada cadangan" in page.lower() or "tidak ada cadangan" in page.lower()
    assert page.index("finding-error") < page.index("finding-ok")  # worst first
    assert "/admin/doctor" in client.get("/admin/").get_data(as_text=True)

"""The audit trail: every change and sign-in is chained; editing or deleting
an entry directly in the database is detected and named."""
import os
from pathlib import Path

from sqlalchemy import create_engine, text

from .conftest import csrf_token, login


def sql(statement: str):
    url = os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{Path('instance/egovkit.db').absolute()}"
    engine = create_engine(url)
    with engine.begin() as conn:
        rows = conn.execute(text(statement))
        result = rows.all() if rows.returns_rows else None
    engine.dispose()
    return result


def test_changes_and_logins_are_chained_and_verify(cli, client):
    login(client)
    client.post("/announcements/new", data={"title": "Posyandu", "body": "Rabu.", "agency_code": "dinkes",
                                            "csrf_token": csrf_token(client, "/announcements/new")})
    login(client, password="wrong password")
    rows = sql("SELECT actor, action, record_type FROM core_audit ORDER BY seq")
    assert ("cli:" in rows[0][0]) and ("admin@localhost", "create", "announcements_notice") in rows
    assert ("anonymous", "login", "core_user") in rows and ("admin@localhost", "login_failed", "core_user") in rows
    assert not any(r[2] in ("core_login_counter", "core_recovery_code") for r in rows)  # no audit noise, no hashes
    totp_entry = sql("SELECT data FROM core_audit WHERE record_type = 'core_user_totp' AND action = 'create'")
    assert '"secret": "***"' in totp_entry[0][0]  # the admin's enrolment, its (encrypted) secret redacted
    password_entry = sql("SELECT data FROM core_audit WHERE record_type = 'core_user' AND action = 'create'")
    assert '"password_hash": "***"' in password_entry[0][0]
    assert "audit log intact" in cli("audit", "verify").output


def test_an_edited_entry_is_named(cli, client):
    seq = sql("SELECT min(seq) FROM core_audit WHERE data LIKE '%Badan%'")[0][0]  # an agency's entry
    sql(f"UPDATE core_audit SET data = replace(data, 'Badan', 'Kantor') WHERE seq = {seq}")
    out = cli("audit", "verify", expect=1).output
    assert f"entry #{seq}: its content does not match its hash: edited" in out


def test_a_deleted_entry_is_named(cli, client):
    sql("DELETE FROM core_audit WHERE seq = 7")
    assert "entry #7: missing" in cli("audit", "verify", expect=1).output


def test_a_deleted_last_entry_is_named(cli, client):
    last = sql("SELECT max(seq) FROM core_audit")[0][0]
    sql(f"DELETE FROM core_audit WHERE seq = {last}")
    assert f"entry #{last}: missing" in cli("audit", "verify", expect=1).output


def test_a_rewritten_chain_tail_is_caught_by_the_next_link(cli, client):
    # Recomputing one entry's hash after editing it still breaks the link to the next entry.
    from egovkit.services.audit import entry_hash
    from egovkit.app import create_app
    from egovkit.db import db
    from egovkit.services.audit import AuditEntry

    app = create_app("instance")
    with app.app_context():
        entry = db.session.get(AuditEntry, 3)
        entry.actor = "someone-else"
        entry.hash = entry_hash(entry.seq, entry.at, entry.actor_id, entry.actor, entry.action, entry.module,
                                entry.record_type, entry.record_id, entry.data, entry.prev_hash)
        db.session.commit()
        db.engine.dispose()
    assert "entry #4: does not follow entry #3" in cli("audit", "verify", expect=1).output


def test_audit_page_is_for_admins_and_filters(app, client):
    assert client.get("/admin/audit").status_code == 302  # sign in first
    login(client)
    page = client.get("/admin/audit?record_type=announcements_notice").get_data(as_text=True)
    assert "announcements_notice" in page and "core_agency" not in page
    assert "Jejak audit" in client.get("/").get_data(as_text=True)  # menu entry for who may read it

"""Regressions from the security review of the platform services."""
import io
import pytest

from egovkit.auth.nik import NikError, parse_nik

from .conftest import csrf_token, login
from .test_workflow import PASSWORD, SARONGAN, decide, draft, instance


def test_a_future_birth_date_is_refused_and_a_nik_with_a_newline_is_the_same_nik(client, app):
    with pytest.raises(NikError, match="future"):
        parse_nik("3510011512260001")  # 15-12-2026, after today
    from .test_auth import WOMAN, register

    assert register(client).status_code == 302
    again = register(app.test_client(), nik=WOMAN + "\n", name="Orang Lain")
    assert again.status_code == 302  # the same NIK: the pending account is the same one, not a second
    with app.app_context():
        from egovkit.db import db
        from egovkit.models import User

        assert [u.name for u in db.session.query(User).filter_by(nik=WOMAN)] == ["Orang Lain"]
        db.engine.dispose()


def test_revoking_a_role_is_audited(cli, make_instance):
    make_instance("banyuwangi")
    cli("users", "create", "--email", "x@desa.id", "--name", "X", "--role", "operator_desa", "--region", SARONGAN,
        "--password-stdin", input=PASSWORD + "\n")
    cli("users", "revoke", "x@desa.id", "--role", "operator_desa")
    assert "delete" in cli("audit", "list", "--limit", "3").output


def test_a_chain_rewritten_without_the_instance_key_is_detected(cli, make_instance):
    import hashlib
    import json

    from sqlalchemy import create_engine, text

    path = make_instance("banyuwangi")
    import os

    engine = create_engine(os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{path / 'egovkit.db'}")
    with engine.begin() as conn:  # an attacker with database access but not the instance secret
        rows = conn.execute(text("SELECT seq, at, actor_id, actor, action, module, record_type, record_id, data, "
                                 "prev_hash FROM core_audit ORDER BY seq")).all()
        prev = "0" * 64
        for row in rows:
            at = row.at if isinstance(row.at, str) else row.at.isoformat()
            actor = "forger" if row.seq == 3 else row.actor
            digest = hashlib.sha256(json.dumps([row.seq, at, row.actor_id, actor, row.action, row.module,
                                                row.record_type, row.record_id, row.data, prev]).encode()).hexdigest()
            conn.execute(text("UPDATE core_audit SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
                         {"a": actor, "p": prev, "h": digest, "s": row.seq})
            prev = digest
        conn.execute(text("UPDATE core_audit_head SET hash = :h"), {"h": prev})
    engine.dispose()
    assert "entry #1: its content does not match its hash" in cli("audit", "verify", expect=1).output


def test_disabled_account_loses_its_open_session(cli, make_instance):
    from egovkit.app import create_app

    make_instance("banyuwangi")
    cli("users", "create", "--email", "x@desa.id", "--name", "X", "--role", "operator_desa", "--region", SARONGAN,
        "--password-stdin", input=PASSWORD + "\n")
    client = create_app("instance", {"TESTING": True}).test_client()
    login(client, "x@desa.id", PASSWORD)
    assert client.get("/inbox").status_code == 200
    cli("users", "disable", "x@desa.id")
    assert client.get("/inbox").status_code == 302


def test_village_users_cannot_speak_for_an_agency_or_approve_their_own_notice(cli, make_instance):
    app = instance(cli, make_instance)
    kades = app.test_client()
    login(kades, "kades.sarongan@desa.id", PASSWORD)
    response = kades.post("/announcements/new", data={"title": "Resmi Dinkes", "body": "x", "agency_code": "dinkes",
                                                      "action": "draft",
                                                      "csrf_token": csrf_token(kades, "/announcements/new")})
    assert response.status_code == 400  # the agency is not a choice for a village account
    url = draft(kades, "Kerja bakti")
    decide(kades, url, "submit")
    page = kades.get(url).get_data(as_text=True)
    assert "/approve" not in page  # four eyes: someone else approves
    operator = app.test_client()
    login(operator, "op.sarongan@desa.id", PASSWORD)
    assert "/cases/" not in operator.get(url).get_data(as_text=True)  # submitted: nothing left for the operator
    assert "&lt;section" not in page and '<section class="case"' in page  # the panel is HTML, not escaped text
    visitor = app.test_client().get(url)
    assert visitor.status_code == 404


def test_timeline_is_for_staff_only(cli, make_instance):
    app = instance(cli, make_instance)
    operator = app.test_client()
    login(operator, "op.sarongan@desa.id", PASSWORD)
    url = draft(operator, "Posyandu")
    decide(operator, url, "submit")
    kades = app.test_client()
    login(kades, "kades.sarongan@desa.id", PASSWORD)
    decide(kades, url, "approve")
    public = app.test_client().get(url).get_data(as_text=True)
    assert "Posyandu" in public and "op.sarongan" not in public and 'class="timeline"' not in public


def test_api_drafts_need_the_drafting_permission(cli, make_instance):
    app = instance(cli, make_instance)
    cli("users", "create", "--email", "bupati@kab.id", "--name", "Bupati", "--role", "bupati",
        "--password-stdin", input=PASSWORD + "\n")
    secret = cli("tokens", "create", "--user", "bupati@kab.id", "--scope", "announcements:read").output
    secret = secret.split(": ")[1].split()[0]
    response = app.test_client().get("/api/v1/announcements/drafts", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403


def test_csv_export_defuses_formulas(cli, make_instance):
    app = instance(cli, make_instance)
    operator = app.test_client()
    login(operator, "op.sarongan@desa.id", PASSWORD)
    draft(operator, '=HYPERLINK("http://evil.example")')
    body = operator.get("/announcements/export.csv").get_data(as_text=True)
    import csv

    titles = [row[1] for row in csv.reader(io.StringIO(body.lstrip("\ufeff")))][1:]
    assert titles == ["'=HYPERLINK(\"http://evil.example\")"]


def test_a_copied_session_cookie_dies_with_sign_out_and_password_reset(cli, make_instance):
    from egovkit.app import create_app

    make_instance("banyuwangi")
    cli("users", "create", "--email", "x@desa.id", "--name", "X", "--role", "operator_desa", "--region", SARONGAN,
        "--password-stdin", input=PASSWORD + "\n")
    app = create_app("instance", {"TESTING": True})
    client = app.test_client()
    login(client, "x@desa.id", PASSWORD)
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/inbox").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert thief.get("/inbox").status_code == 302
    login(client, "x@desa.id", PASSWORD)
    thief.set_cookie("session", client.get_cookie("session").value)
    cli("users", "reset-password", "x@desa.id")
    assert thief.get("/inbox").status_code == 302


def test_nul_characters_are_refused_at_the_door(client):
    assert client.get("/announcements/?page=1\x00").status_code in (400, 404)
    assert client.post("/api/v1/announcements/drafts", json={"title": "x", "body": "\x00"}).status_code == 400
    assert client.get("/api/v1/wilayah/35.10%00").status_code == 404
    assert client.post("/login", data={"login": "a\x00", "password": "x"}).status_code == 400


def test_a_role_of_another_kind_opens_nothing_in_a_view(cli, tmp_path):
    """A view opened with a permission reaches records only through the roles holding it: an operator who
    also holds a district role without that permission still sees only their own desa's residents."""
    from pathlib import Path

    from egovkit.app import create_app

    from .test_smart_kampung import GOOD, write
    from .test_workflow import people

    Path("p.yaml").write_text("name: with-facilitator\nextends: banyuwangi\nroles:\n  pendamping:\n"
                              "    scope: district\n    title: {id: Pendamping Desa, en: Village facilitator}\n")
    cli("init", "--profile", "p.yaml")
    people(cli)
    cli("users", "grant", "op.kandangan@desa.id", "--role", "pendamping", "--region", "35.10.01")
    write("warga.csv", [GOOD])
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True})
    other = app.test_client()
    login(other, "op.kandangan@desa.id", PASSWORD)
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        resident_id = db.session.query(Resident.id).scalar()
    assert other.get(f"/kampung/residents/{resident_id}").status_code == 404
    search = other.post("/kampung/residents", data={"q": GOOD["nik"],
                                                    "csrf_token": csrf_token(other, "/kampung/residents")})
    assert search.status_code == 200 and GOOD["nama"] not in search.get_data(as_text=True)
    own = app.test_client()
    login(own, "op.sarongan@desa.id", PASSWORD)
    assert own.get(f"/kampung/residents/{resident_id}").status_code == 200
    from .test_api import bearer, token

    secret = bearer(token(cli, "op.kandangan@desa.id", "kampung:read", "announcements:read"))
    assert app.test_client().post("/api/v1/kampung/residents/lookup", json={"nik": GOOD["nik"]}, headers=secret).status_code == 404
    url = draft(own, "Rapat desa Sarongan")  # a draft notice of Sarongan: not Kandangan's, whatever else they hold
    notice_id = url.rstrip("/").rsplit("/", 1)[1]
    assert app.test_client().get("/api/v1/announcements/drafts", headers=secret).json["total"] == 0
    assert app.test_client().get(f"/api/v1/announcements/drafts/{notice_id}", headers=secret).status_code == 404

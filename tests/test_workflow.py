"""Workflows with delegation and scope, through HTTP and the CLI: village
drafts stay in their village, the profile decides who approves, a race
yields one decision, every step is on the timeline."""
import csv
import io
import threading
from datetime import date
from pathlib import Path


from egovkit.services import workdays
from egovkit.app import create_app

from .conftest import accounts, csrf_token, login

PASSWORD = "sandi-kuat-sekali"
SARONGAN, KANDANGAN = "35.10.01.2001", "35.10.01.2009"  # two desa of Kec. Pesanggaran (35.10.01)
OTHER_DESA = "35.10.02.2001"  # a desa of another kecamatan


def people(cli):
    accounts(cli, [{"email": email, "name": email.split("@")[0], "role": role, "region": region} for email, role, region in [
        ("op.sarongan@desa.id", "operator_desa", SARONGAN), ("op.kandangan@desa.id", "operator_desa", KANDANGAN),
        ("kades.sarongan@desa.id", "kepala_desa", SARONGAN), ("camat.pesanggaran@kec.id", "camat", "35.10.01"),
        ("camat.siliragung@kec.id", "camat", "35.10.02"), ("op.other@desa.id", "operator_desa", OTHER_DESA),
    ]], PASSWORD)


def instance(cli, make_instance, profile="banyuwangi"):
    make_instance(profile)
    people(cli)
    return create_app("instance", {"TESTING": True, "EGOVKIT_PUBLIC_URL": "https://layanan.banyuwangikab.example"})


def as_user(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def draft(client, title="Kerja bakti Minggu"):
    response = client.post("/announcements/new", data={"title": title, "body": "Bersih desa.", "action": "draft",
                                                       "csrf_token": csrf_token(client, "/announcements/new")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def decide(client, url, transition, note=""):
    page = client.get(url).get_data(as_text=True)
    case_id = page.split("/cases/")[1].split("/")[0]
    return client.post(f"/cases/{case_id}/{transition}", data={"csrf_token": csrf_token(client, url), "note": note})


def test_village_drafts_stay_in_their_village_in_ui_and_exports(cli, make_instance):
    app = instance(cli, make_instance)
    url = draft(as_user(app, "op.sarongan@desa.id"))
    assert as_user(app, "op.sarongan@desa.id").get(url).status_code == 200
    neighbour = as_user(app, "op.kandangan@desa.id")
    assert neighbour.get(url).status_code == 404
    assert "Kerja bakti" not in neighbour.get("/announcements/drafts").get_data(as_text=True)
    assert "Kerja bakti" not in neighbour.get("/announcements/export.csv").get_data(as_text=True)
    assert neighbour.post(url + "/delete", data={"csrf_token": csrf_token(neighbour, "/")}).status_code == 404
    camat = as_user(app, "camat.pesanggaran@kec.id")
    assert camat.get(url).status_code == 200
    rows = list(csv.reader(io.StringIO(camat.get("/announcements/export.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["id", "title", "region_code", "agency_code", "published_at"]
    assert [r[1:3] for r in rows[1:]] == [["Kerja bakti Minggu", SARONGAN]]
    assert as_user(app, "camat.siliragung@kec.id").get(url).status_code == 404
    assert app.test_client().get(url).status_code == 404  # the public sees published notices only
    assert app.test_client().get("/announcements/export.csv").status_code == 302


def run_journey(app):
    url = draft(as_user(app, "op.sarongan@desa.id"))
    operator = as_user(app, "op.sarongan@desa.id")
    assert decide(operator, url, "submit").status_code == 302
    return url


def test_banyuwangi_delegates_approval_to_the_kepala_desa(cli, make_instance):
    app = instance(cli, make_instance)
    url = run_journey(app)
    kades = as_user(app, "kades.sarongan@desa.id")
    assert "Kerja bakti Minggu" in kades.get("/inbox").get_data(as_text=True)
    assert decide(kades, url, "approve").status_code == 302
    assert "Kerja bakti Minggu" in app.test_client().get("/announcements/").get_data(as_text=True)
    timeline = as_user(app, "op.sarongan@desa.id").get(url).get_data(as_text=True)
    assert "Kepala Desa Sarongan, kades.sarongan" in timeline and "@desa.id" not in timeline and "Setujui dan terbitkan" in timeline


def test_another_regency_keeps_approval_at_the_camat(cli, make_instance):
    Path("p.yaml").write_text("name: keep-camat\nextends: banyuwangi\nworkflows:\n  announcements.notice:\n"
                              "    transitions:\n      approve: {roles: [camat, opd_head]}\n"
                              "      reject: {roles: [camat, opd_head]}\n")
    app = instance(cli, make_instance, "p.yaml")
    url = run_journey(app)
    kades = as_user(app, "kades.sarongan@desa.id")
    assert "Kerja bakti Minggu" not in kades.get("/inbox").get_data(as_text=True)
    page = kades.get(url).get_data(as_text=True)
    assert "/approve" not in page
    case_id = page.split("/cases/")[1].split("/")[0] if "/cases/" in page else None
    assert case_id is None  # no decision offered to the kepala desa
    camat = as_user(app, "camat.pesanggaran@kec.id")
    assert decide(camat, url, "approve").status_code == 302
    assert "kades" not in cli("workflows", "show", "announcements.notice").output.split("approve")[1].split("\n")[0]


def test_send_back_needs_a_note_and_the_timeline_keeps_it(cli, make_instance):
    app = instance(cli, make_instance)
    url = run_journey(app)
    kades = as_user(app, "kades.sarongan@desa.id")
    response = decide(kades, url, "reject")
    assert "note" in kades.get(response.headers["Location"]).get_data(as_text=True)
    decide(kades, url, "reject", note="Tambahkan jam kegiatan.")
    page = as_user(app, "op.sarongan@desa.id").get(url).get_data(as_text=True)
    assert "Tambahkan jam kegiatan." in page and "Draf" in page
    assert "transition" in cli("audit", "list", "--module", "announcements").output


def test_a_racing_double_approval_yields_one_transition(cli, make_instance):
    from egovkit.services import workflow
    from egovkit.db import db
    from egovkit.models import User

    app = instance(cli, make_instance)
    run_journey(app)
    results = []
    barrier = threading.Barrier(2)

    def approve(email):
        with app.app_context():
            user = db.session.query(User).filter_by(email=email).one()
            case = db.session.query(workflow.Case).one()
            barrier.wait()
            try:
                workflow.fire(case, "approve", user=user)
                db.session.commit()
                results.append("ok")
            except workflow.WorkflowError as exc:
                db.session.rollback()
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(e,))
               for e in ("kades.sarongan@desa.id", "camat.pesanggaran@kec.id")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["Conflict", "ok"]
    with app.app_context():
        steps = db.session.query(workflow.Step).filter_by(transition="approve").count()
        db.engine.dispose()
    assert steps == 1
    assert cli("events", "list").output.count("workflow.announcements.notice.approve") == 1


def test_sla_counts_working_days_and_holidays():
    # Friday 14 August 2026; Monday 17 August is Independence Day.
    assert workdays.add_working_days(date(2026, 8, 14), 2) == date(2026, 8, 19)
    assert workdays.add_working_days(date(2026, 8, 14), 2, frozenset({date(2026, 8, 18)})) == date(2026, 8, 20)
    assert workdays.working_days_between(date(2026, 8, 14), date(2026, 8, 19)) == 2


def test_profile_workflow_overrides_are_checked(cli):
    Path("p.yaml").write_text("name: bad-wf\nextends: banyuwangi\nworkflows:\n  announcements.notice:\n"
                              "    transitions:\n      aprove: {roles: [lurah]}\n    sla:\n      submited: 3\n")
    out = cli("profile", "validate", "p.yaml", expect=2).output
    assert "p.yaml:6: workflows.announcements.notice.transitions.aprove: unknown transition (did you mean 'approve'?)" in out
    assert "unknown role 'lurah'" in out
    assert "p.yaml:8: workflows.announcements.notice.sla.submited: unknown state (did you mean 'submitted'?)" in out


def test_a_state_badge_says_what_the_state_means():
    """Badges are coloured by meaning: declared tones, final states done by default, a typo refused."""
    import pytest

    from egovkit.services.workflow import Transition, Workflow

    wf = Workflow(name="demo.thing", states={"asked": {}, "given": {}, "refused": {}}, initial="asked",
                  transitions=(Transition("give", ("asked",), "given", ()),
                               Transition("refuse", ("asked",), "refused", ())),
                  final=("given", "refused"), tones={"refused": "stopped"})
    wf.check()
    assert [wf.tone(s) for s in ("asked", "given", "refused")] == ["waiting", "done", "stopped"]
    bad = Workflow(name="demo.bad", states={"asked": {}}, initial="asked", transitions=(), tones={"asked": "red"})
    with pytest.raises(ValueError, match="tone 'red'"):
        bad.check()


def test_a_list_pages_cases_come_in_one_query_and_none_without_a_case(app):
    from types import SimpleNamespace

    from sqlalchemy import event, select

    from egovkit.db import db
    from egovkit.services import workflow

    with app.app_context():
        some = db.session.scalars(select(workflow.Case).order_by(workflow.Case.id).limit(3)).all()
        assert len(some) == 3  # the demo's cases
        rows = [SimpleNamespace(case_id=c.id) for c in some] + [SimpleNamespace(case_id=None)]
        queries = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
        assert workflow.cases_of(rows) == {c.id: c for c in some}
        assert len(queries) == 1
        assert workflow.cases_of([SimpleNamespace(case_id=None)]) == {} and workflow.cases_of([]) == {}
        assert len(queries) == 1  # nothing to look up: no query

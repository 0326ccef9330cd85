"""social_aid through HTTP: deciles imported with their rejects, a desa proposes residents of its register
(every failed rule named), Dinas Sosial verifies, its head approves, its staff pay once; the disbursement
list as PDF and XLSX, the public list masked; a death stops the proposal and refuses the payment; racing
payments and proposals make one of each (SQLite, and PostgreSQL when a URL is set)."""
import io
import re
import threading

import pytest

from egovkit.app import create_app

from .conftest import accounts, csrf_token, login
from .test_letters import decide
from .test_payments import RACERS, form_token, serving, signed_in as http_signed_in, today
from .test_smart_kampung import GOOD, write
from .test_workflow import KANDANGAN, PASSWORD, SARONGAN, people

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BUDI = GOOD["nik"]  # Budi Santoso, born 1990, KK 3510010101200003
SRI = dict(GOOD, nik="3510015708900001", nama="Sri Wahyuni", jenis_kelamin="P", hubungan_keluarga="Istri")
JOKO = dict(GOOD, nik="3510010105120001", nama="Joko Susilo", tanggal_lahir="01-05-2012",
            hubungan_keluarga="Kepala Keluarga", no_kk="3510010101200004")  # a minor on his own card, decile 5
RINI = dict(GOOD, nik="3510014403850001", nama="Rini Astuti", jenis_kelamin="P", tanggal_lahir="04-03-1985",
            no_kk="3510010101200005")
STAFF = [("staf@dinsos.id", "opd_staff", "dinsos"), ("kasir@dinsos.id", "opd_staff", "dinsos"),
         ("kepala@dinsos.id", "opd_head", "dinsos")]
DECILES = ("no_kk,nik,desil,tanggal_data\n"
           "3510010101200003,,1,2026-09-30\n"
           "3510010101200004,,5,2026-09-30\n"
           "3510010101200005,,2,2026-09-30\n"
           ",3510019999990001,11,2026-09-30\n"
           "12345,,3,2026-09-30\n"
           "3510010101200006,,2,kemarin\n")


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    accounts(cli, [{"email": email, "name": email.split("@")[0].title(), "role": role, "agency": agency}
                   for email, role, agency in STAFF], PASSWORD)
    write("warga.csv", [GOOD, SRI, JOKO, RINI])
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True})
    yield app
    with app.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()


def staff(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def import_deciles(client, text=DECILES, name="bnba.csv"):
    url = "/bansos/deciles"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def propose(client, nik, programme="blt_dbhcht"):
    url = "/bansos/propose"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "programme": programme, "nik": nik,
                                  "minutes": (io.BytesIO(PDF), "musdesus.pdf")}, content_type="multipart/form-data")


def pay(client, url, reference="TRF-0001", paid_on=None):
    return client.post(f"{url}/pay", data={"csrf_token": csrf_token(client, url), "reference": reference,
                                           "paid_on": (paid_on or today()).isoformat()})


def flashed(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def approved(app):
    """Deciles in, Budi proposed by Sarongan, verified and approved by Dinas Sosial: the proposal's URL."""
    assert import_deciles(staff(app, "staf@dinsos.id")).status_code == 200
    response = propose(staff(app, "op.sarongan@desa.id"), BUDI)
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    assert decide(staff(app, "staf@dinsos.id"), url, "verify").status_code == 302
    assert decide(staff(app, "kepala@dinsos.id"), url, "approve").status_code == 302
    assert "Disetujui: menunggu penyaluran" in staff(app, "staf@dinsos.id").get(url).get_data(as_text=True)
    return url


def test_deciles_import_with_rejects_and_upsert(regency, cli):
    dinsos = staff(regency, "staf@dinsos.id")
    page = import_deciles(dinsos).get_data(as_text=True)
    assert "6 baris: 3 disimpan, 0 tidak berubah, 3 ditolak." in page
    assert "desil: &#39;11&#39; bukan desil 1 sampai 10" in page
    assert "no_kk: &#39;12345&#39; bukan 16 digit" in page
    assert "tanggal_data: &#39;kemarin&#39; bukan tanggal" in page
    again = import_deciles(dinsos, "no_kk,nik,desil,tanggal_data\n3510010101200003,,1,2026-09-30\n"
                                   "3510010101200004,,3,2026-11-30\n3510010101200005,,6,2026-06-30\n"
                                   ).get_data(as_text=True)
    assert "3 baris: 1 disimpan, 2 tidak berubah, 0 ditolak." in again  # newer replaced; same and older kept
    assert "Baris 4: lebih lama daripada data yang ada" in again
    missing = import_deciles(dinsos, "kk,desil\n1,2\n")  # columns missing: named with the file as sent, nothing read
    assert missing.status_code == 400 and "bnba.csv:1: " in missing.get_data(as_text=True)
    assert staff(regency, "op.sarongan@desa.id").get("/bansos/deciles").status_code == 403
    from pathlib import Path

    Path("bnba.csv").write_text(DECILES)  # from the shell: the rejects file in English, each row's line and field
    out = cli("social-aid", "import-deciles", "bnba.csv").output
    assert "6 rows: 0 written, 3 unchanged, 3 rejected" in out and "line 3: older than the data held (2026-11-30)" in out
    rejects = Path("bnba.rejects.csv").read_text()
    assert "5,desil: '11' is not a decile from 1 to 10" in rejects and "6,no_kk: '12345' is not 16 digits" in rejects


def test_a_proposal_names_every_failed_rule_and_writes_nothing(regency):
    import_deciles(staff(regency, "staf@dinsos.id"))
    operator = staff(regency, "op.sarongan@desa.id")
    joko = propose(operator, JOKO["nik"])
    assert joko.status_code == 400
    page = joko.get_data(as_text=True)
    assert "Desil DTSEN 5 (data 2026-09-30), paling tinggi 2." in page
    assert re.search(r"Umur 1[34], syarat 18 sampai 150\.", page)
    assert propose(operator, "3510019999990001").status_code == 400  # not in the register
    operator.set_cookie("lang", "en")  # the same refusal in English
    english = propose(operator, JOKO["nik"]).get_data(as_text=True)
    assert "DTSEN decile 5 (data of 2026-09-30), at most 2." in english and "required 18 to 150." in english
    operator.set_cookie("lang", "id")
    assert propose(operator, BUDI).status_code == 302
    assert propose(operator, RINI["nik"], "pkh").status_code == 302
    rini = propose(operator, RINI["nik"]).get_data(as_text=True)  # PKH excludes BLT DBH CHT
    assert "Sudah menerima Program Keluarga Harapan (pendamping daerah), yang tidak boleh digabung" in rini
    listed = operator.get("/bansos/proposals").get_data(as_text=True)
    assert "Budi Santoso" in listed and "Rini Astuti" in listed and "Diusulkan desa" in listed
    assert "Budi Santoso" not in staff(regency, "op.kandangan@desa.id").get("/bansos/proposals").get_data(as_text=True)
    assert staff(regency, "staf@dinsos.id").get("/bansos/").get_data(as_text=True).count("Diusulkan desa: 1") == 2
    sri = propose(operator, SRI["nik"]).get_data(as_text=True)  # the same family card: aid per household
    assert "Rumah tangga ini sudah diusulkan untuk program ini" in sri
    other = staff(regency, "op.kandangan@desa.id")
    assert "Tidak ada penduduk dengan NIK ini" in propose(other, RINI["nik"]).get_data(as_text=True)
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.social_aid.models import Proposal, Quota

        assert [p.name for p in db.session.query(Proposal).order_by(Proposal.id)] == ["Budi Santoso", "Rini Astuti"]
        assert db.session.query(Quota.used).scalar() == 1  # BLT DBH CHT's quota: Budi's place (PKH has none)
        assert db.session.query(Proposal.decile_date).filter_by(nik=BUDI).scalar().isoformat() == "2026-09-30"
        db.engine.dispose()


def test_verified_approved_paid_once_then_lists(regency):
    url = approved(regency)
    head, cashier = staff(regency, "kepala@dinsos.id"), staff(regency, "kasir@dinsos.id")
    assert "Catat penyaluran" not in head.get(url).get_data(as_text=True)  # not the head who approved
    page = cashier.get(url).get_data(as_text=True)
    assert 'class="confirm"' in page and "Ya: Catat penyaluran" in page
    assert "Pembayaran dicatat." in flashed(cashier, pay(cashier, url))
    assert "Tersalurkan" in cashier.get(url).get_data(as_text=True)
    assert "Ya: Catat penyaluran" not in cashier.get(url).get_data(as_text=True)
    assert "Tagihan ini sudah dibayar." in flashed(cashier, pay(cashier, url, "TRF-0002"))
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.payments import Payment

        rows = db.session.query(Payment).all()
        assert [(p.module, p.kind, p.amount, p.direction) for p in rows] == [("social_aid", "benefit", 300000, "out")]
        period = rows[0].payable_id.split(":")[1]
        db.engine.dispose()
    query = f"programme=blt_dbhcht&period={period}&village={SARONGAN}"
    pdf = cashier.get(f"/bansos/disbursement?{query}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store, private"  # names of beneficiaries: never cached
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Budi Santoso" in text and "TRF-0001" in text and "Tanda tangan" in text and BUDI not in text
    xlsx = cashier.get(f"/bansos/disbursement?{query}&format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [1, "Budi Santoso", 300000] == values[3][:3] and values[4][:3] == [None, "Jumlah", 300000]
    assert staff(regency, "op.kandangan@desa.id").get(f"/bansos/disbursement?{query}").status_code == 404
    public = regency.test_client().get(f"/bansos/public?{query}").get_data(as_text=True)
    assert "Bu** Sa*****" in public and "Budi Santoso" not in public and BUDI not in public
    assert regency.test_client().get(f"/bansos/public?programme=pkh&village={SARONGAN}").status_code == 404


def test_a_second_payment_is_refused(regency):
    url = approved(regency)
    cashier = staff(regency, "kasir@dinsos.id")
    pay(cashier, url)
    with regency.app_context():  # another proposal cannot be made for the same person and period either
        from egovkit.db import db
        from egovkit.services import payments
        from egovkit_modules.social_aid.models import BENEFIT, Proposal

        proposal = db.session.query(Proposal).one()
        due = BENEFIT.payable(proposal.payable_id, amount=proposal.amount, billed_on=proposal.approved_on)
        with pytest.raises(payments.AlreadyPaid):
            payments.record(due, amount=proposal.amount, paid_on=proposal.approved_on, reference="TRF-9")
        db.session.rollback()
        db.engine.dispose()


def test_death_stops_the_proposal_and_refuses_payment(regency, cli):
    url = approved(regency)
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        budi = db.session.query(Resident).filter_by(nik=BUDI).one().id
        sri = db.session.query(Resident).filter_by(nik=SRI["nik"]).one().id
        db.engine.dispose()
    operator = staff(regency, "op.sarongan@desa.id")  # Sri reports Budi's death: the real death letter
    new = f"/kampung/letters/new?type=kematian&resident={budi}"
    letter = operator.post(new, data={"csrf_token": csrf_token(operator, new), "type": "kematian", "resident": budi,
                                      "date_of_death": "2026-11-20", "place_of_death": "Rumah", "cause": "Sakit",
                                      "reporter": sri, "relation": "Istri"}).headers["Location"]
    decide(operator, letter, "verify")
    assert decide(staff(regency, "kades.sarongan@desa.id"), letter, "sign").status_code == 302
    cashier = staff(regency, "kasir@dinsos.id")
    page = cashier.get(url).get_data(as_text=True)
    assert "Dihentikan: penerima meninggal" in page and "Ya: Catat penyaluran" not in page
    assert "Penerima meninggal dunia: pembayaran tidak dapat dilakukan." in flashed(cashier, pay(cashier, url))
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.audit import AuditEntry
        from egovkit.services.payments import Payment

        assert db.session.query(Payment).count() == 0
        actions = {a.action for a in db.session.query(AuditEntry).filter_by(module="social_aid")}
        assert {"proposal_stopped", "payment_refused"} <= actions
        db.engine.dispose()
    assert "Budi Santoso" not in regency.test_client().get(
        f"/bansos/public?programme=blt_dbhcht&village={SARONGAN}").get_data(as_text=True)


def test_racing_payments_make_one(regency):
    url = approved(regency)
    with serving(regency) as base:
        sessions = [http_signed_in(base, "kasir@dinsos.id") for _ in range(RACERS)]
        tokens = [form_token(s, base + url) for s in sessions]
        barrier = threading.Barrier(RACERS)
        codes = [0] * RACERS

        def go(i):
            barrier.wait()
            codes[i] = sessions[i].post(f"{base}{url}/pay", allow_redirects=False, data={
                "csrf_token": tokens[i], "reference": f"TRF-R{i}", "paid_on": today().isoformat()}).status_code

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert set(codes) <= {302, 409}
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.payments import Payment

        assert db.session.query(Payment).filter(Payment.module == "social_aid").count() == 1
        db.engine.dispose()


def test_racing_proposals_make_one(regency):
    import_deciles(staff(regency, "staf@dinsos.id"))
    with serving(regency) as base:
        sessions = [http_signed_in(base, "op.sarongan@desa.id") for _ in range(RACERS)]
        tokens = [form_token(s, base + "/bansos/propose") for s in sessions]
        barrier = threading.Barrier(RACERS)

        def go(i):
            barrier.wait()
            sessions[i].post(f"{base}/bansos/propose", allow_redirects=False, files={"minutes": ("m.pdf", PDF)},
                             data={"csrf_token": tokens[i], "programme": "blt_dbhcht", "nik": BUDI})

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.social_aid.models import Proposal, Quota

        assert db.session.query(Proposal).count() == 1
        assert db.session.query(Quota.used).scalar() == 1
        db.engine.dispose()


def test_bad_programmes_are_profile_errors_with_file_and_line():
    from .test_profiles import problems, write as write_profile

    write_profile("p.yaml", "extends: banyuwangi\nname: bansos-test\nmodules:\n  social_aid:\n    programmes:\n"
                            "      blt:\n        name: BLT Desa\n        agency: dinas_x\n        amount: 300000\n"
                            "        rules: {max_decile: 11, excludes: [pkh]}\n"
                            "      Bad-Key:\n        name: Salah\n        agency: dinsos\n        amount: 1\n")
    found = problems("p.yaml")
    assert any(m.startswith("p.yaml:10: modules.social_aid.programmes.blt.rules.max_decile: input should be less "
                            "than or equal to 10") for m in found), found
    write_profile("p.yaml", "extends: banyuwangi\nname: bansos-test\nmodules:\n  social_aid:\n    programmes:\n"
                            "      blt:\n        name: BLT Desa\n        agency: dinas_x\n        amount: 300000\n"
                            "        rules: {max_decile: 2, excludes: [pkh, blt]}\n")
    found = problems("p.yaml")
    assert "p.yaml:8: modules.social_aid.programmes.blt.agency: unknown agency 'dinas_x': add it under agencies" \
        in found, found
    assert any(m.startswith("p.yaml:10: modules.social_aid.programmes.blt.rules.excludes: 'blt' is not another")
               for m in found), found


def test_a_profile_without_the_module_leaves_nothing_broken(cli, make_instance):
    from .test_profiles import write as write_profile

    write_profile("nobansos.yaml", "extends: banyuwangi\nname: nobansos\nmodules:\n  social_aid: false\n")
    make_instance("nobansos.yaml")
    people(cli)
    write("warga.csv", [GOOD, SRI])
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True})
    client = app.test_client()
    assert client.get("/bansos/public").status_code == 404
    assert client.get("/").status_code == 200
    operator = staff(app, "op.sarongan@desa.id")
    home = operator.get("/").get_data(as_text=True)
    assert "Bantuan sosial" not in home and "/bansos" not in home and operator.get("/bansos/").status_code == 404
    assert not [p for p in client.get("/api/v1/openapi.json").json["paths"] if "social-aid" in p]
    with app.app_context():  # the register still answers the core's questions without the module
        from egovkit.db import db
        from egovkit.services import register
        from egovkit_modules.smart_kampung.models import Resident

        assert register.person("3510019999990001") is None
        budi, sri = (db.session.query(Resident.id).filter_by(nik=nik).scalar() for nik in (BUDI, SRI["nik"]))
        db.engine.dispose()
    new = f"/kampung/letters/new?type=kematian&resident={budi}"  # a death letter: resident.died, nobody listening
    letter = operator.post(new, data={"csrf_token": csrf_token(operator, new), "type": "kematian", "resident": budi,
                                      "date_of_death": "2026-11-20", "place_of_death": "Rumah", "cause": "Sakit",
                                      "reporter": sri, "relation": "Istri"}).headers["Location"]
    assert decide(operator, letter, "verify").status_code == 302
    assert decide(staff(app, "kades.sarongan@desa.id"), letter, "sign").status_code == 302
    with app.app_context():
        from egovkit.db import db
        from egovkit.services import events
        from egovkit_modules.smart_kampung.models import Resident

        assert db.session.query(Resident.status).filter_by(nik=BUDI).scalar() == "died"
        assert events.undelivered() == []  # no handler of a switched-off module waits for it
        db.session.remove()
        db.engine.dispose()


def test_banyuwangi_and_batang_enable_the_module_with_their_programmes():
    from egovkit import profile as profiles

    for name in ("banyuwangi", "batang"):
        loaded = profiles.load(profiles.find(name))
        assert "social_aid" in [m.name for m in loaded.enabled()], name
        settings = loaded.modules["social_aid"]
        assert {"blt_dbhcht", "pkh"} <= set(settings.programmes) and settings.hibah and settings.spm, name
    batang = profiles.load(profiles.find("batang")).modules["social_aid"]
    assert (batang.death_benefit.amount, batang.death_benefit.window_days, batang.spm.max_decile) == (1500000, 60, 5)


def test_racing_proposals_never_exceed_the_desa_quota(cli, make_instance):
    from .test_profiles import write as write_profile

    write_profile("quota.yaml", "extends: banyuwangi\nname: quota-test\nmodules:\n  social_aid:\n    programmes:\n"
                                "      blt:\n        name: BLT Desa\n        agency: dinsos\n        amount: 300000\n"
                                "        quota_per_desa: 1\n        rules: {max_decile: 2}\n")
    make_instance("quota.yaml")
    people(cli)
    accounts(cli, [{"email": email, "name": email.split("@")[0].title(), "role": role, "agency": agency}
                   for email, role, agency in STAFF], PASSWORD)
    write("warga.csv", [GOOD, RINI])
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True})
    import_deciles(staff(app, "staf@dinsos.id"))
    with serving(app) as base:
        sessions = [http_signed_in(base, "op.sarongan@desa.id") for _ in range(RACERS)]
        tokens = [form_token(s, base + "/bansos/propose") for s in sessions]
        barrier = threading.Barrier(RACERS)
        pages = [""] * RACERS

        def go(i):
            barrier.wait()
            pages[i] = sessions[i].post(f"{base}/bansos/propose", allow_redirects=False,
                                        files={"minutes": ("m.pdf", PDF)},
                                        data={"csrf_token": tokens[i], "programme": "blt",
                                              "nik": (BUDI, RINI["nik"])[i % 2]}).text

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert any("Kuota desa ini untuk program dan periode ini sudah penuh." in p for p in pages)
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.social_aid.models import Proposal, Quota

        assert db.session.query(Proposal).count() == 1
        assert db.session.query(Quota.used).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_a_payment_is_refused_when_the_register_shows_a_death_not_yet_delivered(regency):
    url = approved(regency)
    with regency.app_context():  # the register says died; its event has not reached social_aid yet
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        db.session.query(Resident).filter_by(nik=BUDI).one().status = "died"
        db.session.commit()
        db.engine.dispose()
    cashier = staff(regency, "kasir@dinsos.id")
    assert "Penerima meninggal dunia: pembayaran tidak dapat dilakukan." in flashed(cashier, pay(cashier, url))
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.payments import Payment

        assert db.session.query(Payment).count() == 0
        db.engine.dispose()


def test_the_system_transition_is_no_one_elses_and_no_one_takes_it_by_hand(regency):
    url = approved(regency)
    head = staff(regency, "kepala@dinsos.id")
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services import workflow
        from egovkit_modules.social_aid.models import Proposal

        case = db.session.get(workflow.Case, db.session.query(Proposal).one().case_id)
        with pytest.raises(workflow.Invalid):
            workflow.fire_system(case, "pay")  # a transition people take: only through fire()
        case_id = case.id
        db.session.rollback()
        db.engine.dispose()
    response = head.post(f"/cases/{case_id}/stop", data={"csrf_token": csrf_token(head, url), "next": url})
    assert response.status_code in (302, 403, 404)
    assert "Disetujui: menunggu penyaluran" in head.get(url).get_data(as_text=True)


ANI = dict(GOOD, nik="3510014512000001", nama="Ani Rahayu", jenis_kelamin="P", tanggal_lahir="05-12-2000",
           no_kk="3510010101200006")  # her decile by NIK only
EKO = dict(GOOD, nik="3510010203700001", nama="Eko Prasetyo", tanggal_lahir="02-03-1970", no_kk="3510010101200007")
DIAN = dict(GOOD, nik="3510016006950001", nama="Dian Puspita", jenis_kelamin="P", tanggal_lahir="20-06-1995",
            no_kk="3510010101200008", kode_desa=KANDANGAN)


def test_years_before_is_the_age_rule():
    """screen's age bounds (birth date on or before years_before) are check's age_on, leap days included."""
    from datetime import date, timedelta

    from egovkit_modules.social_aid.eligibility import age_on, years_before

    days = [date(2028, 2, 29), date(2028, 2, 28), date(2028, 3, 1), date(2027, 2, 28), date(2027, 3, 1),
            date(2026, 8, 17), date(2026, 12, 31)]
    born = [date(1996, 2, 20) + timedelta(days=n) for n in range(15)] + [date(2000, 2, 29), date(2001, 3, 1)]
    for day in days:
        for b in born:
            for years in range(0, 35):
                assert (age_on(b, day) >= years) == (b <= years_before(day, years)), (b, day, years)


def test_screening_the_register_finds_whom_check_passes_and_the_page_shows_it_within_reach(regency, cli):
    """eligibility.screen (one query over the register, set-based) answers as eligibility.check does person by
    person, for every rule: decile by KK or NIK, age bounds on their boundary days, alive, resident, excluded
    and already proposed; /bansos/eligible shows the count per desa and a desa's list, within reach."""
    from datetime import date

    write("more.csv", [ANI, EKO, DIAN])
    cli("residents", "import", "more.csv")
    assert "4 baris: 4 disimpan" in import_deciles(staff(regency, "staf@dinsos.id"), (
        "no_kk,nik,desil,tanggal_data\n3510010101200003,,1,2026-09-30\n3510010101200004,,5,2026-09-30\n"
        "3510010101200005,,2,2026-09-30\n,3510014512000001,1,2026-09-30\n")).get_data(as_text=True)
    import_deciles(staff(regency, "staf@dinsos.id"), "no_kk,nik,desil,tanggal_data\n3510010101200007,,1,2026-09-30\n"
                                                     "3510010101200008,,2,2026-09-30\n")

    def agree(label):
        from egovkit.db import db
        from egovkit.services import register
        from egovkit_modules.social_aid.eligibility import check, programmes, screen
        from egovkit_modules.social_aid.programmes import Programme, Rules
        from egovkit_modules.smart_kampung.models import Resident

        variants = dict(programmes())
        variants["ages"] = Programme(name="Usia", agency="dinsos", amount=1, rules=Rules(min_age=26, max_age=35))
        variants["anyone"] = Programme(name="Semua", agency="dinsos", amount=1, kind="household",
                                       rules=Rules(max_decile=1, alive=False, resident_of_regency=False))
        people = [register.person(n) for n in db.session.scalars(db.select(Resident.nik))]
        found = {}
        for day in (today(), date(2026, 8, 17), date(2026, 8, 16), date(2026, 12, 5), date(2026, 12, 4)):
            for key, programme in variants.items():
                passed = {p.nik for p in people if not check(key, programme, p, day).failed}
                screened = {row.nik for row in db.session.execute(screen(key, programme, day))}
                assert screened == passed, (label, key, day, screened ^ passed)
                found[key, day] = passed
        return found

    with regency.app_context():
        first = agree("before any proposal")
        db_dispose(regency)
    assert first[("blt_dbhcht", today())] == {BUDI, SRI["nik"], RINI["nik"], ANI["nik"], EKO["nik"], DIAN["nik"]}
    assert BUDI in first[("ages", date(2026, 8, 16))] and BUDI not in first[("ages", date(2026, 8, 17))]  # 36
    assert ANI["nik"] in first[("ages", date(2026, 12, 5))] and ANI["nik"] not in first[("ages", date(2026, 12, 4))]
    operator = staff(regency, "op.sarongan@desa.id")
    assert propose(operator, BUDI).status_code == 302  # the household of Budi and Sri is proposed
    assert propose(operator, RINI["nik"], "pkh").status_code == 302  # PKH excludes her from BLT DBH CHT
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        db.session.query(Resident).filter_by(nik=EKO["nik"]).one().status = "moved"
        db.session.query(Resident).filter_by(nik=ANI["nik"]).one().status = "died"
        db.session.commit()
        after = agree("after proposals, a move and a death")
        db_dispose(regency)
    assert after[("blt_dbhcht", today())] == {DIAN["nik"]}
    assert after[("anyone", today())] >= {ANI["nik"], EKO["nik"]}  # neither alive nor resident asked

    dinsos = staff(regency, "staf@dinsos.id").get("/bansos/eligible?programme=pkh").get_data(as_text=True)
    table = dinsos.split('id="per-desa"')[1].split("</table>")[0]
    assert "Sarongan" in table and "Kandangan" in table and "Budi Santoso" not in dinsos  # counts, no names
    sarongan = staff(regency, "op.sarongan@desa.id").get("/bansos/eligible?programme=pkh").get_data(as_text=True)
    assert "Budi Santoso" in sarongan and "Sri Wahyuni" in sarongan and "Dian Puspita" not in sarongan
    assert "Rini Astuti" not in sarongan  # proposed already for PKH this period
    kandangan = staff(regency, "op.kandangan@desa.id")
    assert "Dian Puspita" in kandangan.get("/bansos/eligible?programme=pkh").get_data(as_text=True)
    assert kandangan.get(f"/bansos/eligible?programme=pkh&village={SARONGAN}").status_code == 404
    assert kandangan.get("/bansos/eligible?programme=nope").status_code == 404
    kandangan.set_cookie("lang", "en")
    assert "Who is eligible" in kandangan.get("/bansos/eligible?programme=pkh").get_data(as_text=True)
    cli("users", "create", "--email", "admisi@rsud.id", "--name", "Admisi", "--role", "opd_staff", "--agency", "rsud",
        "--password-stdin", input=PASSWORD + "\n")
    hospital = staff(regency, "admisi@rsud.id").get("/bansos/eligible?programme=pkh").get_data(as_text=True)
    assert "Tidak ada penduduk dalam jangkauan Anda" in hospital and "Sarongan" not in hospital  # not its agency's


def db_dispose(app):
    from egovkit.db import db

    db.session.remove()
    db.engine.dispose()


def test_a_payment_racing_the_death_letter_is_never_posthumous(regency):
    """Cashier sessions record the payment while the village head signs the beneficiary's death letter, at the
    same moment (a real threaded HTTP server; SQLite, and PostgreSQL when a URL is set): either the payment
    came first (paid, the proposal kept as history) or the death did (stopped, no payment), never both, and at
    most one payment."""
    from .test_payments import form_token as token_of

    url = approved(regency)
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        budi, sri = (db.session.query(Resident.id).filter_by(nik=nik).scalar() for nik in (BUDI, SRI["nik"]))
        db.engine.dispose()
    operator = staff(regency, "op.sarongan@desa.id")
    new = f"/kampung/letters/new?type=kematian&resident={budi}"
    letter = operator.post(new, data={"csrf_token": csrf_token(operator, new), "type": "kematian", "resident": budi,
                                      "date_of_death": today().isoformat(), "place_of_death": "Rumah",
                                      "cause": "Sakit", "reporter": sri, "relation": "Istri"}).headers["Location"]
    assert decide(operator, letter, "verify").status_code == 302  # only the head's signature is left
    with serving(regency) as base:
        cashiers = [http_signed_in(base, "kasir@dinsos.id") for _ in range(RACERS - 1)]
        tokens = [token_of(s, base + url) for s in cashiers]
        head = staff(regency, "kades.sarongan@desa.id")  # signs in with a second factor: the test client
        page = head.get(letter).get_data(as_text=True)
        sign = re.search(r'formaction="(/cases/\d+/sign)"', page).group(1)
        head_token = csrf_token(head, letter)
        barrier = threading.Barrier(RACERS)
        codes: list = [None] * RACERS

        def go(i):
            barrier.wait()
            if i == RACERS - 1:
                response = head.post(sign, data={"csrf_token": head_token, "note": "", "next": letter})
            else:
                response = cashiers[i].post(f"{base}{url}/pay", allow_redirects=False, data={
                    "csrf_token": tokens[i], "reference": f"TRF-D{i}", "paid_on": today().isoformat()})
            codes[i] = response.status_code

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert set(codes) <= {302, 409}, codes
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services import events, workflow
        from egovkit.services.payments import Payment
        from egovkit_modules.smart_kampung.models import Resident
        from egovkit_modules.social_aid.models import Proposal

        assert db.session.query(Resident.status).filter_by(nik=BUDI).scalar() == "died"  # the letter was signed
        events.deliver_pending()  # a death handler that lost to the payment is retried (cron / worker)
        proposal = db.session.query(Proposal).one()
        state = db.session.get(workflow.Case, proposal.case_id).state
        paid = db.session.query(Payment).filter_by(module="social_aid", kind="benefit").all()
        db.engine.dispose()
    if paid:  # the payment came first: history, not a payment to a dead person
        assert (len(paid), state, proposal.stopped) == (1, "paid", None), (paid, state, proposal.stopped)
    else:  # the death came first: stopped, and no payment ever recorded after it
        assert (state, proposal.stopped, proposal.active_key) == ("stopped", "died", None)

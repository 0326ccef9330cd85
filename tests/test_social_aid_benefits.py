"""social_aid beyond bansos, through HTTP: the death benefit opened by a real death letter (late and second
claims refused with the reason, racing claims make one), the poverty statement (SPM) acknowledged on its QR
page, grants to organisations (hibah) up to the overdue LPJ, and the dashboard whose figures add up."""
from datetime import datetime, timedelta

import pytest

from egovkit.app import create_app

from .conftest import accounts, csrf_token
from .test_letters import decide
from .test_payments import race, today
from .test_smart_kampung import GOOD, write
from .test_social_aid import RINI, SRI, STAFF, flashed, import_deciles, pay, staff
from .test_workflow import PASSWORD, people

DEWI = dict(GOOD, nik="3510015506150001", nama="Dewi Lestari", jenis_kelamin="P", tanggal_lahir="15-06-2015",
            hubungan_keluarga="Anak")  # on Budi's family card


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    accounts(cli, [{"email": email, "name": email.split("@")[0].title(), "role": role, "agency": agency}
                   for email, role, agency in STAFF], PASSWORD)
    write("warga.csv", [GOOD, SRI, DEWI, RINI])
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True})
    yield app
    with app.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()


def resident_id(app, nik):
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        found = db.session.query(Resident.id).filter_by(nik=nik).scalar()
        db.engine.dispose()
        return found


def death_letter(app, nik, reporter_nik, died):
    """The desa's death letter through smart_kampung's pages: requested, verified, signed; its number."""
    operator = staff(app, "op.sarongan@desa.id")
    subject = resident_id(app, nik)
    new = f"/kampung/letters/new?type=kematian&resident={subject}"
    response = operator.post(new, data={"csrf_token": csrf_token(operator, new), "type": "kematian",
                                        "resident": subject, "date_of_death": died.isoformat(),
                                        "place_of_death": "Rumah", "cause": "Sakit",
                                        "reporter": resident_id(app, reporter_nik), "relation": "Istri"})
    assert response.status_code == 302, response.get_data(as_text=True)
    letter = response.headers["Location"]
    assert decide(operator, letter, "verify").status_code == 302
    assert decide(staff(app, "kades.sarongan@desa.id"), letter, "sign").status_code == 302
    with app.app_context():
        from egovkit.db import db
        from egovkit.services.documents import Document

        number = db.session.query(Document.number).filter_by(
            module="smart_kampung", record_id=letter.rstrip("/").rsplit("/", 1)[1]).scalar()
        db.engine.dispose()
    assert number
    return number


def death_case_url(app, name):
    page = staff(app, "staf@dinsos.id").get("/bansos/death").get_data(as_text=True)
    assert name in page
    before = page.split(name)[0]
    return before[before.rindex('href="') + 6:].split('"')[0]


def claim(client, url, heir, number, relation="", name=""):
    return client.post(url, data={"csrf_token": csrf_token(client, url), "heir_nik": heir, "letter_number": number,
                                  "relation": relation, "heir_name": name})


def test_death_benefit_from_a_real_death_letter_paid_once_and_the_dashboard_adds_up(regency, cli):
    from .test_social_aid import approved

    bansos = approved(regency)  # Budi's household: BLT DBH CHT approved, then paid before his death
    cashier = staff(regency, "kasir@dinsos.id")
    assert "Pembayaran dicatat." in flashed(cashier, pay(cashier, bansos, "TRF-BLT-1"))
    number = death_letter(regency, GOOD["nik"], SRI["nik"], today() - timedelta(days=3))
    url = death_case_url(regency, "Budi Santoso")
    operator = staff(regency, "op.sarongan@desa.id")
    page = operator.get(url).get_data(as_text=True)
    assert "Rp 1.000.000" in page and (today() + timedelta(days=27)).strftime("%Y") in page
    wrong = claim(operator, url, SRI["nik"], "470/999/35.10.01.2001/2026")
    assert wrong.status_code == 400
    assert "bukan surat yang diterbitkan untuk kematian ini" in wrong.get_data(as_text=True)
    outsider = claim(operator, url, "3510019999990001", number)  # not on the card, no relation, no name
    text = outsider.get_data(as_text=True)
    assert "Tidak tercantum dalam KK almarhum: sebutkan hubungannya" in text and "nama ahli waris" in text
    operator.set_cookie("lang", "en")
    english = claim(operator, url, "3510019999990001", number).get_data(as_text=True)
    assert "Not on the deceased&#39;s family card: state the relation" in english
    operator.set_cookie("lang", "id")
    filed = claim(operator, url, SRI["nik"], number.lower())  # a member of the KK; the number as typed
    assert filed.status_code == 302, filed.get_data(as_text=True)
    claim_url = filed.headers["Location"]
    second = claim(operator, url, RINI["nik"], number, relation="Anak")
    assert second.status_code == 400 and "Klaim kedua" in second.get_data(as_text=True)
    assert "Sri Wahyuni (Anggota KK)" in staff(regency, "staf@dinsos.id").get(claim_url).get_data(as_text=True)
    assert staff(regency, "op.kandangan@desa.id").get(url).status_code == 404
    assert decide(staff(regency, "staf@dinsos.id"), claim_url, "verify").status_code == 302
    verifier = staff(regency, "staf@dinsos.id")
    assert "Ya: Catat penyaluran" not in verifier.get(claim_url).get_data(as_text=True)  # four eyes
    cashier = staff(regency, "kasir@dinsos.id")
    assert "Pembayaran dicatat." in flashed(cashier, pay(cashier, claim_url, "TRF-SK-1"))
    assert "Santunan tersalurkan" in cashier.get(claim_url).get_data(as_text=True)
    assert "Tagihan ini sudah dibayar." in flashed(cashier, pay(cashier, claim_url, "TRF-SK-2"))
    after = claim(operator, url, RINI["nik"], number, relation="Anak")  # paid: a second claim names that
    assert after.status_code == 400
    assert "Klaim kedua: santunan kematian untuk Budi Santoso sudah disalurkan pada" in after.get_data(as_text=True)
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.audit import AuditEntry
        from egovkit.services.payments import Payment
        from egovkit_modules.social_aid.models import DeathClaim

        rows = db.session.query(Payment).filter_by(module="social_aid", kind="death_benefit").all()
        assert [(p.kind, p.amount, p.payable_id) for p in rows] == [("death_benefit", 1000000, GOOD["nik"])]
        assert db.session.query(DeathClaim).count() == 1
        actions = {a.action for a in db.session.query(AuditEntry).filter_by(module="social_aid")}
        assert {"death_case_opened", "death_claim_filed", "death_claim_refused"} <= actions
        entries = sum(p.amount for p in db.session.query(Payment).filter_by(module="social_aid"))
        db.engine.dispose()
    dashboard(regency, cli, entries)


def dashboard(app, cli, entries):
    """Every money figure of the dashboard and its API is the sum of its entries; coverage by kode_desa."""
    import re

    from .test_api import bearer, token
    from .test_workflow import KANDANGAN, SARONGAN

    dinsos = staff(app, "staf@dinsos.id")
    assert "2 baris: 2 disimpan" in import_deciles(dinsos, "no_kk,nik,desil,tanggal_data,kode_desa\n"
                                                           f"3510010101200003,,1,2026-09-30,{SARONGAN}\n"
                                                           f"3510010101200005,,2,2026-09-30,{SARONGAN}\n"
                                                   ).get_data(as_text=True)
    assert "kode_desa: &#39;Sarongan&#39; bukan kode desa" in import_deciles(
        dinsos, "no_kk,nik,desil,tanggal_data,kode_desa\n3510010101200009,,1,2026-09-30,Sarongan\n").get_data(
        as_text=True)
    page = dinsos.get("/bansos/dashboard").get_data(as_text=True)
    by_programme = page.split('id="by-programme"')[1].split("</table>")[0]
    amounts = [int(a) for a in re.findall(r'data-amount="(\d+)"', by_programme)]
    assert amounts[-1] == sum(amounts[:-1]) == entries == 1300000
    cells = [int(a) for a in re.findall(r'data-amount="(\d+)"', page.split('id="cells"')[1].split("</table>")[0])]
    assert sum(cells) == entries
    assert "1 dari 1 disalurkan dalam 14 hari" in page
    secret = token(cli, "staf@dinsos.id", "social_aid:read")
    data = app.test_client().get("/api/v1/social-aid/summary", headers=bearer(secret)).json
    assert data["total"] == sum(c["total"] for c in data["cells"]) == sum(data["by_programme"].values()) == entries
    assert data["by_programme"] == {"blt_dbhcht": 300000, "santunan_kematian": 1000000}
    assert data["coverage"] == [{"village_code": SARONGAN, "poorest": 2, "covered": 1}]
    assert (data["deaths_paid"], data["deaths_within_sla"]) == (1, 1)
    assert {c["village_code"] for c in data["cells"]} == {SARONGAN}
    other = token(cli, "op.kandangan@desa.id", "social_aid:read")  # another desa's operator: nothing of Sarongan
    theirs = app.test_client().get("/api/v1/social-aid/summary", headers=bearer(other)).json
    assert theirs["total"] == 0 and theirs["coverage"] == [] and KANDANGAN
    spec = app.test_client().get("/api/v1/openapi.json").json
    assert {"/api/v1/social-aid/summary", "/api/v1/social-aid/programmes"} <= set(spec["paths"])


def test_a_late_claim_is_refused_with_the_reason_and_racing_claims_make_one(regency):
    late = death_letter(regency, DEWI["nik"], SRI["nik"], today() - timedelta(days=40))
    operator = staff(regency, "op.sarongan@desa.id")
    url = death_case_url(regency, "Dewi Lestari")
    refused = claim(operator, url, SRI["nik"], late)
    assert refused.status_code == 400
    assert f"Klaim terlambat: ahli waris mengajukan dalam 30 hari sejak kematian " \
           f"({(today() - timedelta(days=40)).isoformat()})" in refused.get_data(as_text=True)
    operator.set_cookie("lang", "en")
    assert "Late claim: an heir applies within 30 days" in claim(operator, url, SRI["nik"], late).get_data(as_text=True)
    number = death_letter(regency, GOOD["nik"], SRI["nik"], today())
    url = death_case_url(regency, "Budi Santoso")
    from .test_payments import serving

    with serving(regency) as base:
        results = race(base, "op.sarongan@desa.id", url, url, lambda i: {
            "heir_nik": (SRI["nik"], RINI["nik"])[i % 2], "letter_number": number, "relation": "Anak"})
    assert sum(r.startswith("200 Klaim diajukan") for r in results) == 1, results
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.social_aid.models import DeathClaim

        assert db.session.query(DeathClaim).count() == 1
        db.engine.dispose()


def upload_xlsx(client, rows):
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    url = "/bansos/deciles"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(buffer.getvalue()),
                                                                                 "bnba.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)


def issue_statement(client, nik, purpose="Rawat inap RSUD"):
    url = "/bansos/spm/new"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "nik": nik, "purpose": purpose})


def statement_pdf(client, url):
    import io
    import re

    from pypdf import PdfReader

    pdf = client.get(url + "/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    found = re.search(r"pakai\)\s*:\s*([0-9A-F]{4})\s*-\s*([0-9A-F]{4})", text)  # a line may break at the dash
    return text, f"{found.group(1)}-{found.group(2)}"


def verify_url(client, url):
    page = client.get(url).get_data(as_text=True)
    return page.split('href="/verify/')[1].split('"')[0]


def acknowledge(client, code, hospital="rsud", typed=""):
    page = f"/verify/{code}"
    response = client.post(f"/bansos/spm/verify/{code}/acknowledge", data={
        "csrf_token": csrf_token(client, page), "hospital": hospital, "code": typed})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_poverty_statement_checked_by_decile_acknowledged_once_on_its_qr_page(regency, cli):
    cli("users", "create", "--email", "admisi@rsud.id", "--name", "Admisi", "--role", "opd_staff", "--agency",
        "rsud", "--password-stdin", input=PASSWORD + "\n")
    dinsos = staff(regency, "staf@dinsos.id")
    import_deciles(dinsos)
    page = upload_xlsx(dinsos, [("no_kk", "nik", "desil", "tanggal_data", "kode_desa"),
                                (3510010101200005, None, 7, datetime(2026, 10, 30), None),  # Rini: decile 7
                                ("3510010101200006", None, 11, "2026-10-30", None)])  # as numbers and dates
    assert "2 baris: 1 disimpan, 0 tidak berubah, 1 ditolak." in page
    assert "3,desil: &#39;11&#39; bukan desil 1 sampai 10" in page  # the sheet's row number
    assert "desil.xlsx: bukan lembar kerja (.xlsx) yang dapat dibaca" in import_deciles(  # the file as sent
        dinsos, "no_kk\n", name="desil.xlsx").get_data(as_text=True)
    kades = staff(regency, "kades.sarongan@desa.id")
    refused = issue_statement(kades, RINI["nik"])
    assert refused.status_code == 400
    assert "Desil DTSEN 7 (data 2026-10-30), paling tinggi 4." in refused.get_data(as_text=True)
    kades.set_cookie("lang", "en")
    assert "DTSEN decile 7 (data of 2026-10-30), at most 4." in issue_statement(kades, RINI["nik"]).get_data(as_text=True)
    kades.set_cookie("lang", "id")
    assert staff(regency, "op.sarongan@desa.id").get("/bansos/spm/new").status_code == 403  # the head signs
    made = issue_statement(kades, GOOD["nik"])
    assert made.status_code == 302, made.get_data(as_text=True)
    url = made.headers["Location"]
    assert "masih berlaku sampai" in issue_statement(kades, GOOD["nik"]).get_data(as_text=True)  # one at a time
    text, code = statement_pdf(kades, url)
    assert "Budi Santoso" in text and "desil 1" in text and GOOD["nik"] not in text
    qr = verify_url(kades, url)
    hospital = regency.test_client()  # the admission desk, not signed in: the code printed on the paper
    page = hospital.get(f"/verify/{qr}").get_data(as_text=True)
    assert "Surat Pernyataan Miskin" in page and "Berlaku sampai" in page and code not in page
    assert "Kode tidak cocok" in acknowledge(hospital, qr, typed="0000-0000")
    assert "Penerimaan pasien dicatat" in acknowledge(hospital, qr, typed=code.lower())
    used = acknowledge(hospital, qr, typed=code)
    assert "sudah dikonfirmasi oleh rumah sakit" in used and "Dipakai: penerimaan dicatat oleh Rumah Sakit Umum" in used
    sri = issue_statement(kades, SRI["nik"]).headers["Location"]  # a hospital account needs no code
    admisi = staff(regency, "admisi@rsud.id")
    qr_sri = verify_url(kades, sri)
    assert "Anda masuk untuk Rumah Sakit Umum Daerah" in admisi.get(f"/verify/{qr_sri}").get_data(as_text=True)
    assert "Penerimaan pasien dicatat" in acknowledge(admisi, qr_sri, hospital="")
    dewi = issue_statement(kades, DEWI["nik"]).headers["Location"]
    _text, dewi_code = statement_pdf(kades, dewi)
    with regency.app_context():  # thirty days later
        from egovkit.db import db
        from egovkit_modules.social_aid.models import Statement

        db.session.query(Statement).filter_by(nik=DEWI["nik"]).one().valid_until = today() - timedelta(days=1)
        db.session.commit()
        db.engine.dispose()
    qr_dewi = verify_url(kades, dewi)
    assert "KEDALUWARSA" in hospital.get(f"/verify/{qr_dewi}").get_data(as_text=True)
    assert "sudah kedaluwarsa" in acknowledge(hospital, qr_dewi, typed=dewi_code)
    listed = kades.get("/bansos/spm").get_data(as_text=True)
    assert listed.count("Dipakai di rumah sakit") == 2 and "Kedaluwarsa" in listed
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.social_aid.models import Statement

        rows = {s.nik: (s.acknowledged_by, s.acknowledged_user is not None) for s in db.session.query(Statement)}
        assert rows == {GOOD["nik"]: ("rsud", False), SRI["nik"]: ("rsud", True), DEWI["nik"]: (None, False)}
        db.engine.dispose()


BUDGET = "Sewa tenda; 2.500.000\nKonsumsi 200 peserta; 7.500.000\n"


def propose_grant(client, budget=BUDGET, number="AHU-0012345.AH.01.04 Tahun 2020"):
    import io

    from .test_social_aid import PDF

    url = "/bansos/hibah/new"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "org_name": "Yayasan Al Ikhlas",
                                  "legal_number": number, "address": "Jl. Raya Pesanggaran 5",
                                  "title": "Santunan anak yatim", "budget": budget,
                                  "documents": (io.BytesIO(PDF), "proposal.pdf")}, content_type="multipart/form-data")


def test_a_grant_from_proposal_to_lpj_and_no_new_grant_while_an_lpj_is_overdue(regency, cli):
    import io

    from .test_social_aid import PDF

    for email, role in (("staf@bpkad.id", "opd_staff"), ("kasir@bpkad.id", "opd_staff"),
                        ("kepala@bpkad.id", "opd_head")):
        cli("users", "create", "--email", email, "--name", email.split("@")[0].title(), "--role", role, "--agency",
            "bpkad", "--password-stdin", input=PASSWORD + "\n")
    dinsos = staff(regency, "staf@dinsos.id")
    bad = propose_grant(dinsos, "Sewa tenda; dua juta\nKonsumsi\n").get_data(as_text=True)
    assert "Baris anggaran 1: dua juta bukan jumlah Rupiah." in bad and "Baris anggaran 2: tulis uraian" in bad
    dinsos.set_cookie("lang", "en")
    assert "Budget line 1: dua juta is not an amount of Rupiah." in propose_grant(dinsos, "Tenda; dua juta").get_data(
        as_text=True)
    dinsos.set_cookie("lang", "id")
    made = propose_grant(dinsos)
    assert made.status_code == 302, made.get_data(as_text=True)
    url = made.headers["Location"]
    assert "Rp 10.000.000" in dinsos.get(url).get_data(as_text=True)  # the sum of the budget lines
    assert decide(staff(regency, "kasir@dinsos.id"), url, "evaluate").status_code == 302
    assert decide(staff(regency, "kepala@bpkad.id"), url, "recommend").status_code == 302
    clerk = staff(regency, "staf@bpkad.id")
    page = clerk.get(url).get_data(as_text=True)
    assert "Direkomendasikan TAPD" in page and "Ya: Tandatangani NPHD" in page
    signed = clerk.post(f"{url}/agree", data={"csrf_token": csrf_token(clerk, url)})
    assert "NPHD ditandatangani" in flashed(clerk, signed)
    nphd = clerk.get(f"{url}/nphd.pdf")
    assert nphd.status_code == 200 and nphd.data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(nphd.data)).pages).split())
    assert "Yayasan Al Ikhlas" in text and "sepuluh juta rupiah" in text and "/NPHD/35.10/" in text
    assert "Catat pencairan" not in clerk.get(url).get_data(as_text=True)  # not whoever signed
    cashier = staff(regency, "kasir@bpkad.id")
    assert "Pembayaran dicatat." in flashed(cashier, pay(cashier, url, "SP2D-0001"))
    assert "Tagihan ini sudah dibayar." in flashed(cashier, pay(cashier, url, "SP2D-0002"))
    page = cashier.get(url).get_data(as_text=True)
    assert "Dicairkan: menunggu LPJ" in page and (today() + timedelta(days=90)).strftime("%Y") in page
    with regency.app_context():  # ninety-one days later
        from egovkit.db import db
        from egovkit_modules.social_aid.models import Grant

        db.session.query(Grant).one().lpj_due = today() - timedelta(days=1)
        db.session.commit()
        db.engine.dispose()
    assert "LPJ terlambat" in cashier.get("/bansos/hibah").get_data(as_text=True)
    again = propose_grant(dinsos, number="ahu-0012345.ah.01.04 tahun 2020")  # the same organisation
    assert again.status_code == 400 and "tidak dapat menerima hibah baru" in again.get_data(as_text=True)
    received = cashier.post(f"{url}/lpj", data={"csrf_token": csrf_token(cashier, url),
                                                "report": (io.BytesIO(PDF), "lpj.pdf")},
                            content_type="multipart/form-data")
    assert "Laporan pertanggungjawaban diterima." in flashed(cashier, received)
    assert propose_grant(dinsos).status_code == 302  # the LPJ in: a new proposal is taken
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.payments import Payment

        assert [(p.kind, p.amount) for p in db.session.query(Payment).filter_by(module="social_aid")] == [
            ("hibah", 10000000)]
        db.engine.dispose()


def test_hospital_codes_are_throttled_against_guessing(regency, cli):
    """Wrong one-time codes on a statement's QR page count in the core's throttle: after spm.code_attempts (5)
    even the right code waits, racing guesses get no more, other statements and the hospital's account are not
    held up, and once the window has passed the right code is taken."""
    from .test_payments import serving

    cli("users", "create", "--email", "admisi@rsud.id", "--name", "Admisi", "--role", "opd_staff", "--agency",
        "rsud", "--password-stdin", input=PASSWORD + "\n")
    import_deciles(staff(regency, "staf@dinsos.id"))
    kades = staff(regency, "kades.sarongan@desa.id")
    budi, sri, rini = (issue_statement(kades, nik).headers["Location"] for nik in (GOOD["nik"], SRI["nik"], RINI["nik"]))
    _text, code = statement_pdf(kades, budi)
    qr = verify_url(kades, budi)
    desk = regency.test_client()
    for n in range(5):
        assert "Kode tidak cocok" in acknowledge(desk, qr, typed=f"0000-000{n}")
    throttled = acknowledge(desk, qr, typed=code)  # the right code, but after five wrong ones: it waits
    assert "Terlalu banyak kode salah untuk surat ini. Tunggu 15 menit" in throttled
    assert "Penerimaan pasien dicatat" not in throttled
    desk.set_cookie("lang", "en")
    assert "Too many wrong codes for this statement. Wait 15 minutes" in acknowledge(desk, qr, typed=code)
    desk.set_cookie("lang", "id")
    _text, sri_code = statement_pdf(kades, sri)  # another statement's code is counted on its own
    assert "Penerimaan pasien dicatat" in acknowledge(desk, verify_url(kades, sri), typed=sri_code)
    with serving(regency) as base:  # racing guesses at a fresh statement: at most five are compared
        qr_rini = verify_url(kades, rini)
        results = race(base, "op.sarongan@desa.id", f"/verify/{qr_rini}", f"/bansos/spm/verify/{qr_rini}/acknowledge",
                       lambda i: {"hospital": "rsud", "code": f"1111-{i:04d}"})
    assert sum("Kode tidak cocok" in r for r in results) == 5, results
    assert sum("Terlalu banyak kode salah" in r for r in results) == len(results) - 5, results
    with regency.app_context():
        from egovkit.db import db
        from egovkit.models import LoginCounter, utcnow
        from egovkit_modules.social_aid.models import Statement

        assert db.session.query(Statement).filter(Statement.acknowledged_at.is_not(None)).count() == 1  # Sri's
        db.session.query(LoginCounter).update({LoginCounter.started_at: utcnow() - timedelta(minutes=16)})  # the window has passed
        db.session.commit()
        db.engine.dispose()
    assert "Penerimaan pasien dicatat" in acknowledge(desk, qr, typed=code)
    admisi = staff(regency, "admisi@rsud.id")  # the hospital's account never types a code: never held up
    for n in range(5):
        acknowledge(desk, qr_rini, typed=f"2222-000{n}")
    assert "Penerimaan pasien dicatat" in acknowledge(admisi, qr_rini, hospital="")
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.audit import AuditEntry
        from egovkit_modules.social_aid.models import Statement

        assert db.session.query(Statement).filter(Statement.acknowledged_at.is_not(None)).count() == 3
        reasons = [a.data for a in db.session.query(AuditEntry).filter_by(action="statement_ack_refused")]
        db.engine.dispose()
    assert any('"throttled"' in r for r in reasons) and any('"code"' in r for r in reasons)


def test_racing_disbursements_of_one_grant_make_one_payment(regency, cli):
    """Eight sessions of the grant agency's cashier record the disbursement of the same grant at the same moment
    (a real threaded HTTP server; SQLite, and PostgreSQL when EGOVKIT_TEST_DATABASE_URL is set): one payment,
    one LPJ due date, the others told it is already paid."""
    from .test_payments import serving

    for email, role in (("staf@bpkad.id", "opd_staff"), ("kasir@bpkad.id", "opd_staff"),
                        ("kepala@bpkad.id", "opd_head")):
        cli("users", "create", "--email", email, "--name", email.split("@")[0].title(), "--role", role, "--agency",
            "bpkad", "--password-stdin", input=PASSWORD + "\n")
    url = propose_grant(staff(regency, "staf@dinsos.id")).headers["Location"]
    assert decide(staff(regency, "kasir@dinsos.id"), url, "evaluate").status_code == 302
    assert decide(staff(regency, "kepala@bpkad.id"), url, "recommend").status_code == 302
    clerk = staff(regency, "staf@bpkad.id")
    assert "NPHD ditandatangani" in flashed(clerk, clerk.post(f"{url}/agree", data={"csrf_token": csrf_token(clerk, url)}))
    with serving(regency) as base:
        results = race(base, "kasir@bpkad.id", url, f"{url}/pay",
                       lambda i: {"reference": f"SP2D-R{i}", "paid_on": today().isoformat()})
    assert sum(r == "200 Pembayaran dicatat." for r in results) == 1, results
    assert all(r in ("200 Pembayaran dicatat.", "200 Tagihan ini sudah dibayar.") for r in results), results
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services import workflow
        from egovkit.services.payments import Payment
        from egovkit_modules.social_aid.models import Grant

        paid = db.session.query(Payment).filter_by(module="social_aid", kind="hibah").all()
        assert [(p.amount, p.settles is not None) for p in paid] == [(10000000, True)]
        grant = db.session.query(Grant).one()
        assert grant.paid_on == today() and grant.lpj_due == today() + timedelta(days=90)
        steps = db.session.query(workflow.Step).filter_by(case_id=grant.case_id, transition="pay").count()
        db.engine.dispose()
    assert steps == 1

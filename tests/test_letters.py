"""The Smart Kampung journey through HTTP: a citizen asks for a domisili
letter, the operator checks it, the kepala desa signs, the PDF verifies via
its QR page, tracking shows 'Selesai'. A death letter marks the resident
died and publishes resident.died once."""
import io
import re

import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_identity import SRI_PASSWORD, SRI_PHONE, WOMAN, activate, last_code, messages, record_phone, register
from .test_smart_kampung import GOOD, counters_match_the_rows, write
from .test_workflow import PASSWORD, people

CITIZEN = dict(GOOD, nik=WOMAN, nama="Sri Wahyuni", jenis_kelamin="P", hubungan_keluarga="Istri")


@pytest.fixture
def village(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    write("warga.csv", [GOOD, CITIZEN])
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True})
    record_phone(app, WOMAN, SRI_PHONE)  # where her account's activation code goes
    return app


def signed_in(app, who, password=PASSWORD):
    client = app.test_client()
    assert login(client, who, password).status_code == 302
    return client


def citizen(app, nik=WOMAN, **fields):
    """Sri registers and activates her account the real way, and is signed in: with the code sent to the
    phone the village register holds for her NIK or, where no register knows her (a regency without
    smart_kampung residents), by the administrator's `users activate` having seen her KTP."""
    client = app.test_client()
    assert register(client, nik=nik, **fields).status_code == 302
    if any(m["to"] == SRI_PHONE for m in messages(app)):
        assert activate(client, nik, SRI_PASSWORD, last_code(app, SRI_PHONE)).status_code == 302
    else:
        done = app.test_cli_runner().invoke(args=["users", "activate", nik, "--password-stdin"],
                                            input=SRI_PASSWORD + "\n")
        assert done.exit_code == 0, done.output
        assert login(client, nik, SRI_PASSWORD).status_code == 302
    return client


def ask(client, kind, **answers):
    url = f"/kampung/letters/new?type={kind}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "type": kind, **answers})


def decide(client, url, transition, note=""):
    page = client.get(url).get_data(as_text=True)
    case_id = re.search(r'formaction="/cases/(\d+)/' + transition, page).group(1)
    return client.post(f"/cases/{case_id}/{transition}",
                       data={"csrf_token": csrf_token(client, url), "note": note, "next": url})


def test_domisili_letter_from_request_to_verified_pdf(village):
    sri = citizen(village)
    bad = ask(sri, "domisili", since="kemarin", purpose="")
    assert bad.status_code == 400
    response = ask(sri, "domisili", since="2015-01-01", purpose="Melamar pekerjaan")
    assert response.status_code == 302
    url = response.headers["Location"]
    page = sri.get(url).get_data(as_text=True)
    code = re.search(r"<code>([A-Z0-9]{8})</code>", page).group(1)
    public = village.test_client()
    assert "Diajukan" in public.get(f"/kampung/track?code={code}").get_data(as_text=True)

    operator = signed_in(village, "op.sarongan@desa.id")
    inbox = operator.get("/inbox").get_data(as_text=True)
    assert "Surat Keterangan Domisili" in inbox
    assert "Sarongan, Pesanggaran" in inbox and "35.10.01.2001" not in inbox  # the place by name, not its code
    assert 'class="badge tone-waiting">Diajukan<' in inbox
    refused = decide(operator, url, "refuse")  # no reason given: refused in the reader's words, nothing changes
    assert "Tulis catatan: keputusan ini memerlukan alasan." in operator.get(refused.headers["Location"]).get_data(
        as_text=True)
    assert decide(operator, url, "verify").status_code == 302
    kades = signed_in(village, "kades.sarongan@desa.id")
    assert decide(kades, url, "sign").status_code == 302

    track = public.get(f"/kampung/track?code={code}").get_data(as_text=True)
    assert "Selesai" in track and "Sri" not in track  # no personal data on the public page
    pdf = sri.get(url + "/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with village.app_context():
        from egovkit.db import db
        from egovkit.services.documents import Document

        doc = db.session.query(Document).filter_by(doc_type="smart_kampung.letter").one()
        doc_code, number = doc.code, doc.number
        db.engine.dispose()
    assert re.fullmatch(r"470/001/35\.10\.01\.2001/20\d\d", number)
    page = public.get(f"/verify/{doc_code}").get_data(as_text=True)
    assert "Surat Keterangan Domisili" in page and "351001******0001" in page and WOMAN not in page
    checked = public.post(f"/verify/{doc_code}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(public, f"/verify/{doc_code}"), "pdf": (io.BytesIO(pdf.data), "surat.pdf")})
    assert "Asli" in checked.get_data(as_text=True)
    assert village.test_client().get(url + "/pdf").status_code == 302  # sign in first
    other = signed_in(village, "op.kandangan@desa.id")
    assert other.get(url).status_code == 404 and other.get(url + "/pdf").status_code == 404


def test_citizen_outside_the_register_is_sent_to_the_office(village):
    client = citizen(village, nik="3510015209950001", name="Orang Baru", birth_date="1995-09-12",
                     phone="081234567891")
    response = client.get("/kampung/letters/new?type=domisili", follow_redirects=True)
    assert "kantor desa" in response.get_data(as_text=True)


def test_death_letter_marks_the_resident_died_and_publishes_once(village, cli):
    operator = signed_in(village, "op.sarongan@desa.id")
    with village.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        budi = db.session.query(Resident).filter_by(nik=GOOD["nik"]).one().id
        sri = db.session.query(Resident).filter_by(nik=WOMAN).one().id  # the reporter, on the same card
        db.engine.dispose()
    url = f"/kampung/letters/new?type=kematian&resident={budi}"
    response = operator.post(url, data={"csrf_token": csrf_token(operator, url), "type": "kematian",
                                        "resident": budi, "date_of_death": "2026-11-20",
                                        "place_of_death": "Rumah", "cause": "Sakit", "reporter": sri,
                                        "relation": "Istri"})
    letter = response.headers["Location"]
    decide(operator, letter, "verify")
    decide(signed_in(village, "kades.sarongan@desa.id"), letter, "sign")
    assert "meninggal" in operator.get(f"/kampung/residents/{budi}").get_data(as_text=True)
    events = cli("events", "list").output
    assert events.count("resident.died") == 1
    assert counters_match_the_rows(village) == {("35.10.01.2001", "P", 1990): 1}  # the dashboard counts Sri only


def test_registry_lookup_and_letters_through_the_api(village, cli):
    def bearer(login, *scopes):
        args = ["tokens", "create", "--user", login] + [a for s in scopes for a in ("--scope", s)]
        return {"Authorization": "Bearer " + cli(*args).output.split(": ")[1].split()[0]}

    client = village.test_client()
    own = bearer("op.sarongan@desa.id", "kampung:read", "kampung:write")
    found = client.post("/api/v1/kampung/residents/lookup", json={"nik": GOOD["nik"]}, headers=own)
    assert found.status_code == 200 and found.json["village_code"] == "35.10.01.2001"
    other = bearer("op.kandangan@desa.id", "kampung:read", "kampung:write")
    assert client.post("/api/v1/kampung/residents/lookup", json={"nik": GOOD["nik"]}, headers=other).status_code == 404
    body = {"resident_id": found.json["id"], "letter_type": "sktm", "fields": {"income": "900000",
                                                                             "purpose": "Sekolah"}}
    assert client.post("/api/v1/kampung/letters", json=body, headers=other).status_code == 404
    bad = client.post("/api/v1/kampung/letters", json=dict(body, fields={"income": "banyak"}), headers=own)
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"fields.income", "fields.purpose"}
    made = client.post("/api/v1/kampung/letters", json=body, headers=own)
    assert made.status_code == 201 and made.json["state"] == "requested"
    tracked = client.get(f"/api/v1/kampung/track/{made.json['tracking_code'].lower()}").json
    assert tracked["state"] == "requested" and "name" not in tracked


def test_dashboard_counts_within_reach(village, cli):
    write("more.csv", [dict(GOOD, nik="3510021708900011", kode_desa="35.10.02.2001", no_kk="3510020101200005")])
    cli("residents", "import", "more.csv")
    camat = signed_in(village, "camat.pesanggaran@kec.id")
    page = camat.get("/kampung/dashboard").get_data(as_text=True)
    assert "<svg" in page and "Piramida penduduk" in page
    assert ">2</strong>" in page  # two residents in Kec. Pesanggaran, not the third elsewhere
    admin = village.test_client()
    login(admin)
    regency = admin.get("/kampung/dashboard").get_data(as_text=True)
    from egovkit.wilayah.data import subtree

    second = next(r.name for r in subtree("35.10") if r.code == "35.10.02")
    assert ">3</strong>" in regency and second in regency  # the per-district table of the regency
    assert village.test_client().get("/kampung/dashboard").status_code == 302


def _case_of(app, letter_url):
    from egovkit.db import db
    from egovkit.services.workflow import Case
    from egovkit_modules.smart_kampung.models import Letter

    with app.app_context():
        letter = db.session.get(Letter, int(letter_url.rstrip("/").split("/")[-1]))
        case = db.session.get(Case, letter.case_id)
        db.session.expunge_all()
        db.engine.dispose()
        return letter, case


def test_each_letter_type_has_its_own_sla_and_late_requests_are_flagged(village):
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from egovkit.services import workdays

    sri = citizen(village)
    quick = ask(sri, "domisili", since="2015-01-01", purpose="Bank").headers["Location"]
    slow = ask(sri, "usaha", business_name="Warung Sri", business_type="Warung", business_address="Krajan",
               since="2020-02-02").headers["Location"]
    jakarta = ZoneInfo("Asia/Jakarta")
    for url, days in ((quick, 1), (slow, 2)):  # domisili: 1 working day, usaha: 2 (letters.py defaults)
        letter, case = _case_of(village, url)
        asked = letter.created_at.replace(tzinfo=timezone.utc).astimezone(jakarta).date()
        assert case.deadline.replace(tzinfo=timezone.utc).astimezone(jakarta).date() == \
            workdays.add_working_days(asked, days)
        assert case.due_at <= case.deadline

    # The deadline passes while the request waits: after the check, the letter is late, not newly due.
    _, case = _case_of(village, slow)
    with village.app_context():
        from sqlalchemy import update

        from egovkit.db import db
        from egovkit.services.workflow import Case

        db.session.execute(update(Case).where(Case.id == case.id)
                           .values(deadline=datetime.now(timezone.utc) - timedelta(hours=1)))
        db.session.commit()
        db.engine.dispose()
    operator = signed_in(village, "op.sarongan@desa.id")
    decide(operator, slow, "verify")
    rows = operator.get("/kampung/letters").get_data(as_text=True)
    late = [r for r in rows.split("<tr") if "terlambat" in r]
    assert len(late) == 1 and "Surat Keterangan Usaha" in late[0]
    assert '<li class="card overdue"><strong>1</strong>' in operator.get("/kampung/dashboard").get_data(as_text=True)


def test_birth_letter_adds_the_child_to_the_family_and_its_nik_comes_later(village, cli):
    sri = citizen(village)
    url = ask(sri, "kelahiran", child_name="Ayu  Lestari", child_birth_date="2026-11-20",
              child_birth_place="Puskesmas Pesanggaran", child_sex="P", birth_order="2").headers["Location"]
    operator = signed_in(village, "op.sarongan@desa.id")
    decide(operator, url, "verify")
    decide(signed_in(village, "kades.sarongan@desa.id"), url, "sign")

    letter, _ = _case_of(village, url)
    assert letter.child_id is not None
    with village.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Family

        family_id = db.session.query(Family.id).filter_by(kk_number=CITIZEN["no_kk"]).scalar()  # by id, not KK
        db.engine.dispose()
    family = operator.get(f"/kampung/families/{family_id}").get_data(as_text=True)
    assert "Ayu Lestari" in family and "belum terbit" in family
    assert cli("events", "list").output.count("resident.born") == 1
    assert counters_match_the_rows(village)[("35.10.01.2001", "P", 2026)] == 1  # the dashboard counts her

    edit = f"/kampung/residents/{letter.child_id}/edit"
    form = {"csrf_token": csrf_token(operator, edit), "name": "Ayu Lestari", "address": "Dusun Krajan No. 5",
            "rt": "001", "rw": "002", "occupation": "BELUM/TIDAK BEKERJA", "education": "TIDAK/BELUM SEKOLAH",
            "marital_status": "BELUM KAWIN"}
    boy = operator.post(edit, data=dict(form, nik="3510012011260001"))  # a boy's NIK: day not +40
    assert boy.status_code == 400
    assert operator.post(edit, data=dict(form, nik=GOOD["nik"])).status_code == 400  # not her birth date either
    assert operator.post(edit, data=dict(form, nik="3510016011260001")).status_code == 302
    child = operator.get(f"/kampung/residents/{letter.child_id}").get_data(as_text=True)
    assert "3510016011260001" in child
    again = operator.get(edit).get_data(as_text=True)
    assert 'name="nik"' not in again  # once issued, the NIK is not edited here


def test_a_birth_letter_type_without_the_child_fields_is_a_profile_error():
    from .test_profiles import problems, write

    write("p.yaml", "extends: banyuwangi\nname: lahir-test\nmodules:\n  smart_kampung:\n    letters:\n      lahir:\n"
                    "        title: {id: Lahir, en: Birth}\n        effect: born\n"
                    "        fields: [{name: child_name, label: {id: Nama, en: Name}}]\n"
                    "        template: [\"{child_name}\"]\n")
    [message] = problems("p.yaml")
    assert message == ("p.yaml:6: modules.smart_kampung.letters.lahir: effect born needs the required field(s) "
                       "child_birth_date, child_birth_place, child_sex")

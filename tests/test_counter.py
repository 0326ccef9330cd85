"""Official letters at the village office counter: the operator finds a walk-in resident and makes the
letter, the kepala desa reads it as it will print and signs, the PDF carries the letterhead, the signer's
name and NIP, the amount in words and the QR verification link; the register of issued letters lists it."""
import io
import re

import pytest

from egovkit.app import create_app

from .conftest import csrf_token
from .test_letters import decide, signed_in, village  # noqa: F401 (fixture)
from .test_smart_kampung import GOOD, write
from .test_workflow import people

WALK_IN = dict(GOOD, nik="3510015507850003", nama="Đặng Thị Ngọc", jenis_kelamin="P", tanggal_lahir="15-07-1985",
               no_kk="3510010101200009", hubungan_keluarga="Kepala Keluarga")
OFFICE = ("offices:\n  35.10.01.2001: {address: Jl. Raya Sarongan No. 1, postcode: \"68488\", "
          "phone: \"0333 123456\"}\n")


@pytest.fixture
def counter(cli, make_instance):
    make_instance("banyuwangi")
    with open("instance/profile.yaml", "a", encoding="utf-8") as handle:
        handle.write(OFFICE)
    people(cli)
    cli("users", "set-nip", "kades.sarongan@desa.id", "19700101 199003 1 002")
    write("warga.csv", [WALK_IN])
    cli("residents", "import", "warga.csv")
    return create_app("instance", {"TESTING": True})


def resident_id(app, nik):
    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Resident

    with app.app_context():
        found = db.session.query(Resident.id).filter_by(nik=nik).scalar()
        db.engine.dispose()
        return found


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_walk_in_sktm_from_the_counter_to_the_printed_letter(counter):
    operator = signed_in(counter, "op.sarongan@desa.id")
    bare = operator.get("/kampung/letters/new?type=sktm")
    assert bare.status_code == 302 and bare.headers["Location"].endswith("/kampung/residents")  # not "your NIK"
    assert "NIK Anda" not in operator.get("/kampung/residents").get_data(as_text=True)
    rid = resident_id(counter, WALK_IN["nik"])
    page = operator.get(f"/kampung/residents/{rid}").get_data(as_text=True)
    assert f'href="/kampung/letters/new?resident={rid}"' in page and "Buat surat" in page
    url = f"/kampung/letters/new?type=sktm&resident={rid}"
    response = operator.post(url, data={"csrf_token": csrf_token(operator, url), "type": "sktm", "resident": rid,
                                        "income": "Rp 1.500.000", "purpose": "Sekolah"})
    assert response.status_code == 302
    letter = response.headers["Location"]
    assert "The letter as it will print" not in operator.get(letter).get_data(as_text=True)  # not the signer
    decide(operator, letter, "verify")

    kades = signed_in(counter, "kades.sarongan@desa.id")
    page = kades.get(letter).get_data(as_text=True)
    preview = page.split('class="letter-preview">')[1].split("</section>")[0]
    assert "PEMERINTAH KABUPATEN BANYUWANGI" in preview and "DESA SARONGAN" in preview
    assert "Đặng Thị Ngọc" in preview and "Rp 1.500.000 (satu juta lima ratus ribu rupiah)" in preview
    assert "kades.sarongan" in preview and "NIP 197001011990031002" in preview and "@" not in preview
    assert "DRAF" in preview and page.index("letter-preview") < page.index('formaction="/cases/')
    assert decide(kades, letter, "sign").status_code == 302

    printed = kades.get(letter + "/pdf?print=1")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    assert printed.headers["Content-Disposition"].startswith("inline")
    assert operator.get(letter + "/pdf").headers["Content-Disposition"].startswith("attachment")
    text = pdf_text(printed.data)
    import os

    if os.environ.get("EGOVKIT_SCREENSHOT_DIR"):  # to look at
        with open(os.path.join(os.environ["EGOVKIT_SCREENSHOT_DIR"], "sktm.pdf"), "wb") as handle:
            handle.write(printed.data)
    for expected in ("PEMERINTAH KABUPATEN BANYUWANGI", "KECAMATAN PESANGGARAN", "DESA SARONGAN",
                     "Jl. Raya Sarongan No. 1 68488", "SURAT KETERANGAN TIDAK MAMPU", "Đặng Thị Ngọc",
                     "satu juta lima ratus ribu rupiah", "Kepala Desa Sarongan", "kades.sarongan",
                     "NIP 197001011990031002", "/verify/"):
        assert expected in text, expected
    assert re.search(r"Sarongan, \d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|"
                     r"November|Desember) 20\d\d", text)
    assert "@desa.id" not in text

    register = operator.get("/kampung/letters/register").get_data(as_text=True)
    number = re.search(r"400/001/35\.10\.01\.2001/20\d\d", register).group(0)
    assert "Surat Keterangan Tidak Mampu" in register and "400.3.3.2" in register and "Đặng Thị Ngọc" in register
    xlsx = operator.get("/kampung/letters/register?format=xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert rows[1][1] == number and rows[1][5] == "Đặng Thị Ngọc"
    assert number in pdf_text(operator.get("/kampung/letters/register?format=pdf").data)
    other = signed_in(counter, "op.kandangan@desa.id")
    assert number not in other.get("/kampung/letters/register").get_data(as_text=True)  # per village


def test_a_move_within_the_regency_names_the_destination_village_in_its_event(counter, cli):
    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Resident

    write("kk.csv", [dict(WALK_IN, nik="3510011208100001", nama="Anak Ngọc", jenis_kelamin="L",
                          tanggal_lahir="12-08-2010", hubungan_keluarga="Anak")])
    cli("residents", "import", "kk.csv")
    operator = signed_in(counter, "op.sarongan@desa.id")
    mover, reporter = resident_id(counter, "3510011208100001"), resident_id(counter, WALK_IN["nik"])
    url = f"/kampung/letters/new?type=pindah&resident={mover}"
    form = operator.get(url).get_data(as_text=True)
    assert 'value="35.10.01.2009"' in form and "Kandangan, Pesanggaran" in form  # names shown
    base = {"csrf_token": csrf_token(operator, url), "type": "pindah", "resident": mover, "reporter": reporter,
            "destination": "Dusun Krajan", "reason": "Sekolah", "moving_on": "2026-12-10", "relation": "Ibu"}
    assert operator.post(url, data=dict(base, to_village="99.99.99.9999")).status_code == 400
    letter = operator.post(url, data=dict(base, to_village="35.10.01.2009")).headers["Location"]
    decide(operator, letter, "verify")
    decide(signed_in(counter, "kades.sarongan@desa.id"), letter, "sign")
    with counter.app_context():
        from egovkit.services.events import Event

        event = db.session.query(Event).filter_by(name="resident.moved").one()
        assert '"to_village": "35.10.01.2009"' in event.payload and f'"resident": {mover}' in event.payload
        assert '"moving_on": "2026-12-10"' in event.payload
        assert db.session.get(Resident, mover).status == "moved"
        db.engine.dispose()


def test_document_templates_are_checked_and_an_instance_override_prints(cli, make_instance, counter):
    from pathlib import Path

    folder = Path("mine/templates/documents")
    folder.mkdir(parents=True)
    Path("mine/p.yaml").write_text("name: mine\nextends: banyuwangi\n")
    (folder / "smart_kampung.letter.html").write_text("<h1>{{ title }}</h1>\n<p>{{ nomor }}</p>\n"
                                                      "<p>{{ date|bulan }}</p>\n", encoding="utf-8")
    (folder / "surat.html").write_text("{% for p in paragraphs %}<p>{{ p }}</p>\n", encoding="utf-8")
    out = cli("profile", "validate", "mine/p.yaml", expect=2).output
    assert "smart_kampung.letter.html:2: unknown name 'nomor'" in out
    assert "smart_kampung.letter.html:3: unknown filter 'bulan'" in out
    assert "surat.html:1: no document type 'surat'" in out and "surat.html:1: Unexpected end of template" in out
    (folder / "surat.html").unlink()
    (folder / "smart_kampung.letter.html").write_text(
        '<div class="letterhead">{% for line in letterhead.lines %}<p class="kop">{{ line }}</p>{% endfor %}</div>'
        "<hr><h1>{{ title }}</h1><p class=\"number\">No. {{ number }}</p>"
        "{% for p in paragraphs %}<p>{{ p }} <b>(asli)</b></p>{% endfor %}<p>KOP KHUSUS {{ date|tanggal }}</p>"
        '<div class="signature"><p>{{ signer.position }}</p><p class="signer-name">{{ signer.name }}</p></div>'
        '<div class="qr"><img src="{{ qr }}"><p>{{ verify_url }}</p></div>', encoding="utf-8")
    assert "OK: mine" in cli("profile", "validate", "mine/p.yaml").output
    # The instance's own copy overrides the bundled template; upgrade refuses a broken one.
    target = Path("instance/templates/documents")
    target.mkdir(parents=True)
    (target / "document.html").write_text("{{ undefined_thing }}", encoding="utf-8")
    assert "document.html:1: unknown name 'undefined_thing'" in cli("upgrade", "--no-backup", expect=2).output
    (target / "document.html").unlink()
    (target / "smart_kampung.letter.html").write_bytes((folder / "smart_kampung.letter.html").read_bytes())
    operator = signed_in(counter, "op.sarongan@desa.id")
    rid = resident_id(counter, WALK_IN["nik"])
    url = f"/kampung/letters/new?type=belum_menikah&resident={rid}"
    letter = operator.post(url, data={"csrf_token": csrf_token(operator, url), "type": "belum_menikah",
                                      "resident": rid, "purpose": "Melamar kerja -- **PT** __Maju__"}).headers["Location"]
    decide(operator, letter, "verify")
    kades = signed_in(counter, "kades.sarongan@desa.id")
    decide(kades, letter, "sign")
    text = pdf_text(kades.get(letter + "/pdf").data)
    assert "KOP KHUSUS" in text and "belum pernah menikah" in text and "Đặng Thị Ngọc" in text
    assert "Melamar kerja -- **PT** __Maju__" in text  # what people type is printed as typed


def test_a_citizen_files_a_kk_change_and_a_family_move_from_her_own_account(village):  # noqa: F811
    from .test_letters import CITIZEN, ask, citizen

    sri = citizen(village)
    letters = sri.get("/kampung/letters").get_data(as_text=True)
    assert "Surat Pengantar Perubahan KK" in letters and "Buku register surat" not in letters
    made = ask(sri, "pengantar_kk", change="Tambah anggota", detail="Anak kedua lahir")
    assert made.status_code == 302
    page = sri.get(made.headers["Location"]).get_data(as_text=True)
    assert "Anak kedua lahir" in page and CITIZEN["nik"] not in page  # her own NIK is not shown back to her
    assert sri.get("/kampung/letters/register").status_code == 403
    with village.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        budi = db.session.query(Resident.id).filter_by(nik=GOOD["nik"]).scalar()
        db.engine.dispose()
    form = sri.get("/kampung/letters/new?type=pindah").get_data(as_text=True)
    assert "Budi Santoso" in form and "Kandangan, Pesanggaran" in form
    moved = ask(sri, "pindah", member=budi, destination="Dusun Krajan", reason="Kerja", moving_on="2026-12-20",
                relation="Suami", to_village="35.10.01.2009")
    assert moved.status_code == 302
    assert "Kandangan" in sri.get(moved.headers["Location"]).get_data(as_text=True)


def test_nip_and_offices_are_checked(cli, make_instance):
    from pathlib import Path

    make_instance("banyuwangi")
    cli("users", "create", "--email", "kades@desa.id", "--name", "Kades", "--role", "kepala_desa", "--region",
        "35.10.01.2001", "--nip", "1970", "--password-stdin", input="sandi-kuat-sekali\n", expect=2)
    cli("users", "create", "--email", "kades@desa.id", "--name", "Kades", "--role", "kepala_desa", "--region",
        "35.10.01.2001", "--nip", "197001011990031002", "--password-stdin", input="sandi-kuat-sekali\n")
    assert "a NIP has 18 digits" in cli("users", "set-nip", "kades@desa.id", "12ab", expect=2).output
    assert "NIP cleared" in cli("users", "set-nip", "kades@desa.id", "-").output
    head = "name: office-test\nextends: banyuwangi\noffices:\n  35.10.01.2001: {address: Jl. Raya 1}\n"
    Path("o.yaml").write_text(head + "  35.99.01: {address: Jl. Lain}\n  35.10.01.9999: {address: Jl. Tidak Ada}\n")
    out = cli("profile", "validate", "o.yaml", expect=2).output
    assert "o.yaml:5: offices.35.99.01: neither an agency of the profile nor a region of 35.10" in out
    assert "o.yaml:6: offices.35.10.01.9999: no such region in the region data" in out
    Path("o.yaml").write_text(head + "  35.10.01.2002: {address: Jl. Dua, postcode: \"123\"}\n")
    assert "o.yaml:5: offices.35.10.01.2002.postcode" in cli("profile", "validate", "o.yaml", expect=2).output
    Path("o.yaml").write_text(head)
    assert "OK: office-test" in cli("profile", "validate", "o.yaml").output


def test_the_regency_logo_prints_in_the_letterhead_and_init_copies_the_templates(init_instance):
    from pathlib import Path

    import segno
    from pypdf import PdfReader

    from .test_documents import issue, publish

    Path("logo/templates/documents").mkdir(parents=True)
    segno.make("LOGO").save("logo/lambang.png", scale=8)  # any PNG stands in for the regency's emblem
    Path("logo/p.yaml").write_text("name: with-logo\nextends: banyuwangi\nregency:\n  code: \"35.10\"\n"
                                   "  name: Kabupaten Banyuwangi\n  capital: Banyuwangi\n  logo: lambang.png\n"
                                   "offices:\n  \"35.10\": {address: Jl. A. Yani No. 100, postcode: \"68416\"}\n")
    Path("logo/templates/documents/announcements.notice.html").write_bytes(
        (Path(__file__).resolve().parent.parent / "egovkit/data/documents/document.html").read_bytes()
        .replace(b"<h1>", b"<p>PENGUMUMAN RESMI</p><h1>"))
    folder = init_instance("logo/p.yaml")
    assert (folder / "templates/documents/announcements.notice.html").exists()
    client = create_app(folder, {"TESTING": True}).test_client()
    pdf = issue(client, publish(client))
    import os

    if os.environ.get("EGOVKIT_SCREENSHOT_DIR"):
        Path(os.environ["EGOVKIT_SCREENSHOT_DIR"], "notice-with-logo.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    images = reader.pages[0].images
    assert len(images) == 2  # the logo and the QR code
    text = " ".join(reader.pages[0].extract_text().split())
    assert "PEMERINTAH KABUPATEN BANYUWANGI" in text and "Jl. A. Yani No. 100 68416" in text
    assert "PENGUMUMAN RESMI" in text and "Banyuwangi, " in text


def test_a_citizen_reports_a_family_members_death_and_the_signer_sees_it_first(village):  # noqa: F811
    from .test_letters import ask, citizen

    with village.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        budi = db.session.query(Resident.id).filter_by(nik=GOOD["nik"]).scalar()
        db.engine.dispose()
    sri = citizen(village)
    url = ask(sri, "kematian", member=budi, date_of_death="2026-11-28", place_of_death="Rumah",
              cause="Sakit", relation="Istri").headers["Location"]
    operator = signed_in(village, "op.sarongan@desa.id")
    decide(operator, url, "verify")
    kades = signed_in(village, "kades.sarongan@desa.id")
    preview = kades.get(url).get_data(as_text=True).split('class="letter-preview">')[1]
    assert "Budi Santoso" in preview and "28 November 2026" in preview and "Sri Wahyuni (Istri)" in preview
    decide(kades, url, "sign")
    assert "meninggal" in operator.get(f"/kampung/residents/{budi}").get_data(as_text=True)
    assert sri.get(url + "/pdf").status_code == 200

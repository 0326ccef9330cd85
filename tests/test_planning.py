"""planning through HTTP: a desa meeting's proposal goes to the kecamatan musrenbang, Bappeda assigns it to the
road agency and a sub-kegiatan and accepts it into the RKPD (event published), the agency puts it in its
Renja within the ceiling Bappeda set (over the ceiling is refused, naming the line), TAPD makes it final
(one event per funded line), the SIPD export re-imports unchanged (CSV and XLSX), DPA comes back with bad
rows named by number, an amendment keeps the final version; a pokir and a self-funded proposal; a new
code-list edition for a new year leaves the old year's plan alone; racing lines never pass the ceiling."""
import csv
import io
import json
import re
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import yaml
from sqlalchemy import select

from egovkit.app import create_app

from .conftest import accounts, csrf_token, login
from .test_letters import decide
from .test_payments import RACERS, form_token, serving, signed_in as http_signed_in
from .test_workflow import PASSWORD, SARONGAN, people

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
YEAR = datetime.now(ZoneInfo("Asia/Jakarta")).year + 1
ROAD = "1.03.10.2.01.0032"  # Pembangunan Jalan (Kepmendagri 050-5889/2021)
STAFF = [("staf@bappeda.id", "opd_staff", "bappeda"), ("kepala@bappeda.id", "opd_head", "bappeda"),
         ("staf@dpupr.id", "opd_staff", "dpupr"), ("staf@dinkes.id", "opd_staff", "dinkes")]


def make(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    accounts(cli, [{"email": email, "name": email.split("@")[0].title(), "role": role, "agency": agency}
                   for email, role, agency in STAFF], PASSWORD)
    cli("users", "create", "--email", "tapd@pemkab.id", "--name", "Sekda", "--role", "tapd",
        "--password-stdin", input=PASSWORD + "\n")
    return create_app("instance", {"TESTING": True})


@pytest.fixture
def regency(cli, make_instance):
    app = make(cli, make_instance)
    yield app
    with app.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()


def as_user(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def post(client, url, page, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def flashed(client, response) -> str:
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def propose(client, **over):
    form = {"title": "Pengaspalan jalan Dusun Krajan", "problem": "Jalan tanah licin dan berlubang saat hujan.",
            "village_code": SARONGAN, "latitude": "-8.5872", "longitude": "114.0112", "estimate": "450.000.000",
            "priority": "1", "year": str(YEAR), "once": "f" * 32, **over}
    page = "/perencanaan/usulan/baru" + ("?source=pokir" if over.get("source") == "pokir" else "")
    return client.post(page, data={"csrf_token": csrf_token(client, page), **form,
                                   "photos": (io.BytesIO(PNG), "jalan.png")}, content_type="multipart/form-data")


def events(app, name):
    with app.app_context():
        from egovkit.db import db
        from egovkit.services.events import Event

        return [json.loads(e.payload) for e in db.session.scalars(select(Event).where(Event.name == name)
                                                                  .order_by(Event.id))]


def to_renja(app):
    """The journey to an accepted proposal and an open Renja of the road agency; returns (clients, urls)."""
    desa = as_user(app, "op.sarongan@desa.id")
    bad = propose(desa, latitude="-80", estimate="banyak", title="")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Lintang di wilayah Indonesia" in text and "Jumlah dalam Rupiah" in text and "5 sampai 200" in text
    response = propose(desa)
    assert response.status_code == 303
    url = response.headers["Location"]
    page = desa.get(url).get_data(as_text=True)
    code = re.search(r"<strong>([A-Z0-9]{8})</strong>", page).group(1)
    assert "Di musrenbang kecamatan" in page and "jalan.png" not in page
    public = app.test_client().get(f"/perencanaan/lacak?code={code}").get_data(as_text=True)
    assert "Di musrenbang kecamatan" in public and "Krajan" in public

    camat = as_user(app, "camat.pesanggaran@kec.id")
    assert "Di musrenbang kecamatan" in flashed(camat, post(camat, url + "/teruskan", url, rank="0"))
    assert "peringkat 2" in flashed(camat, post(camat, url + "/teruskan", url, rank="2"))

    bappeda = as_user(app, "staf@bappeda.id")
    assert "bukan sub-kegiatan" in flashed(bappeda, post(bappeda, url + "/tetapkan", url, agency_code="dpupr",
                                                       subactivity_code="9.99.99.2.01.0001", rkpd_year=str(YEAR)))
    assert "Dinas Pekerjaan Umum" in flashed(bappeda, post(bappeda, url + "/tetapkan", url, agency_code="dpupr",
                                                          subactivity_code=ROAD, rkpd_year=str(YEAR)))
    assert decide(bappeda, url, "accept").status_code == 302
    assert "Masuk RKPD" in app.test_client().get(f"/perencanaan/lacak?code={code}").get_data(as_text=True)
    accepted = events(app, "planning.proposal_accepted")
    assert [(e["tracking_code"], e["agency_code"], e["subactivity_code"], e["year"], e["estimate"])
            for e in accepted] == [(code, "dpupr", ROAD, YEAR, 450_000_000)]

    index = f"/perencanaan/renja?year={YEAR}"
    assert "Pagu disimpan" in flashed(bappeda, post(bappeda, "/perencanaan/renja/pagu", index, agency_code="dpupr",
                                                    year=str(YEAR), amount="500.000.000"))
    opd = as_user(app, "staf@dpupr.id")
    opened = post(opd, "/perencanaan/renja/baru", index, agency_code="dpupr", year=str(YEAR), once="e" * 32)
    assert opened.status_code == 303
    return {"desa": desa, "camat": camat, "bappeda": bappeda, "opd": opd}, url, opened.headers["Location"], code


def test_proposal_from_desa_meeting_to_a_renja_line_and_sipd_round_trip(regency):
    app = regency
    users, proposal, renja, code = to_renja(app)
    opd = users["opd"]
    page = opd.get(renja).get_data(as_text=True)
    assert "Pengaspalan jalan Dusun Krajan" in page  # the accepted proposal waits for its line
    proposal_id = re.search(r'name="proposal_id" value="(\d+)"', page).group(1)
    added = post(opd, renja + "/baris", renja, proposal_id=proposal_id, target="1,2", unit="Km",
                 indicator="Panjang jalan yang dibangun", cost="450.000.000", once="d" * 32)
    assert "Baris ditambahkan: 1.03.10.2.01.0032 Pembangunan Jalan" in flashed(opd, added)
    over = post(opd, renja + "/baris", renja, subactivity_code="1.03.01.2.01.0001", target="1", cost="60.000.000",
                once="c" * 32)
    text = flashed(opd, over)
    assert "1.03.01.2.01.0001 Penyusunan Dokumen Perencanaan Perangkat Daerah" in text
    assert "di atas pagu Rp 500.000.000" in text
    fits = post(opd, renja + "/baris", renja, subactivity_code="1.03.01.2.01.0001", target="1", cost="50.000.000",
                once="b" * 32)
    assert "Jumlah Dokumen Perencanaan Perangkat Daerah" in flashed(opd, fits)  # the code list's indicator

    other = as_user(app, "staf@dinkes.id")
    assert other.get(renja).status_code == 404  # another agency's plan is out of reach
    assert decide(opd, renja, "submit").status_code == 302
    tapd = as_user(app, "tapd@pemkab.id")
    index = f"/perencanaan/renja?year={YEAR}"
    assert post(tapd, "/perencanaan/renja/pagu", index, agency_code="dpupr", year=str(YEAR),
                amount="900.000.000").status_code == 403  # TAPD reviews; Bappeda sets the ceilings
    assert tapd.get("/perencanaan/usulan/baru?source=pokir").status_code == 403
    assert decide(tapd, renja, "approve").status_code == 302
    funded = events(app, "planning.subactivity_funded")
    assert sorted((e["subactivity_code"], e["amount"], e["village_code"], e["agency_code"], e["year"])
                  for e in funded) == [("1.03.01.2.01.0001", 50_000_000, None, "dpupr", YEAR),
                                       (ROAD, 450_000_000, SARONGAN, "dpupr", YEAR)]
    road = next(e for e in funded if e["subactivity_code"] == ROAD)
    assert road["subactivity_name"] == "Pembangunan Jalan" and road["latitude"] == -8.5872 and road["version"] == 1

    exported = opd.get(renja + "/sipd.csv")
    assert exported.status_code == 200 and exported.headers["Cache-Control"] == "no-store, private"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["kode_sub_kegiatan"], r["nama_program"], r["kode_kegiatan"], r["pagu_indikatif"], r["kode_lokasi"])
            for r in rows] == [("1.03.01.2.01.0001", "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA",
                                "1.03.01.2.01", "50000000", ""),
                               (ROAD, "PROGRAM PENYELENGGARAAN JALAN", "1.03.10.2.01", "450000000", SARONGAN)]
    assert rows[1]["kode_urusan"] == "1" and rows[1]["kode_bidang_urusan"] == "1.03" and rows[1]["tahun"] == str(YEAR)

    def upload(blob, name):
        return post(opd, renja + "/impor", renja, file=(io.BytesIO(blob), name))

    # the round trip: the exported files import unchanged, and export again to the same bytes
    assert "0 baris berubah, 2 tetap" in flashed(opd, upload(exported.data, "renja.csv"))
    xlsx = opd.get(renja + "/sipd.xlsx").data
    assert "0 baris berubah, 2 tetap" in flashed(opd, upload(xlsx, "renja.xlsx"))
    assert opd.get(renja + "/sipd.csv").data == exported.data

    text = exported.get_data(as_text=True).splitlines()
    bad = "\r\n".join([text[0], text[1].replace(",50000000,,,,", ",50000000,,,60000000,70000000"),
                       text[2].replace("1.03.10.2.01.0032", "1.03.10.2.01.0099")])
    refused = flashed(opd, upload(bad.encode(), "dpa.csv"))
    assert "Tidak ada yang diimpor: 2 baris salah." in refused
    assert "Baris 2: realisasi di atas pagu_dpa." in refused and "Baris 3: sub-kegiatan 1.03.10.2.01.0099" in refused
    assert opd.get(renja + "/sipd.csv").data == exported.data  # nothing half-written
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("pagu_dpa") + 1, value=440000000)
    sheet.cell(row=3, column=header.index("realisasi") + 1, value=100000000)
    buf = io.BytesIO()
    book.save(buf)
    assert "1 baris berubah, 1 tetap" in flashed(opd, upload(buf.getvalue(), "dpa.xlsx"))
    again = list(csv.DictReader(io.StringIO(opd.get(renja + "/sipd.csv").get_data(as_text=True))))
    assert (again[1]["pagu_dpa"], again[1]["realisasi"]) == ("440000000", "100000000")

    amended = post(opd, renja + "/perubahan", renja)
    assert "Perubahan 2 dimulai dari versi 1" in flashed(opd, amended)
    v2 = amended.headers["Location"]
    assert v2 != renja and "Rancangan" in opd.get(v2).get_data(as_text=True)
    assert "Final" in opd.get(renja).get_data(as_text=True)
    assert opd.get(renja + "/sipd.csv").data.count(b"\r\n") == 3  # the final version is kept as it was

    dashboard = users["bappeda"].get(f"/perencanaan/dasbor?year={YEAR}").get_data(as_text=True)
    assert "Pesanggaran" in dashboard and "500.000.000" in dashboard
    with app.app_context():
        from egovkit.services import opendata

        table = opendata.compute(opendata.find("planning", "proposals-per-kecamatan"))
        # one proposal in its cell: the row is published, its count and estimate suppressed
        assert table.rows == [{"year": YEAR, "district_code": "35.10.01", "district": "Pesanggaran",
                               "source": "desa", "fate": "accepted", "proposals": None, "estimate": None}]


def test_pokir_and_self_funded_proposals(regency):
    app = regency
    desa = as_user(app, "op.sarongan@desa.id")
    assert propose(desa, self_funded="1").status_code == 400  # needs its RKPDes line
    funded = propose(desa, self_funded="1", rkpdes_ref="RKPDes 2027 no. 4", once="a" * 32)
    page = desa.get(funded.headers["Location"]).get_data(as_text=True)
    assert "Didanai desa (RKPDes)" in page and "RKPDes 2027 no. 4" in page
    assert desa.get("/perencanaan/usulan/baru?source=pokir").status_code == 403
    bappeda = as_user(app, "staf@bappeda.id")
    pokir = propose(bappeda, source="pokir", proposer="H. Slamet (Fraksi A)", once="9" * 32)
    page = bappeda.get(pokir.headers["Location"]).get_data(as_text=True)
    assert "Diteruskan ke Bappeda" in page and "H. Slamet (Fraksi A)" in page
    listing = bappeda.get("/perencanaan/usulan").get_data(as_text=True)
    assert "Pokir" in listing
    url = pokir.headers["Location"]
    assert decide(bappeda, url, "reject", note="Sudah ditangani provinsi").status_code == 302
    code = re.search(r"<strong>([A-Z0-9]{8})</strong>", page).group(1)
    public = app.test_client().get(f"/perencanaan/lacak?code={code}").get_data(as_text=True)
    assert "Tidak diakomodasi" in public and "Sudah ditangani provinsi" in public
    assert "H. Slamet" not in public  # the public page does not say who proposed it


def test_a_new_edition_for_a_new_year_leaves_the_old_plan(cli, make_instance, tmp_path, monkeypatch):
    """A fixture edition renames Pembangunan Jalan and splits Pemeliharaan Rutin Jalan; named for YEAR + 1 in
    the profile, it serves the new year's plan while YEAR's plan keeps its edition, names and export."""
    import gzip

    bundled = Path(__file__).parents[1] / "modules/planning/data/kepmendagri-050-5889-2021.csv.gz"
    rows = gzip.decompress(bundled.read_bytes())
    text = rows.decode().replace("1.03.10.2.01.0032,subkegiatan,Pembangunan Jalan,",
                                 "1.03.10.2.01.0032,subkegiatan,Pembangunan Jalan Kabupaten,")
    text = text.replace("1.03.10.2.01.0046,subkegiatan,Pemeliharaan Rutin Jalan,,\n",
                        "1.03.10.2.01.0047,subkegiatan,Pemeliharaan Rutin Jalan Beraspal,Panjang Jalan,Km\n"
                        "1.03.10.2.01.0048,subkegiatan,Pemeliharaan Rutin Jalan Tanah,Panjang Jalan,Km\n")
    assert "0047" in text and "Jalan Kabupaten" in text
    (tmp_path / "test-2099.csv").write_text(text)
    (tmp_path / "cross.csv").write_text("old_code,new_code\n1.03.10.2.01.0046,1.03.10.2.01.0047\n"
                                        "1.03.10.2.01.0046,1.03.10.2.01.0048\n")
    (tmp_path / "codelists.yaml").write_text(yaml.safe_dump({"planning.codes": {"editions": {"test-2099": {
        "title": "Test edition", "decree": "fixture", "source": "tests", "licence": "-", "file": "test-2099.csv",
        "changes": {"kepmendagri-050-5889-2021": "cross.csv"}}}}}))

    app = make(cli, make_instance)
    old = app.test_client()
    assert login(old, "staf@bappeda.id", PASSWORD).status_code == 302
    index = f"/perencanaan/renja?year={YEAR}"
    flashed(old, post(old, "/perencanaan/renja/pagu", index, agency_code="dpupr", year=str(YEAR), amount="900000000"))
    flashed(old, post(old, "/perencanaan/renja/pagu", index, agency_code="dpupr", year=str(YEAR + 1),
                      amount="900000000"))
    opd = as_user(app, "staf@dpupr.id")
    renja = post(opd, "/perencanaan/renja/baru", index, agency_code="dpupr", year=str(YEAR), once="8" * 32)
    renja = renja.headers["Location"]
    flashed(opd, post(opd, renja + "/baris", renja, subactivity_code="1.03.10.2.01.0046", target="10", unit="Km",
                      indicator="Panjang jalan", cost="100000000", once="7" * 32))
    before = opd.get(renja + "/sipd.csv").data
    with app.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()

    monkeypatch.setenv("EGOVKIT_CODELISTS", str(tmp_path / "codelists.yaml"))

    def newer(profile):
        profile["modules"]["planning"] = {"editions": {YEAR + 1: "test-2099"}}

    path = Path("instance", "profile.yaml")
    profile = yaml.safe_load(path.read_text())
    newer(profile)
    path.write_text(yaml.safe_dump(profile))
    app = create_app("instance", {"TESTING": True})
    opd = as_user(app, "staf@dpupr.id")
    assert opd.get(renja + "/sipd.csv").data == before  # the old year's plan, names and all
    assert "Pemeliharaan Rutin Jalan" in opd.get(renja).get_data(as_text=True)
    index2 = f"/perencanaan/renja?year={YEAR + 1}"
    new = post(opd, "/perencanaan/renja/baru", index2, agency_code="dpupr", year=str(YEAR + 1), once="6" * 32)
    new = new.headers["Location"]
    assert "Test edition" in opd.get(new).get_data(as_text=True)
    gone = flashed(opd, post(opd, new + "/baris", new, subactivity_code="1.03.10.2.01.0046", target="1", unit="Km",
                             indicator="x", cost="1000", once="5" * 32))
    assert "1.03.10.2.01.0046 bukan sub-kegiatan dari daftar kode test-2099" in gone
    split = flashed(opd, post(opd, new + "/baris", new, subactivity_code="1.03.10.2.01.0048", target="4",
                              cost="20000000", once="4" * 32))
    assert "Pemeliharaan Rutin Jalan Tanah" in split and "Panjang Jalan" in split
    renamed = flashed(opd, post(opd, new + "/baris", new, subactivity_code=ROAD, target="1", unit="Km",
                                indicator="Panjang jalan", cost="30000000", once="3" * 32))
    assert "Pembangunan Jalan Kabupaten" in renamed
    with app.app_context():
        from egovkit.services import codelists

        assert codelists.crosswalk("planning.codes", "kepmendagri-050-5889-2021", "test-2099") == {
            "1.03.10.2.01.0046": ["1.03.10.2.01.0047", "1.03.10.2.01.0048"]}
    with app.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()


def test_racing_lines_never_pass_the_ceiling(regency):
    app = regency
    bappeda = as_user(app, "staf@bappeda.id")
    index = f"/perencanaan/renja?year={YEAR}"
    flashed(bappeda, post(bappeda, "/perencanaan/renja/pagu", index, agency_code="dpupr", year=str(YEAR),
                          amount="300.000.000"))
    opd = as_user(app, "staf@dpupr.id")
    renja = post(opd, "/perencanaan/renja/baru", index, agency_code="dpupr", year=str(YEAR), once="2" * 32)
    renja = renja.headers["Location"]
    villages = ["35.10.01.2001", "35.10.01.2002", "35.10.01.2003", "35.10.01.2004", "35.10.01.2005",
                "35.10.01.2006", "35.10.01.2007", "35.10.01.2008"][:RACERS]
    with serving(app) as base:
        sessions = [http_signed_in(base, "staf@dpupr.id") for _ in range(RACERS)]
        tokens = [form_token(s, base + renja) for s in sessions]
        barrier = threading.Barrier(RACERS)

        def go(i):
            barrier.wait()
            sessions[i].post(base + renja + "/baris", allow_redirects=False, data={
                "csrf_token": tokens[i], "subactivity_code": ROAD, "target": "1", "unit": "Km",
                "indicator": "Panjang jalan", "cost": "100000000", "location": villages[i], "once": f"{i:032d}"})

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.planning.models import Line, Renja

        renja_row = db.session.scalars(select(Renja)).one()
        lines = db.session.scalars(select(Line)).all()
        assert len(lines) == 3 and renja_row.total == 300_000_000 == sum(line.cost for line in lines)
        db.engine.dispose()

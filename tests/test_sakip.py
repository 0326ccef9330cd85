"""e-SAKIP through HTTP: Diskominfo's Renstra imported from its file (a bad file writes nothing and names each
row), quarterly realisations with evidence, returned and corrected, verified by the evaluator through the
core's workflow; the scorecard, the LKjIP as XLSX and as a signed PDF with the letterhead, and the dashboard's
achievement per agency; a lower-is-better indicator checked against a hand computation."""
import csv
import io
import re
from decimal import Decimal

import pytest

from egovkit.app import create_app

from .conftest import accounts, csrf_token, login
from .test_letters import decide
from .test_workflow import PASSWORD

STAFF = [("staf@kominfo.id", "opd_staff", "diskominfo"), ("kepala@kominfo.id", "opd_head", "diskominfo"),
         ("staf@dinkes.id", "opd_staff", "dinkes")]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    accounts(cli, [{"email": email, "name": email.split("@")[0].title(), "role": role, "agency": agency}
                   for email, role, agency in STAFF], PASSWORD)
    cli("users", "create", "--email", "evaluator@inspektorat.id", "--name", "Evaluator", "--role", "evaluator",
        "--password-stdin", input=PASSWORD + "\n")
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


def header(first):
    return ("tujuan_kode,tujuan,sasaran_kode,sasaran,indikator_kode,indikator,satuan,arah,agregasi,baseline,"
            + ",".join(f"target_{y}" for y in range(first, first + 5)) + "\n")


def plan_file(first, bad=False):
    rows = ["T1,Pemerintahan digital terpadu,S1.1,Layanan publik elektronik meningkat,IKU-1,Persentase layanan "
            "daring,%,naik,akhir,60,70,75,80,85,90",
            "T1,Pemerintahan digital terpadu,S1.1,Layanan publik elektronik meningkat,IKU-2,Waktu pemulihan "
            "gangguan,jam,turun,rata-rata,\"8,5\",6,\"5,5\",5,\"4,5\",4"]
    if bad:
        rows += ["T1,Pemerintahan digital terpadu,S1.1,Layanan publik elektronik meningkat,IKU-3,Indeks,poin,"
                 "menurun,akhir,1,2,3,4,5,6",
                 "T1,Pemerintahan digital terpadu,S1.1,Layanan publik elektronik meningkat,IKU-1,Lagi,%,naik,akhir,"
                 "1,banyak,3,4,5,6"]
    return header(first) + "\n".join(rows) + "\n"


def send(client, url, data, files=None, page=None):
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data, **(files or {})},
                       content_type="multipart/form-data")


def test_an_indicator_from_target_to_quarters_scorecard_and_lkjip(regency):
    from openpyxl import Workbook, load_workbook

    from .test_browser_letters import pdf_text

    with regency.app_context():
        from egovkit.services.payments import today

        year = today().year - 1  # every quarter of it has begun
    kominfo = staff(regency, "staf@kominfo.id")
    made = send(kominfo, "/sakip/plans", page="/sakip/", data={"agency": "diskominfo", "level": "agency", "first_year": str(year),
                                     "last_year": str(year + 4)})
    assert made.status_code == 302, made.get_data(as_text=True)
    plan = made.headers["Location"]
    # a file with a bad row: each named by its line and column, nothing saved
    bad = send(kominfo, f"{plan}/import", {}, {"file": (io.BytesIO(plan_file(year, bad=True).encode()), "iku.csv")})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "tidak ada yang disimpan" in page
    assert "4,arah: &#39;menurun&#39; bukan naik atau turun" in page
    assert "5,target_" in page and "indikator IKU-1 sudah ada di baris 2" not in page  # first reason wins per row
    assert "No tujuan yet" not in page and "Belum ada tujuan" in kominfo.get(plan).get_data(as_text=True)
    good = send(kominfo, f"{plan}/import", {}, {"file": (io.BytesIO(plan_file(year).encode()), "iku.csv")})
    assert "2 baris: 2 disimpan, 0 tidak berubah." in good.get_data(as_text=True)
    book = Workbook()  # the same plan as a spreadsheet: nothing changes
    sheet = book.active
    for line in csv.reader(plan_file(year).splitlines()):
        sheet.append([float(v.replace(",", ".")) if re.fullmatch(r"[0-9]+(,[0-9]+)?", v) else v for v in line])
    xlsx = io.BytesIO()
    book.save(xlsx)
    again = send(kominfo, f"{plan}/import", {}, {"file": (io.BytesIO(xlsx.getvalue()), "iku.xlsx")})
    assert "2 baris: 0 disimpan, 2 tidak berubah." in again.get_data(as_text=True)
    listed = kominfo.get(plan).get_data(as_text=True)
    ids = {}
    for i, name in re.findall(r'href="/sakip/indicators/(\d+)">([^<]+)</a>', listed):
        ids["up" if "daring" in name else "down"] = int(i)
    assert set(ids) == {"up", "down"}
    assert staff(regency, "staf@dinkes.id").get(plan).status_code == 404  # another agency's plan

    def realise(kind, quarter, value):
        url = f"/sakip/indicators/{ids[kind]}"
        answer = send(kominfo, f"{url}/realisations", {"year": str(year), "quarter": str(quarter), "value": value,
                                                       "note": "Laporan triwulan"},
                      {"evidence": (io.BytesIO(PDF), "bukti.pdf")}, page=url)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
        return answer.headers["Location"]

    up = [realise("up", 1, "60"), realise("up", 2, "91")]
    down = [realise("down", q, v) for q, v in ((1, "7,5"), (2, "5"), (3, "4"), (4, "6,5"))]
    twice = send(kominfo, f"/sakip/indicators/{ids['up']}/realisations",
                 {"year": str(year), "quarter": "2", "value": "1"}, {"evidence": (io.BytesIO(PDF), "b.pdf")},
                 page=f"/sakip/indicators/{ids['up']}")
    assert twice.status_code == 400 and "Triwulan ini sudah diisi" in twice.get_data(as_text=True)
    card = f"{plan}/scorecard?year={year}"
    assert "belum diverifikasi" in kominfo.get(card).get_data(as_text=True)
    evaluator = staff(regency, "evaluator@inspektorat.id")
    assert evaluator.get(down[3] + "/evidence").data == PDF
    assert decide(evaluator, down[3], "return", note="Bukti tidak sesuai").status_code == 302
    corrected = send(kominfo, down[3], data={"value": "6,5", "note": "Bukti diganti"},
                     files={"evidence": (io.BytesIO(PDF), "bukti2.pdf")})
    assert corrected.status_code == 302
    assert "Menunggu verifikasi" in kominfo.get(down[3]).get_data(as_text=True)
    for url in up + down:
        assert decide(evaluator, url, "verify").status_code == 302, url
    page = evaluator.get(card).get_data(as_text=True)
    # lower is better, by hand: the year's value is the average (7.5 + 5 + 4 + 6.5) / 4 = 5.75 hours against a
    # target of 6: (2 x 6 - 5.75) / 6 x 100 = 104.1666... = 104.17%
    assert re.search(r'id="iku-%d".*?104,17%%' % ids["down"], page, re.S)
    # higher is better, the last quarter: 91 / 70 x 100 = 130%, shown capped at 120%
    assert re.search(r'id="iku-%d".*?120%%.*?dihitung 130%%' % ids["up"], page, re.S)
    assert '<strong id="average">112,09%</strong>' in page  # (104.17 + 120) / 2
    sheet = load_workbook(io.BytesIO(kominfo.get(f"{plan}/lkjip.xlsx?year={year}").data)).active
    rows = {r[3]: r for r in sheet.iter_rows(min_row=5, values_only=True) if r[3]}
    assert rows["IKU-2"][13] == 5.75 and rows["IKU-2"][14] == 104.17 and rows["IKU-2"][16] == "Sangat tinggi"
    assert rows["IKU-1"][14] == 130 and rows["IKU-1"][15] == 120
    head = staff(regency, "kepala@kominfo.id")
    issued = head.post(f"{plan}/lkjip", data={"csrf_token": csrf_token(head, card), "year": str(year)})
    assert issued.status_code == 302
    text = pdf_text(head.get(f"{plan}/lkjip.pdf?year={year}").data)
    assert "DINAS KOMUNIKASI INFORMATIKA DAN PERSANDIAN" in text and f"TAHUN {year}" in text
    assert "realisasi 5,75 jam, capaian 104,17% (Sangat tinggi)" in text.replace("\xa0", " ") and "112,09%" in text
    assert kominfo.post(f"{plan}/lkjip", data={"csrf_token": csrf_token(kominfo, card),
                                               "year": str(year)}).status_code == 403  # the head signs
    with regency.app_context():
        from egovkit_modules.sakip import dashboard

        assert [(a.agency, a.percent, a.indicators) for a in dashboard.achievement(year)] == [
            ("diskominfo", Decimal("112.09"), 2)]
    # the regent's dashboard tile: last year's figure while nothing of this year is verified
    with regency.test_request_context():
        from egovkit.services import tiles
        from egovkit_modules.sakip.tiles import achievement_tile

        figure = achievement_tile(tiles.Reach(None), None)
        assert figure.value == "112,1%" and str(year) in figure.caption and figure.rows[0][1] == "112,1%"
        assert achievement_tile(tiles.Reach(("35.10.01",)), "35.10.01") is None  # regency-wide only


def test_achievement_rules():
    from egovkit_modules.sakip.achievement import achievement, annual, capped, category

    assert achievement("down", Decimal(6), Decimal("5.75")) == Decimal("104.17")
    assert achievement("down", Decimal(10), Decimal(25)) == Decimal(-50)  # far worse than the target
    assert capped(Decimal(-50), 120) == 0 and capped(Decimal(130), 120) == 120
    assert achievement("up", Decimal(0), Decimal(5)) is None and achievement("up", Decimal(5), None) is None
    quarters = {1: Decimal(3), 2: Decimal(4), 4: Decimal(8)}
    assert annual("last", quarters) == 8 and annual("sum", quarters) == 15 and annual("average", quarters) == 5
    assert category(Decimal("90.99"))[0] == "high" and category(Decimal(91))[0] == "very_high"
    assert category(Decimal(50))[0] == "very_low"


def test_racing_realisations_of_one_quarter_make_one(regency):
    """Staff sending the same quarter at the same moment (SQLite, and PostgreSQL when a URL is set): one
    realisation, one case."""
    import threading

    from .test_payments import RACERS, form_token, serving, signed_in

    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.sakip.models import Goal, Indicator, Plan

        from egovkit.services.payments import today

        year = today().year - 1
        plan = Plan(agency_code="diskominfo", level="agency", first_year=year, last_year=year + 4)
        db.session.add(plan)
        db.session.flush()
        goal = Goal(plan_id=plan.id, agency_code="diskominfo", level="sasaran", code="S1", name="Sasaran")
        db.session.add(goal)
        db.session.flush()
        ind = Indicator(plan_id=plan.id, goal_id=goal.id, agency_code="diskominfo", code="IKU-1", name="Cakupan",
                        unit="%", direction="up", aggregation="last")
        db.session.add(ind)
        db.session.commit()
        url = f"/sakip/indicators/{ind.id}"
    with serving(regency) as base:
        sessions = [signed_in(base, "staf@kominfo.id") for _ in range(RACERS)]
        tokens = [form_token(s, base + url) for s in sessions]
        barrier = threading.Barrier(RACERS)
        codes = [0] * RACERS

        def go(i):
            barrier.wait()
            codes[i] = sessions[i].post(f"{base}{url}/realisations", allow_redirects=False,
                                        files={"evidence": ("b.pdf", PDF)},
                                        data={"csrf_token": tokens[i], "year": str(year), "quarter": "1",
                                              "value": str(50 + i)}).status_code

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes.count(302) == 1 and set(codes) <= {302, 400, 409}, codes
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.workflow import Case
        from egovkit_modules.sakip.models import Realisation

        assert db.session.query(Realisation).count() == 1
        assert db.session.query(Case).filter(Case.workflow == "sakip.realisation").count() == 1
        db.engine.dispose()

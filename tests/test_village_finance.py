"""village_finance: a desa's whole budget year through HTTP (plan, draft,
submit, correction, evaluation, Perdes, realisation, amendment, report), the
rules refusing bad budgets with their message, and the walls between desa."""
import csv
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, update

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_api import bearer, token
from .test_letters import decide
from .test_workflow import KANDANGAN, PASSWORD, SARONGAN, people

YEAR = date.today().year - 1  # a closed year: every day of it may carry realisation
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def village(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    return create_app("instance", {"TESTING": True})


def as_user(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def start(client, village=SARONGAN, year=YEAR):
    url = f"/apbdes/{village}/{year}"
    response = client.post(f"{url}/start", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def add(client, url, account, source, amount, kegiatan="", description="", activity=""):
    return client.post(f"{url}/lines", data={"csrf_token": csrf_token(client, url), "account": account,
                                             "kegiatan": kegiatan, "source": source, "amount": str(amount),
                                             "description": description, "activity": activity})


def page(client, url) -> str:
    return client.get(url).get_data(as_text=True)


def lines(app, budget_url):
    from egovkit_modules.village_finance.models import Line

    with app.app_context():
        from egovkit.db import db
        budget_id = int(budget_url.rsplit("/", 1)[1])
        return {(x.kegiatan or x.account): (x.amount, x.realised, x.key, x.id)
                for x in db.session.scalars(select(Line).where(Line.budget_id == budget_id))}


def state(app, budget_url):
    from egovkit.db import db
    from egovkit.services.workflow import Case
    from egovkit_modules.village_finance.models import Budget

    with app.app_context():
        budget = db.session.get(Budget, int(budget_url.rsplit("/", 1)[1]))
        return db.session.get(Case, budget.case_id).state, budget.in_force


BALANCED = [  # account, source, amount, kegiatan
    ("4.2.1.01", "DD", 1_000_000_000, ""), ("4.2.3.01", "ADD", 600_000_000, ""),
    ("5.1.2.01", "ADD", 200_000_000, "1.1.02"), ("5.2.7.02", "DD", 250_000_000, "4.2.01"),
    ("5.4.1.01", "DD", 150_000_000, "5.3.00"), ("5.2.1.06", "ADD", 100_000_000, "2.2.02"),
]


def set_perdes(client, url, number):
    return client.post(f"{url}/perdes", data={"csrf_token": csrf_token(client, url), "perdes": number})


def set_in_force(kades, camat, url, number="1 Tahun 2025"):
    assert decide(kades, url, "submit").status_code == 302
    assert decide(camat, url, "evaluate").status_code == 302
    assert set_perdes(kades, url, number).status_code == 303
    assert decide(kades, url, "approve").status_code == 302


def draft_budget(app, operator):
    url = start(operator)
    for account, source, amount, kegiatan in BALANCED:
        assert add(operator, url, account, source, amount, kegiatan).status_code == 303
    return url


def test_the_whole_year_plan_to_report(village):
    app = village
    operator = as_user(app, "op.sarongan@desa.id")
    kades = as_user(app, "kades.sarongan@desa.id")
    camat = as_user(app, "camat.pesanggaran@kec.id")

    # plan: an activity of the RKPDes, taken up by a line
    plan = f"/apbdes/{SARONGAN}/{YEAR}/plan"
    response = operator.post(plan, data={"csrf_token": csrf_token(operator, plan), "kegiatan": "2.3.10",
                                         "name": "Rabat beton Dusun Krajan", "location": "RT 02/RW 01",
                                         "estimate": "450.000.000"})
    assert response.status_code == 302
    assert "Rabat beton Dusun Krajan" in page(operator, plan)
    url = draft_budget(app, operator)
    activity = re.search(r'<option value="(\d+)">2.3.10 Rabat beton', page(operator, url)).group(1)
    assert add(operator, url, "5.3.5.03", "DD", 550_000_000, "2.3.10", "Rabat beton", activity).status_code == 303
    assert "Rabat beton Dusun Krajan" not in page(operator, url).split('id="activity"')[-1]  # taken up

    # a rule broken: the kepala desa cannot submit, the message says why, nothing moves
    assert add(operator, url, "5.3.4.03", "DD", 100_000_000, "1.2.03", "Balai desa").status_code == 303
    decide(kades, url, "submit")
    shown = page(kades, url)
    assert "Belanja dari sumber DD Rp 1.050.000.000 melebihi penerimaannya Rp 1.000.000.000." in shown
    assert state(app, url) == ("draft", False)
    hall = lines(app, url)["1.2.03"]
    response = operator.post(f"{url}/lines/{hall[3]}", data={"csrf_token": csrf_token(operator, url), "remove": "1"})
    assert response.status_code == 303

    # submit, the camat asks for a correction, resubmit, evaluate, set by Perdes
    assert decide(kades, url, "submit").status_code == 302 and state(app, url)[0] == "submitted"
    assert decide(camat, url, "correct", note="Kurangi BLT, tambah posyandu").status_code == 302
    assert state(app, url)[0] == "draft"
    blt = lines(app, url)["5.3.00"]
    response = operator.post(f"{url}/lines/{blt[3]}", data={"csrf_token": csrf_token(operator, url),
                                                             "amount": "140.000.000"})
    assert response.status_code == 303 and lines(app, url)["5.3.00"][0] == 140_000_000
    decide(kades, url, "submit")
    assert 'formaction="/cases/' not in page(operator, url)  # the operator decides nothing
    assert decide(camat, url, "evaluate").status_code == 302
    decide(kades, url, "approve")
    assert "Isi dulu nomor Perdes yang menetapkan anggaran ini." in page(kades, url)
    assert state(app, url) == ("evaluated", False)
    assert set_perdes(kades, url, "3 Tahun 2025").status_code == 303
    assert decide(kades, url, "approve").status_code == 302
    assert state(app, url) == ("approved", True)
    assert "Ditetapkan dengan Perdes nomor 3 Tahun 2025" in page(operator, url)
    from egovkit.services.events import Event
    from egovkit.db import db
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.name == "apbdes.approved")) == 1

    # realise: within the line, with evidence; never above the line
    road_key = lines(app, url)["2.3.10"][2]
    realise = f"{url}/realise"

    def spend(key, amount, day, **extra):
        data = {"csrf_token": csrf_token(operator, realise), "line": key, "amount": str(amount),
                "day": day.isoformat(), "description": "Pembayaran termin", **extra}
        return operator.post(realise, data=data, content_type="multipart/form-data")

    assert spend(road_key, 300_000_000, date(YEAR, 5, 10), progress="50",
                 evidence=(io.BytesIO(PNG), "foto.png")).status_code == 303
    assert spend(road_key, 200_000_000, date(YEAR, 8, 17), progress="90").status_code == 303
    refused = spend(road_key, 60_000_000, date(YEAR, 9, 1))
    assert refused.status_code == 400
    assert "Rp 50.000.000 tersisa dari Rp 550.000.000" in refused.get_data(as_text=True)
    assert lines(app, url)["2.3.10"][1] == 500_000_000  # nothing written
    listed = page(camat, f"{url}/entries")
    assert listed.count("Pembayaran termin") == 2 and "90%" in listed
    photo = re.search(r'href="(/apbdes/entries/\d+/evidence)"', listed).group(1)
    evidence = camat.get(photo)
    assert evidence.data == PNG and evidence.headers["Cache-Control"] == "no-store, private"  # never cached
    assert as_user(app, "op.kandangan@desa.id").get(photo).status_code == 404
    dd_key = lines(app, url)["4.2.1.01"][2]
    assert spend(dd_key, 1_000_000_000, date(YEAR, 3, 1)).status_code == 303

    # amend: a new version keeps the old; a line cannot go below what was realised
    response = operator.post(f"{url}/amend", data={"csrf_token": csrf_token(operator, url)})
    amended = response.headers["Location"]
    assert amended != url and state(app, amended) == ("draft", False) and state(app, url) == ("approved", True)
    road = lines(app, amended)["2.3.10"]
    assert road[1] == 500_000_000
    posyandu_key = lines(app, url)["2.2.02"][2]
    assert spend(posyandu_key, 30_000_000, date(YEAR, 9, 20)).status_code == 303  # while the amendment is drafted
    assert lines(app, amended)["2.2.02"][1] == 30_000_000
    low = operator.post(f"{amended}/lines/{road[3]}", data={"csrf_token": csrf_token(operator, amended),
                                                             "amount": "400000000"})
    assert low.status_code == 303 and lines(app, amended)["2.3.10"][0] == 550_000_000
    assert "di bawah realisasi Rp 500.000.000" in page(operator, amended)
    posyandu = lines(app, amended)["2.2.02"]
    operator.post(f"{amended}/lines/{posyandu[3]}", data={"csrf_token": csrf_token(operator, amended),
                                                           "amount": "40000000"})
    operator.post(f"{amended}/lines/{road[3]}", data={"csrf_token": csrf_token(operator, amended),
                                                       "amount": "610000000"})
    set_in_force(kades, camat, amended)
    assert state(app, amended) == ("approved", True) and state(app, url) == ("approved", False)
    assert lines(app, amended)["2.2.02"][:2] == (40_000_000, 30_000_000)
    assert spend(road_key, 60_000_000, date(YEAR, 10, 1)).status_code == 404  # the old version is out of force
    realise = f"{amended}/realise"
    assert spend(road_key, 60_000_000, date(YEAR, 10, 1)).status_code == 303

    # report: the totals are the entries, by semester and for the year
    from egovkit_modules.village_finance.models import Entry
    with app.app_context():
        spent = db.session.scalar(select(func.sum(Entry.amount)).where(Entry.village_code == SARONGAN,
                                                                     Entry.year == YEAR, Entry.line_key != dd_key))
        first_half = db.session.scalar(select(func.sum(Entry.amount)).where(
            Entry.village_code == SARONGAN, Entry.year == YEAR, Entry.line_key != dd_key,
            Entry.day <= date(YEAR, 6, 30)))
    assert (spent, first_half) == (590_000_000, 300_000_000)
    report = f"/apbdes/{SARONGAN}/{YEAR}/report"
    for query, expected in (("", spent), ("?semester=1", first_half)):
        csv_text = operator.get(f"{report}{query}{'&' if query else '?'}format=csv").get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(csv_text)))[1:]
        assert sum(int(r[-1]) for r in rows if r[0].startswith("5")) == expected
    assert "Rp 590.000.000" in page(operator, report)
    sheet = openpyxl.load_workbook(io.BytesIO(operator.get(f"{report}?format=xlsx").data)).active
    values = list(sheet.iter_rows(min_row=4, values_only=True))
    assert sum(r[5] for r in values if r[0].startswith("5")) == spent
    pdf = operator.get(f"{report}?semester=1&format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_rules_refuse_bad_lines_and_change_nothing(village):
    operator = as_user(village, "op.sarongan@desa.id")
    url = draft_budget(village, operator)
    before = lines(village, url)
    cases = [
        (("9.9.9.99", "DD", 1000, ""), "Rekening 9.9.9.99 tidak ada di bagan akun"),
        (("5.2.1.01", "DD", 1000, ""), "Belanja 5.2.1.01 perlu kegiatan dari daftar"),
        (("5.2.1.01", "XYZ", 1000, "1.1.04"), "Sumber dana &#39;XYZ&#39; tidak dikenal."),
        (("4.2.1.01", "ADD", 1000, ""), "Rekening 4.2.1.01 adalah penerimaan dari sumber DD, bukan ADD."),
        (("5.2.1.01", "DD", "12,5", "1.1.04"), "Bilangan bulat Rupiah di atas nol"),
    ]
    for (account, source, amount, kegiatan), message in cases:
        response = add(operator, url, account, source, amount, kegiatan)
        assert response.status_code == 303
        assert message in page(operator, url), message
    kades = as_user(village, "kades.sarongan@desa.id")
    decide(kades, url, "withdraw", note="tidak jadi")
    assert "APBDes pertama tahun ini tidak dapat dibatalkan" in page(kades, url)
    assert state(village, url)[0] == "draft"
    operator.get("/lang/en")
    add(operator, url, "4.2.1.01", "ADD", 1000)
    assert "Account 4.2.1.01 brings in source DD, not ADD." in page(operator, url)
    assert lines(village, url) == before


def test_budget_rules_messages():
    from egovkit_modules.village_finance import accounts, rules

    chart = accounts.chart()
    line = rules.DraftLine

    def codes(lines, marks=()):
        return [v.code for v in rules.check(chart, lines, marks)]

    balanced = [line("a", "4.2.1.01", None, "DD", 1000), line("b", "5.3.5.03", "2.3.10", "DD", 700),
                line("c", "5.2.7.02", "4.2.01", "DD", 300)]
    assert codes(balanced) == []
    assert codes([]) == ["empty"]
    over = balanced + [line("d", "5.3.5.03", "2.3.10", "ADD", 100)]
    assert codes(over) == ["unbalanced", "source_short"]
    with_financing = over + [line("e", "6.1.1.01", None, "SILPA", 100)]
    assert codes(with_financing) == ["source_short"]  # balanced now, but SiLPA does not pay for ADD lines
    siltap = [line("a", "4.2.3.01", None, "ADD", 1000), line("b", "5.1.2.01", "1.1.02", "ADD", 400),
              line("c", "5.2.7.02", "4.2.01", "ADD", 600)]
    found = rules.check(chart, siltap)
    assert [v.code for v in found] == ["income_cap"]
    assert found[0].message("en") == ("Fixed income and allowances (kegiatan 1.1.01, 1.1.02, 1.1.05) Rp 400 = 40% of "
                                      "spending, above the cap of 30%.")
    running_costs = [siltap[0], line("b", "5.2.1.01", "1.1.04", "ADD", 400), siltap[2]]
    assert rules.check(chart, running_costs) == []  # office running costs are outside the cap (PP 11/2019)
    food = rules.Earmark(title="Ketahanan pangan", source="DD", kegiatan=["4.2"], min_share=0.4)
    blt = rules.Earmark(title="BLT", source="DD", kegiatan=["5.3"], max_share=0.25)
    found = rules.check(chart, balanced, [food, blt])
    assert [v.message("id") for v in found] == [
        "Ketahanan pangan: 30% dari DD (Rp 300), kurang dari minimal 40%."]
    assert codes(balanced + [line("f", "5.4.1.01", "5.3.00", "DD", 0)], [blt]) == ["amount"]
    assert rules.check_line(chart, line("g", "5.3.5.03", "2.3.10", "DD", 100, realised=150))[0].code == \
        "below_realised"
    assert rules.capped("5.3.5.03") and rules.capped("6.2.2.01") and not rules.capped("4.2.1.01")


def test_chart_is_complete_and_a_profile_may_add_kegiatan(cli, tmp_path):
    from egovkit_modules.village_finance import accounts

    chart = accounts.chart()
    assert [code for code, _ in chart.bidang()] == ["1", "2", "3", "4", "5"]
    assert chart.name("4.2.1.01") == "Dana Desa" and chart.receipt_source("4.2.3.01") == "ADD"
    assert chart.is_postable("6.2.2.01") and not chart.is_postable("5.2")
    assert chart.is_kegiatan("2.4.01") and "Rumah Tidak Layak Huni" in chart.name("2.4.01")
    profile = tmp_path / "p.yaml"
    profile.write_text("name: desa-plus\nextends: banyuwangi\nmodules:\n  village_finance:\n"
                       "    extra_kegiatan: {\"2.4.90\": Bedah rumah swadaya}\n")
    assert cli("profile", "validate", str(profile)).exit_code == 0
    profile.write_text("name: desa-plus\nextends: banyuwangi\nmodules:\n  village_finance:\n"
                       "    extra_kegiatan: {\"2.9.01\": Sub-bidang yang tidak ada}\n"
                       "    earmarks: [{title: X, source: DD, kegiatan: [\"4.2\"]}]\n")
    result = cli("profile", "validate", str(profile), expect=None)
    assert result.exit_code != 0
    assert "sub-bidang 2.9 is not in the chart" in result.output
    assert "an earmark needs min_share or max_share" in result.output


def test_two_desa_never_see_each_others_drafts_and_the_public_sees_only_approved(village):
    sarongan = as_user(village, "op.sarongan@desa.id")
    kandangan = as_user(village, "op.kandangan@desa.id")
    url = draft_budget(village, sarongan)
    assert kandangan.get(url).status_code == 404
    assert kandangan.get(f"/apbdes/{SARONGAN}/{YEAR}").status_code == 404
    assert kandangan.get(f"/apbdes/{SARONGAN}/{YEAR}/report?format=csv").status_code == 404
    assert kandangan.post(f"{url}/lines", data={"csrf_token": csrf_token(kandangan, f"/apbdes/{KANDANGAN}/{YEAR}"),
                                                "account": "4.1.2.01", "source": "PAD",
                                                "amount": "1000"}).status_code == 404
    public = village.test_client()
    assert "belum menetapkan" in page(public, f"/apbdes/public/{SARONGAN}/{YEAR}")
    assert "Rp 1.000.000.000" not in page(public, f"/apbdes/public/{SARONGAN}/{YEAR}")
    kades, camat = as_user(village, "kades.sarongan@desa.id"), as_user(village, "camat.pesanggaran@kec.id")
    set_in_force(kades, camat, url)
    assert "Rp 1.000.000.000" in page(public, f"/apbdes/public/{SARONGAN}/{YEAR}")
    assert f'href="/apbdes/public/{SARONGAN}/{YEAR}"' in page(public, f"/apbdes/public?year={YEAR}")
    camat = as_user(village, "camat.pesanggaran@kec.id")
    for who, expected in ((sarongan, {SARONGAN}), (kandangan, set()), (camat, {SARONGAN})):
        exported = who.get(f"/apbdes/export?year={YEAR}&format=csv").get_data(as_text=True).lstrip("\ufeff")
        assert {r["kode_desa"] for r in csv.DictReader(io.StringIO(exported))} == expected
    amended = sarongan.post(f"{url}/amend", data={"csrf_token": csrf_token(sarongan, url)}).headers["Location"]
    dd = lines(village, amended)["4.2.1.01"]
    sarongan.post(f"{amended}/lines/{dd[3]}", data={"csrf_token": csrf_token(sarongan, amended),
                                                     "amount": "1200000000"})
    shown = page(public, f"/apbdes/public/{SARONGAN}/{YEAR}")
    assert "Rp 1.000.000.000" in shown and "Rp 1.200.000.000" not in shown  # the draft amendment stays inside


def test_rtlh_approval_becomes_a_candidate_activity_once(village):
    from egovkit.services import events
    from egovkit.db import db
    from egovkit_modules.village_finance.models import Activity

    with village.test_request_context():
        events.publish("rtlh.approved", proposal=7, village=SARONGAN, nik="3510011708900002",
                       household="Budi Santoso", score=22)
        db.session.commit()
        event = db.session.scalars(select(events.Event).where(events.Event.name == "rtlh.approved")).one()
        from egovkit_modules.village_finance.budget import on_rtlh_approved
        on_rtlh_approved(event)  # a second delivery changes nothing
        db.session.commit()
        found = [(a.village_code, a.kegiatan, a.origin_ref) for a in db.session.scalars(select(Activity))]
    assert found == [(SARONGAN, "2.4.01", "7")]
    operator = as_user(village, "op.sarongan@desa.id")
    assert "Rehabilitasi rumah tidak layak huni: Budi Santoso" in page(
        operator, f"/apbdes/{SARONGAN}/{date.today().year}/plan")


def test_api_reads_budgets_and_records_realisation_within_reach(village, cli):
    operator = as_user(village, "op.sarongan@desa.id")
    url = draft_budget(village, operator)
    kades, camat = as_user(village, "kades.sarongan@desa.id"), as_user(village, "camat.pesanggaran@kec.id")
    set_in_force(kades, camat, url)
    budget_id = int(url.rsplit("/", 1)[1])
    mine = bearer(token(cli, "op.sarongan@desa.id", "apbdes:read", "apbdes:write"))
    other = bearer(token(cli, "op.kandangan@desa.id", "apbdes:read", "apbdes:write"))
    api = village.test_client()
    found = api.get(f"/api/v1/apbdes/budgets?village={SARONGAN}&year={YEAR}", headers=mine).json["items"]
    assert [b["state"] for b in found] == ["approved"]
    assert api.get(f"/api/v1/apbdes/budgets?village={SARONGAN}&year={YEAR}", headers=other).json["items"] == []
    assert api.get(f"/api/v1/apbdes/budgets/{budget_id}", headers=other).status_code == 404
    key = next(x["key"] for x in found[0]["lines"] if x["kegiatan"] == "2.2.02")
    body = {"line_key": key, "day": f"{YEAR}-04-01", "amount": 40_000_000, "description": "PMT balita"}
    response = api.post(f"/api/v1/apbdes/budgets/{budget_id}/entries", json=body, headers=mine)
    assert response.status_code == 201 and response.json["line_realised"] == 40_000_000
    assert api.post(f"/api/v1/apbdes/budgets/{budget_id}/entries", json=body, headers=other).status_code == 404
    too_much = api.post(f"/api/v1/apbdes/budgets/{budget_id}/entries", json={**body, "amount": 70_000_000},
                        headers=mine)
    assert too_much.status_code == 422 and "Rp 60.000.000" in too_much.json["error"]["detail"]
    figures = api.get(f"/api/v1/apbdes/dashboard?year={YEAR}", headers=mine).json
    assert [(u["key"], u["realised"]) for u in figures["units"]] == [(SARONGAN, 40_000_000)]


def test_dashboard_lights_and_demo_budgets(cli, make_instance):
    make_instance("banyuwangi", "instance", "--demo")
    people(cli)
    app = create_app("instance", {"TESTING": True})
    camat = as_user(app, "camat.pesanggaran@kec.id")
    shown = page(camat, f"/apbdes/dashboard?year={date.today().year}")
    assert '<svg class="bars"' in shown
    by_bidang = shown[shown.index("Menurut bidang"):]  # the five bidang of spending, not the account classes
    assert "Pemberdayaan Masyarakat" in by_bidang and "Penanggulangan Bencana" in by_bidang
    assert ">Pendapatan<" not in by_bidang and ">Belanja<" not in by_bidang
    lights = re.findall(r'<tr class="light-(\w+)">', shown)
    assert set(lights) <= {"green", "yellow", "red"}
    with app.app_context():
        from egovkit_modules.village_finance.demo import villages
        assert len(lights) == len([v for v in villages() if v.startswith("35.10.01.")]) > 1
        from egovkit.db import db
        from egovkit_modules.village_finance.models import Budget, Line
        from egovkit_modules.village_finance import budget as service
        assert db.session.scalar(select(func.count(func.distinct(Budget.year)))) == 3
        some = db.session.scalars(select(Budget).where(Budget.village_code == SARONGAN)).first()
        with app.test_request_context():
            assert service.problems(some) == []
        assert db.session.scalar(select(func.count()).select_from(Line).where(Line.realised > Line.amount,
                                                                              Line.account.like("5%"))) == 0


def test_a_role_without_the_budget_permission_opens_nothing(cli):
    """Reach comes only through the roles that hold the permission: a district role of another kind
    (here a village facilitator the profile adds) does not open the other desa's budget."""
    Path("p.yaml").write_text("name: with-facilitator\nextends: banyuwangi\nroles:\n  pendamping:\n"
                              "    scope: district\n    title: {id: Pendamping Desa, en: Village facilitator}\n")
    cli("init", "--profile", "p.yaml")
    people(cli)
    cli("users", "grant", "op.kandangan@desa.id", "--role", "pendamping", "--region", "35.10.01")
    app = create_app("instance", {"TESTING": True})
    sarongan, kandangan = as_user(app, "op.sarongan@desa.id"), as_user(app, "op.kandangan@desa.id")
    url = draft_budget(app, sarongan)
    assert kandangan.get(url).status_code == 404
    assert kandangan.get(f"{url}/entries").status_code == 404
    exported = kandangan.get(f"/apbdes/export?year={YEAR}&format=csv").get_data(as_text=True)
    assert SARONGAN not in exported
    secret = bearer(token(cli, "op.kandangan@desa.id", "apbdes:read"))
    budget_id = url.rsplit("/", 1)[1]
    assert app.test_client().get(f"/api/v1/apbdes/budgets/{budget_id}", headers=secret).status_code == 404


def test_an_amendment_cannot_lose_realised_money(village):
    operator = as_user(village, "op.sarongan@desa.id")
    kades, camat = as_user(village, "kades.sarongan@desa.id"), as_user(village, "camat.pesanggaran@kec.id")
    url = draft_budget(village, operator)
    set_in_force(kades, camat, url)
    amended = operator.post(f"{url}/amend", data={"csrf_token": csrf_token(operator, url)}).headers["Location"]
    posyandu, blt = lines(village, amended)["2.2.02"], lines(village, amended)["5.3.00"]
    operator.post(f"{amended}/lines/{posyandu[3]}", data={"csrf_token": csrf_token(operator, amended), "remove": "1"})
    operator.post(f"{amended}/lines/{blt[3]}", data={"csrf_token": csrf_token(operator, amended), "amount": "20000000"})

    def spend(key, amount, progress=""):
        realise = f"{url}/realise"
        return operator.post(realise, data={"csrf_token": csrf_token(operator, realise), "line": key,
                                            "amount": amount, "day": f"{YEAR}-07-01", "description": "Belanja",
                                            "progress": progress})

    assert spend(posyandu[2], "30.000.000").status_code == 303  # the line is still in force
    refused = spend(blt[2], "25000000")
    assert refused.status_code == 400 and "perubahan yang sedang disusun" in refused.get_data(as_text=True)
    assert lines(village, url)["5.3.00"][1] == 0 and lines(village, amended)["5.3.00"][1] == 0
    decide(kades, amended, "submit")
    assert "Baris 5.2.1.06 2.2.02 sudah direalisasikan Rp 30.000.000" in page(kades, amended)
    assert state(village, amended) == ("draft", False)
    for typed in ("1500000.00", "12,5", "²"):
        assert spend(blt[2], typed).status_code == 400
    assert spend(blt[2], "1000", progress="²").status_code == 400
    assert lines(village, url)["5.3.00"][1] == 0


def test_a_mistaken_entry_is_reversed_not_erased_and_an_amendment_can_be_withdrawn(village):
    from egovkit.db import db
    from egovkit_modules.village_finance.models import Entry

    operator = as_user(village, "op.sarongan@desa.id")
    kades, camat = as_user(village, "kades.sarongan@desa.id"), as_user(village, "camat.pesanggaran@kec.id")
    url = draft_budget(village, operator)
    set_in_force(kades, camat, url)
    key = lines(village, url)["2.2.02"][2]
    realise = f"{url}/realise"
    operator.post(realise, data={"csrf_token": csrf_token(operator, realise), "line": key, "amount": "90000000",
                                 "day": f"{YEAR}-03-03", "description": "PMT (salah ketik)"})
    assert lines(village, url)["2.2.02"][1] == 90_000_000
    listed = page(operator, f"{url}/entries")
    entry_id = re.search(r'action="/apbdes/entries/(\d+)/reverse"', listed).group(1)
    target = f"/apbdes/entries/{entry_id}/reverse"
    short = operator.post(target, data={"csrf_token": csrf_token(operator, f"{url}/entries"), "reason": "salah"})
    assert short.status_code == 303 and lines(village, url)["2.2.02"][1] == 90_000_000
    camat_try = camat.post(target, data={"csrf_token": csrf_token(camat, f"{url}/entries"),
                                         "reason": "Salah ketik jumlah, seharusnya 9 juta"})
    assert camat_try.status_code == 403  # the camat reads; the desa's operator corrects
    operator.post(target, data={"csrf_token": csrf_token(operator, f"{url}/entries"),
                                "reason": "Salah ketik jumlah, seharusnya 9 juta"})
    assert lines(village, url)["2.2.02"][1] == 0
    again = operator.post(target, data={"csrf_token": csrf_token(operator, f"{url}/entries"),
                                        "reason": "Salah ketik jumlah, seharusnya 9 juta"})
    assert again.status_code == 303
    with village.app_context():
        amounts = sorted(e.amount for e in db.session.query(Entry))
    assert amounts == [-90_000_000, 90_000_000]  # both kept
    csv_text = operator.get(f"/apbdes/{SARONGAN}/{YEAR}/report?format=csv").get_data(as_text=True)
    assert sum(int(r[-1]) for r in list(csv.reader(io.StringIO(csv_text)))[1:] if r[0].startswith("5")) == 0

    assert "/withdraw" not in page(kades, url)  # a budget in force is amended, not withdrawn
    amended = operator.post(f"{url}/amend", data={"csrf_token": csrf_token(operator, url)}).headers["Location"]
    assert decide(kades, amended, "withdraw", note="Perubahan tidak diperlukan").status_code == 302
    assert state(village, amended) == ("withdrawn", False) and state(village, url) == ("approved", True)
    second = operator.post(f"{url}/amend", data={"csrf_token": csrf_token(operator, url)})
    assert second.status_code == 302 and second.headers["Location"] != amended


def test_konsolidasi_apbdesa_one_row_per_desa_sums_what_the_budgets_and_entries_hold(cli, make_instance, tmp_path):
    """The consolidated realisation the bupati sends the Ministry each semester (docs/moving-in.md): per desa the
    budget in force by kelompok, bidang and pembiayaan with the entries up to the semester's end, the totals
    adding up, every desa listed (one without an APBDes with empty figures), kelurahan not; within reach on
    the page."""
    from egovkit_modules.village_finance import konsolidasi

    make_instance("banyuwangi", "instance", "--demo")
    people(cli)
    app = create_app("instance", {"TESTING": True})
    year = date.today().year
    with app.app_context():
        from egovkit.db import db
        from egovkit.models import Region
        from egovkit_modules.village_finance.models import Budget, Entry, Line

        desa = db.session.scalars(select(Region.code).where(Region.level == "village", Region.kind == "desa")
                                  .order_by(Region.code)).all()
        kelurahan = db.session.scalars(select(Region.code).where(Region.kind == "kelurahan")).all()
        without = [c for c in desa if c.startswith("35.10.02.")][-1]  # a desa whose APBDes is not in force
        db.session.execute(update(Budget).where(Budget.village_code == without, Budget.year == year)
                           .values(in_force=False))
        db.session.commit()
        in_force = db.session.scalars(select(Budget).where(Budget.year == year, Budget.in_force.is_(True))).all()
        budgeted = {b.village_code for b in in_force}
        lines_of = {b.village_code: db.session.scalars(select(Line).where(Line.budget_id == b.id)).all()
                    for b in in_force}
        june = {}
        for e in db.session.scalars(select(Entry).where(Entry.year == year, Entry.day <= date(year, 6, 30))):
            june[(e.village_code, e.line_key)] = june.get((e.village_code, e.line_key), 0) + e.amount
        db.engine.dispose()
    assert budgeted and set(desa) - budgeted == {without} and kelurahan

    def expected(code, part, realised):
        chosen = [x for x in lines_of[code] if part(x)]
        return (sum(x.amount for x in chosen),
                sum(realised(x) for x in chosen))

    for semester, realised in ((2, lambda x: x.realised), (1, lambda x: june.get((x.village_code, x.key), 0))):
        out = tmp_path / f"k{semester}.csv"
        said = cli("apbdes", "konsolidasi", "--tahun", year, "--semester", semester, "--out", out).output
        assert f"{len(desa)} desa, {len(budgeted)} with an APBDes {year} in force" in said
        table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert list(table[0]) == konsolidasi.HEADER and [r["kode_desa"] for r in table[:-1]] == desa  # no kelurahan
        for row in table[:-1]:
            code = row["kode_desa"]
            if code not in budgeted:
                assert row["anggaran_pendapatan"] == "" and row["apbdes_versi"] == ""
                continue
            figures = {
                "dana_desa": expected(code, lambda x: x.account.startswith("4.2.1."), realised),
                "pendapatan": expected(code, lambda x: x.account.startswith("4"), realised),
                "bidang_2": expected(code, lambda x: x.account.startswith("5") and x.kegiatan.startswith("2."),
                                     realised),
                "belanja": expected(code, lambda x: x.account.startswith("5"), realised),
                "penerimaan_pembiayaan": expected(code, lambda x: x.account.startswith("6.1"), realised)}
            for key, (budget, done) in figures.items():
                assert (int(row[f"anggaran_{key}"]), int(row[f"realisasi_{key}"])) == (budget, done), (code, key)
            for side in ("anggaran", "realisasi"):
                parts = [int(row[f"{side}_{k}"]) for k, _, _ in konsolidasi.INCOME]
                assert sum(parts) == int(row[f"{side}_pendapatan"])
                assert int(row[f"{side}_silpa"]) == (int(row[f"{side}_pendapatan"]) - int(row[f"{side}_belanja"])
                                                     + int(row[f"{side}_pembiayaan_netto"]))
        total = table[-1]
        assert total["nama_desa"] == "JUMLAH"
        for column in konsolidasi.HEADER[konsolidasi.MONEY_FROM:]:
            assert int(total[column]) == sum(int(r[column] or 0) for r in table[:-1]), column
    assert "a .csv or .xlsx file" in cli("apbdes", "konsolidasi", "--tahun", year, "--out", tmp_path / "k.pdf",
                                         expect=1).output

    # the page: the camat's kecamatan only, as XLSX with the figures as numbers; a bad semester is no page
    camat = as_user(app, "camat.pesanggaran@kec.id")
    response = camat.get(f"/apbdes/konsolidasi?year={year}&semester=2&format=xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    codes = [c.value for c in sheet["A"][3:-1]]
    assert codes == [c for c in desa if c.startswith("35.10.01.")]
    assert isinstance(sheet.cell(row=5, column=konsolidasi.MONEY_FROM + 1).value, int)
    shown = camat.get(f"/apbdes/konsolidasi?year={year}&semester=1&format=csv").get_data(as_text=True)
    assert SARONGAN in shown and KANDANGAN in shown and "35.10.02." not in shown
    assert camat.get(f"/apbdes/konsolidasi?year={year}&semester=3").status_code == 404
    assert "konsolidasi?year=" in page(camat, f"/apbdes/?year={year}")

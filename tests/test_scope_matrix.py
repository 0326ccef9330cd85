"""Nothing crosses between two sides, for every route that takes an id, a code or a file name.

The routes come from ``app.url_map``, not from a list kept by hand. Two sides each have a village (in
two districts), an agency, a citizen and their records of every module (residents and family cards,
letters, RTLH proposals with photos, notice drafts, budgets with lines and realisation entries with
evidence, permit applications with files, tax objects and bills, import jobs). Every user of one side
opens every parameterised route, filled with the other side's records, by every method the route
takes: the answer is a 404 or a 403, never the other side's data. As a control, the records are real:
some user of the owning side opens each GET page.

A new route is covered without a new test; a route with a parameter no maker below knows fails
``test_every_parameterised_route_has_a_record_maker``: register a maker for it in MAKERS (or list
the endpoint in PUBLIC with the reason it is public by design).
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_smart_kampung import GOOD, write
from .test_workflow import OTHER_DESA, PASSWORD, SARONGAN

YEAR = date.today().year - 1
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Public by design: anyone may open them with any value (the reason is the route's own contract).
PUBLIC = {
    "static": "the stylesheet and images",
    "core.regions": "the regions of the regency are public facts",
    "core.set_language": "a language switch",
    "api_core.region": "the regions of the regency are public facts",
    "documents.verify": "anyone holding a document checks it by its code",
    "smart_kampung_api.track": "a tracking code shows a letter's status only",
    "permits_api.track": "a tracking code shows an application's status only",
    "village_finance.public": "the transparency page of a desa's budget in force",
    "opendata.dataset": "open data: aggregate figures, published for everyone",
    "opendata.dataset_csv": "open data: aggregate figures, published for everyone",
    "opendata.dataset_json": "open data: aggregate figures, published for everyone",
    "tourism.event": "the events of the regency's calendar are public (their costs show to the organiser only)",
    "portal.image": "the regency's logo and banner, shown on every page",
    "monitoring.static": "the map's script and stylesheet",
    "monitoring.public_details": "the public map's popup of a project (an internal kind's is a 404)",
    "monitoring.photo": "a site photo of a project on the public map (an internal one's: within reach only)",
    "social_aid.acknowledge": "a hospital acknowledges a statement by its document code, signed in as hospital "
                              "staff or with the one-time code printed on the paper; it shows nothing",
}


@dataclass
class Side:
    name: str
    village: str
    district: str
    agency: str
    citizen_nik: str
    resident_nik: str
    kk: str
    users: dict[str, str] = field(default_factory=dict)  # role -> login
    records: dict[str, object] = field(default_factory=dict)


def _sides() -> tuple[Side, Side]:
    a = Side("A", SARONGAN, "35.10.01", "dinkes", "3510015708900001", GOOD["nik"], GOOD["no_kk"])
    b = Side("B", OTHER_DESA, "35.10.02", "dpupr", "3510025708900004", "3510021708900003", "3510020101200005")
    return a, b


# parameter (or "blueprint:parameter") -> the value of the other side's record
MAKERS = {
    "announcements:record_id": lambda s: s.records["notice"],
    "announcements_api:notice_id": lambda s: s.records["notice"],
    "smart_kampung:record_id": lambda s: s.records["letter"],
    "smart_kampung.rtlh_detail:record_id": lambda s: s.records["rtlh"],
    "smart_kampung.rtlh_photo:record_id": lambda s: s.records["rtlh"],
    "smart_kampung.rtlh_photo:name": lambda s: s.records["rtlh_photo"],
    "smart_kampung:resident_id": lambda s: s.records["resident"],
    "smart_kampung:family_id": lambda s: s.records["family"],
    "smart_kampung:job_id": lambda s: s.records["job"],
    "smart_kampung:arrival_id": lambda s: s.records["arrival"],
    "jobs:job_id": lambda s: s.records["job"],
    "village_finance:job_id": lambda s: s.records["job"],
    "village_finance:village": lambda s: s.village,
    "village_finance:year": lambda s: YEAR,
    "village_finance:record_id": lambda s: s.records["budget"],
    "village_finance:line_id": lambda s: s.records["line"],
    "village_finance:entry_id": lambda s: s.records["entry"],
    "village_finance_api:budget_id": lambda s: s.records["budget"],
    "monitoring:project_id": lambda s: s.records["project"],
    "permits:record_id": lambda s: s.records["permit"],
    "social_aid:record_id": lambda s: s.records["aid_proposal"],
    "social_aid.grant_file:which": lambda s: "documents",
    "permits:name": lambda s: s.records["permit_file"],
    "permits_api:permit_id": lambda s: s.records["permit"],
    "etax:object_id": lambda s: s.records["tax_object"],
    "etax:bill_id": lambda s: s.records["bill"],
    "etax_api:declaration_id": lambda s: s.records["bill"],
    "cases:case_id": lambda s: s.records["case"],
    "complaints:record_id": lambda s: s.records["complaint"],
    "sakip:plan_id": lambda s: s.records["sakip_plan"],
    "sakip:goal_id": lambda s: s.records["sakip_goal"],
    "sakip:indicator_id": lambda s: s.records["sakip_indicator"],
    "sakip:record_id": lambda s: s.records["sakip_realisation"],
    "complaints.photo:number": lambda s: 0,
    "tourism:event_id": lambda s: s.records["event"],
    "tourism:destination_id": lambda s: s.records["destination"],
    "news:record_id": lambda s: s.records["article"],
    "planning:record_id": lambda s: s.records["plan_proposal"],
    "planning.photo:number": lambda s: 0,
    "planning.renja:record_id": lambda s: s.records["renja"],
    "planning.renja_line:record_id": lambda s: s.records["renja"],
    "planning.amend:record_id": lambda s: s.records["renja"],
    "planning.export:record_id": lambda s: s.records["renja"],
    "planning.export:fmt": lambda s: "csv",
    "planning.import_dpa:record_id": lambda s: s.records["renja"],
    "documents.print_code:code": lambda s: s.records["letter_document"],
    "cases:transition": lambda s: "verify",
    # the regency's SPBE assessment is no side's: only regency-wide roles and the coordinating agency (diskominfo,
    # neither side's) open it, so every side's user gets 403 (tests/test_spbe.py opens it as them)
    "spbe:year": lambda s: YEAR,
    "spbe:number": lambda s: 1,
    "spbe:evidence_id": lambda s: 1,
    # the admin pages are not scoped by side: every side's user gets 403 (tests/test_admin.py)
    "admin:user_id": lambda s: 1,
    "admin:assignment_id": lambda s: 1,
}

# API operations that take a body: a valid one for the owning side's record, so that scope decides.
BODIES = {
    "etax_api.payment": lambda s: {"amount": 1000, "paid_on": f"{YEAR}-03-04", "reference": f"BANK-{s.name}-1"},
    "permits_api.payment": lambda s: {"amount": 1000, "paid_on": f"{YEAR}-03-04", "receipt": f"KAS-{s.name}-1"},
    "village_finance_api.realise": lambda s: {"line_key": s.records["line_key"], "day": f"{YEAR}-03-04",
                                              "amount": 1000, "description": "PMT balita"},
}

# A route whose own side cannot open it by GET with these records (with the reason).
# social_aid's death benefit, SPM and hibah pages: the crossing check runs (with a proposal's id), the control not.
GAP = ("not yet: the sides have no death case, claim, statement or grant (their maker gives a proposal id); "
       "test_social_aid_benefits.py checks their reach")
NO_OWN_GET = {
    "social_aid.death_case": GAP,
    "social_aid.death_claim": GAP,
    "social_aid.grant": GAP,
    "social_aid.grant_file": GAP,
    "social_aid.nphd": GAP,
    "social_aid.statement": GAP,
    "social_aid.statement_pdf": GAP,
    "announcements.pdf": "a draft has no PDF yet",
    "announcements_api.one": "the public API shows published notices only; the side's notice is a draft",
    "permits.permit_pdf": "the permit is not issued yet",
    "permits.edit": "only an application returned to its applicant for completion is edited",
    "smart_kampung.import_rejects": "the side's import had no rejected rows",
    "admin.user": "administrators only, and no side's user is one (tests/test_admin.py opens it as one)",
    "smart_kampung.book_result": "the side's job is an import, not a book (books: tests/test_register.py)",
    "village_finance.siskeudes_result": "the side's job is a residents import, not a Siskeudes one "
                                        "(tests/test_siskeudes.py opens its own)",
    "tourism.visits": "the tourism office's (disbudpar), which neither side is (tests/test_tourism.py)",
    "sakip.lkjip_pdf": "the side's LKjIP is not issued (issued: tests/test_sakip.py)",
    **{f"spbe.{name}": "the regency's assessment, no side's (tests/test_spbe.py)"
       for name in ("year", "indicator", "evidence_file", "pack_pdf", "pack_zip")},
}


def maker(rule) -> dict:
    """The makers of a rule's parameters, or a KeyError naming the first unknown one."""
    blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else rule.endpoint
    out = {}
    for arg in sorted(rule.arguments):
        for key in (f"{rule.endpoint}:{arg}", f"{blueprint}:{arg}", arg):
            if key in MAKERS:
                out[arg] = MAKERS[key]
                break
        else:
            raise KeyError(f"{rule.endpoint} ({rule.rule}): no record maker for parameter {arg!r}")
    if rule.rule.startswith("/api/") and rule.methods - {"GET", "HEAD", "OPTIONS"} and rule.endpoint not in BODIES:
        raise KeyError(f"{rule.endpoint} ({rule.rule}): no valid body in BODIES")
    return out


def parameterised(app):
    return [r for r in app.url_map.iter_rules() if r.arguments and r.endpoint not in PUBLIC]


def test_every_parameterised_route_has_a_record_maker(make_instance):
    app = create_app(make_instance("banyuwangi"), {"TESTING": True})
    missing = []
    for rule in parameterised(app):
        try:
            maker(rule)
        except KeyError as exc:
            missing.append(str(exc))
    assert not missing, "\n".join(missing)
    assert len(parameterised(app)) >= 40  # every module's routes are there


# ----------------------------------------------------------------- the two sides
def _people(cli, side: Side) -> None:
    accounts = [("operator", "operator_desa", "--region", side.village),
                ("kades", "kepala_desa", "--region", side.village),
                ("camat", "camat", "--region", side.district),
                ("agency_staff", "opd_staff", "--agency", side.agency),
                ("agency_head", "opd_head", "--agency", side.agency)]
    for who, role, flag, where in accounts:
        login_name = f"{who}.{side.name.lower()}@example.id"
        cli("users", "create", "--email", login_name, "--name", f"{who} {side.name}", "--role", role, flag, where,
            "--password-stdin", input=PASSWORD + "\n")
        side.users[who] = login_name
    cli("users", "create", "--nik", side.citizen_nik, "--name", f"Warga {side.name}", "--role", "citizen",
        "--password-stdin", input=PASSWORD + "\n")
    side.users["citizen"] = side.citizen_nik


def _residents(sides) -> None:
    rows = []
    for side in sides:
        rows.append(dict(GOOD, nik=side.resident_nik, no_kk=side.kk, kode_desa=side.village,
                         nama=f"Kepala Keluarga {side.name}"))
        rows.append(dict(GOOD, nik=side.citizen_nik, no_kk=side.kk, kode_desa=side.village, jenis_kelamin="P",
                         nama=f"Warga {side.name}", hubungan_keluarga="Istri"))
    write("warga.csv", rows)


def _client(app, who):
    client = app.test_client()
    assert login(client, who, PASSWORD).status_code == 302, who
    return client


def _decide(client, url, transition, note=""):
    page = client.get(url).get_data(as_text=True)
    case_id = re.search(r'formaction="/cases/(\d+)/' + transition, page).group(1)
    response = client.post(f"/cases/{case_id}/{transition}",
                           data={"csrf_token": csrf_token(client, url), "note": note, "next": url})
    assert response.status_code == 302, (url, transition)


def _id(location: str) -> int:
    return int(re.search(r"/(\d+)(?:[/#?].*)?$", location).group(1))


def _records(app, side: Side) -> None:
    from egovkit.db import db
    from egovkit.models import User
    from egovkit.services.jobs import Job
    from egovkit_modules.etax.models import Declaration, TaxObject, Taxpayer
    from egovkit_modules.smart_kampung.models import HousingProposal, Letter, Resident
    from egovkit_modules.village_finance.models import Entry, Line

    from .test_village_finance import BALANCED

    operator = _client(app, side.users["operator"])
    with app.app_context():
        side.records["resident"] = db.session.scalar(select(Resident.id).where(Resident.nik == side.resident_nik))
        side.records["family"] = db.session.scalar(select(Resident.family_id).where(Resident.nik == side.resident_nik))
        ids = {k: db.session.scalar(select(User.id).where((User.email == v) | (User.nik == v)))
               for k, v in side.users.items()}
    # a letter for the resident, with its case
    url = f"/kampung/letters/new?type=domisili&resident={side.records['resident']}"
    sent = operator.post(url, data={"csrf_token": csrf_token(operator, url), "type": "domisili",
                                    "since": "2015-01-01", "purpose": "Melamar pekerjaan"})
    side.records["letter"] = _id(sent.headers["Location"])
    # an RTLH proposal with a photo
    from .test_rtlh import WORST

    url = f"/kampung/rtlh/new?resident={side.records['resident']}"
    sent = operator.post(url, data={"csrf_token": csrf_token(operator, url), **WORST,
                                    "photos": [(io.BytesIO(PNG), "rumah.png")]}, content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    side.records["rtlh"] = _id(sent.headers["Location"])
    # a draft notice of the village
    sent = operator.post("/announcements/new", data={"title": f"Rapat desa {side.name}", "body": "Rahasia.",
                                                     "action": "draft",
                                                     "csrf_token": csrf_token(operator, "/announcements/new")})
    side.records["notice"] = _id(sent.headers["Location"])
    # a budget in force, a line, and a realisation entry with evidence
    start = f"/apbdes/{side.village}/{YEAR}"
    budget = operator.post(f"{start}/start", data={"csrf_token": csrf_token(operator, start)}).headers["Location"]
    for account, source, amount, kegiatan in BALANCED:
        operator.post(f"{budget}/lines", data={"csrf_token": csrf_token(operator, budget), "account": account,
                                               "kegiatan": kegiatan, "source": source, "amount": str(amount)})
    kades, camat = _client(app, side.users["kades"]), _client(app, side.users["camat"])
    letter = f"/kampung/letters/{side.records['letter']}"  # checked and signed: an issued document
    _decide(operator, letter, "verify")
    _decide(kades, letter, "sign")
    _decide(kades, budget, "submit")
    _decide(camat, budget, "evaluate")
    kades.post(f"{budget}/perdes", data={"csrf_token": csrf_token(kades, budget), "perdes": "1 Tahun 2025"})
    _decide(kades, budget, "approve")
    side.records["budget"] = _id(budget)
    with app.app_context():  # the budget's development activity is a project of the desa (monitoring)
        from egovkit_modules.monitoring.models import Project

        side.records["project"] = db.session.scalar(select(Project.id).where(Project.region_code == side.village))
    with app.app_context():
        line = db.session.scalar(select(Line).where(Line.budget_id == side.records["budget"],
                                                    Line.kegiatan == "2.2.02"))
        side.records["line"], side.records["line_key"] = line.id, line.key
        key = line.key
    realise = f"{budget}/realise"
    sent = operator.post(realise, data={"csrf_token": csrf_token(operator, realise), "line": key,
                                        "amount": "9000000", "day": f"{YEAR}-03-03", "description": "PMT balita",
                                        "evidence": (io.BytesIO(PNG), "kuitansi.png")},
                         content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    # a social aid proposal of the side's resident by the side's operator (the household's decile imported)
    with app.app_context():
        from egovkit_modules.social_aid.models import Decile

        db.session.add(Decile(kk=side.kk, decile=1, data_date=date(YEAR, 1, 31), source="scope.csv"))
        db.session.commit()
    operator = _client(app, side.users["operator"])
    sent = operator.post("/bansos/propose", data={"csrf_token": csrf_token(operator, "/bansos/propose"),
                                                  "programme": "pkh", "nik": side.resident_nik,
                                                  "minutes": (io.BytesIO(PDF), "musdesus.pdf")},
                         content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    side.records["aid_proposal"] = _id(sent.headers["Location"])
    # a permit application of the side's citizen, to the side's agency, with its files
    citizen = _client(app, side.users["citizen"])
    if side.agency == "dinkes":
        kind, answers = "restoran", {"seats": "40", "business_address": "Jl. Raya 1",
                                     "lab_test": (io.BytesIO(PDF), "uji.pdf"), "photo": (io.BytesIO(PNG), "d.png")}
    else:
        kind, answers = "pbg_rekomendasi", {"building_use": "Rumah tinggal", "floor_area": "120", "floors": "2",
                                            "land_title": (io.BytesIO(PDF), "sertifikat.pdf"),
                                            "drawings": (io.BytesIO(PDF), "gambar.pdf")}
    url = f"/izin/apply?type={kind}"
    sent = citizen.post(url, data={"csrf_token": csrf_token(citizen, url), "type": kind,
                                   "business": f"Usaha {side.name}", "address": "Jl. Raya 1", **answers},
                        content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    side.records["permit"] = _id(sent.headers["Location"])
    # a complaint of the side's citizen, under her name, with a photo
    sent = citizen.post("/pengaduan/", data={
        "csrf_token": csrf_token(citizen, "/pengaduan/"), "category": "pelayanan_desa", "mode": "named",
        "subject": f"Pungutan di desa {side.name}", "village_code": side.village,
        "description": "Petugas meminta uang untuk surat pengantar.", "photos": [(io.BytesIO(PNG), "bukti.png")]},
        content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    with app.app_context():
        from egovkit_modules.complaints.models import Complaint

        code = re.search(r"code=([A-Z2-9]{8})", sent.headers["Location"]).group(1)
        side.records["complaint"] = db.session.scalar(select(Complaint.id).where(Complaint.tracking_code == code))
    # an event the side's agency organises, and a draft news article of the agency
    staff = _client(app, side.users["agency_staff"])
    sent = staff.post("/wisata/acara/baru", data={
        "csrf_token": csrf_token(staff, "/wisata/acara/baru"), "title_id": f"Festival {side.name}",
        "title_en": f"Festival {side.name}", "starts_on": f"{YEAR}-07-01", "ends_on": f"{YEAR}-07-02",
        "venue": f"Lapangan {side.name}", "agency_code": side.agency, "expected_domestic": "100",
        "expected_foreign": "0", "budget": "10.000.000"})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    side.records["event"] = _id(sent.headers["Location"])
    sent = staff.post("/berita/baru", data={"csrf_token": csrf_token(staff, "/berita/baru"),
                                            "title": f"Berita {side.name}", "body": "Belum terbit.",
                                            "agency_code": side.agency, "action": "draft"})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    side.records["article"] = _id(sent.headers["Location"])
    with app.app_context():
        from egovkit_modules.tourism.models import Destination

        place = Destination(name=f"Pantai {side.name}", agency_code="disbudpar", demo=False)
        db.session.add(place)
        db.session.commit()
        side.records["destination"] = place.id
    # a musrenbang proposal of the side's desa, with a photo, and a Renja draft of the side's agency
    plan_year = date.today().year + 1
    url = "/perencanaan/usulan/baru"
    sent = operator.post(url, data={"csrf_token": csrf_token(operator, url), "title": f"Jalan desa {side.name}",
                                    "problem": "Jalan berlubang saat hujan.", "village_code": side.village,
                                    "latitude": "-8.5", "longitude": "114.1", "estimate": "100000000",
                                    "priority": "1", "year": str(plan_year), "photos": (io.BytesIO(PNG), "j.png")},
                         content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    side.records["plan_proposal"] = _id(sent.headers["Location"])
    staff = _client(app, side.users["agency_staff"])
    url = f"/perencanaan/renja?year={plan_year}"
    sent = staff.post("/perencanaan/renja/baru", data={"csrf_token": csrf_token(staff, url),
                                                       "agency_code": side.agency, "year": str(plan_year)})
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    side.records["renja"] = _id(sent.headers["Location"])
    with app.app_context():
        from egovkit_modules.permits.models import Permit

        side.records["permit_file"] = next(iter(json.loads(db.session.get(Permit, side.records["permit"]).files)))
        proposal = db.session.get(HousingProposal, side.records["rtlh"])
        side.records["rtlh_photo"] = json.loads(proposal.photos)[0]
        side.records["entry"] = db.session.scalar(select(Entry.id).where(Entry.village_code == side.village))
        side.records["case"] = db.session.get(Letter, side.records["letter"]).case_id
        from egovkit.services.documents import Document

        side.records["letter_document"] = db.session.scalar(select(Document.code).where(
            Document.doc_type == "smart_kampung.letter", Document.record_id == str(side.records["letter"])))
        # a tax object and a bill of the side's citizen (Bapenda's, as every tax object)
        payer = Taxpayer(npwpd=f"P.{side.name}.0001", name=f"Warga {side.name}", nik=side.citizen_nik,
                         address="Jl. Raya 1", agency_code="bapenda", owner_id=ids["citizen"])
        db.session.add(payer)
        db.session.flush()
        obj = TaxObject(taxpayer_id=payer.id, tax_type="restoran", name=f"Warung {side.name}", address="Jl. Raya 1",
                        agency_code="bapenda", owner_id=ids["citizen"])
        db.session.add(obj)
        db.session.flush()
        bill = Declaration(object_id=obj.id, period=f"{YEAR}-05", tax_type="restoran", turnover=10_000_000,
                           rate_bp=1000, tax_due=1_000_000, billing_code=f"35100{side.name}0001",
                           due_date=date(YEAR, 6, 15), declared_by=ids["citizen"], agency_code="bapenda",
                           owner_id=ids["citizen"])
        db.session.add(bill)
        # an import job of the side's operator, finished
        job = Job(kind="smart_kampung.import", target="egovkit_modules.smart_kampung.views:_import_job",
                  owner_id=ids["operator"], state="done", done=2, total=2, finished_at=None,
                  result=json.dumps({"rows": 2, "written": 2, "unchanged": 0, "rejected": 0}),
                  result_endpoint="smart_kampung.import_result")
        db.session.add(job)
        # a resident arriving in the side's village from elsewhere in the regency, waiting for its operator
        from egovkit_modules.smart_kampung.models import Arrival

        arrival = Arrival(resident_id=side.records["resident"], from_village="35.10.01.2009",
                          to_village=side.village, moving_on=date(YEAR, 3, 1), state="pending",
                          key=f"scope-matrix-{side.name}")
        db.session.add(arrival)
        db.session.commit()
        side.records["tax_object"], side.records["bill"], side.records["job"] = obj.id, bill.id, job.id
        side.records["arrival"] = arrival.id
        # e-SAKIP: the side's agency's Renstra with a sasaran and an indicator, and a realisation with evidence
        from egovkit_modules.sakip.models import Goal, Indicator, Plan

        plan = Plan(agency_code=side.agency, level="agency", first_year=YEAR, last_year=YEAR + 4)
        db.session.add(plan)
        db.session.flush()
        tujuan = Goal(plan_id=plan.id, agency_code=side.agency, level="tujuan", code="T1", name="Tujuan")
        db.session.add(tujuan)
        db.session.flush()
        sasaran = Goal(plan_id=plan.id, agency_code=side.agency, level="sasaran", parent_id=tujuan.id, code="S1",
                       name="Sasaran")
        db.session.add(sasaran)
        db.session.flush()
        ind = Indicator(plan_id=plan.id, goal_id=sasaran.id, agency_code=side.agency, code="IKU-1", name="Cakupan",
                        unit="%", direction="up", aggregation="last")
        db.session.add(ind)
        db.session.commit()
        side.records["sakip_plan"], side.records["sakip_goal"] = plan.id, sasaran.id
        side.records["sakip_indicator"] = ind.id
    staff = _client(app, side.users["agency_staff"])
    url = f"/sakip/indicators/{side.records['sakip_indicator']}"
    sent = staff.post(f"{url}/realisations", data={"csrf_token": csrf_token(staff, url), "year": str(YEAR),
                                                  "quarter": "1", "value": "50", "evidence": (io.BytesIO(PDF), "b.pdf")},
                      content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    side.records["sakip_realisation"] = _id(sent.headers["Location"])
    assert all(side.records.values()), side.records


@pytest.fixture
def two_sides(cli, make_instance):
    make_instance("banyuwangi")
    sides = _sides()
    for side in sides:
        _people(cli, side)
    _residents(sides)
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True})
    for side in sides:
        _records(app, side)
    with app.app_context():
        from egovkit.api import known_scopes

        scopes = known_scopes()
    tokens = {}
    for side in sides:
        for login_name in side.users.values():
            args = ["tokens", "create", "--user", login_name]
            for scope_name in scopes:
                args += ["--scope", scope_name]
            tokens[login_name] = cli(*args).output.split(": ")[1].split()[0]
    return app, sides, tokens


def test_nothing_crosses_between_two_villages_two_agencies_and_two_citizens(two_sides):
    app, sides, tokens = two_sides
    rules = parameterised(app)
    crossed, unreachable = [], []
    clients = {login_name: _client(app, login_name) for side in sides for login_name in side.users.values()}
    csrf = {login_name: csrf_token(client, "/") for login_name, client in clients.items()}
    for rule in rules:
        makers = maker(rule)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        api = rule.rule.startswith("/api/")
        for owner, other in ((sides[0], sides[1]), (sides[1], sides[0])):
            url = rule.build({arg: make(owner) for arg, make in makers.items()}, append_unknown=False)[1]
            own_ok = False
            for viewer in (*owner.users.values(), *other.users.values()):
                client = app.test_client() if api else clients[viewer]  # the API: the token alone, no cookie
                headers = {"Authorization": f"Bearer {tokens[viewer]}"} if api else {}
                own = viewer in owner.users.values()  # the owning side only reads: its records stay as made
                for method in (["GET"] if "GET" in methods else []) if own else methods:
                    if method == "GET":
                        response = client.get(url, headers=headers)
                    elif api:
                        response = client.open(url, method=method, json=BODIES[rule.endpoint](owner), headers=headers)
                    else:
                        response = client.open(url, method=method, data={"csrf_token": csrf[viewer]})
                    response.close()
                    if own:
                        own_ok |= response.status_code in (200, 302)
                    elif response.status_code not in (403, 404):
                        crossed.append(f"{method} {url} ({rule.endpoint}) of side {owner.name} answered "
                                       f"{response.status_code} to {viewer} of side {other.name}")
            if "GET" in methods and not own_ok and rule.endpoint not in NO_OWN_GET:
                unreachable.append(f"GET {url} ({rule.endpoint}): no user of side {owner.name} opens it")
    assert not crossed, "\n".join(crossed)
    assert not unreachable, "the records are not real enough to prove anything:\n" + "\n".join(unreachable)

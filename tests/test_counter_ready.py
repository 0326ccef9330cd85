"""Ready for the village office counter (issue #14): what a person at the desk or on a phone meets first.
Links that lead somewhere, cards a viewer may open, verdicts seen first, one way to type money, a question
before what cannot be undone, Indonesian messages."""
import re

import pytest

from egovkit.app import create_app

from .conftest import accounts, csrf_token, login
from .test_letters import citizen
from .test_permits import PASSWORD, STAFF, apply, staff


@pytest.fixture
def regency(cli, make_instance):
    """Banyuwangi with the one-stop office's, the health agency's and the revenue agency's staff."""
    make_instance("banyuwangi")
    accounts(cli, [{"email": email, "name": email.split("@")[0], "role": role, "agency": agency}
                   for email, role, agency in STAFF], PASSWORD)
    return create_app("instance", {"TESTING": True, "EGOVKIT_PUBLIC_URL": "https://layanan.banyuwangikab.example"})


def links(html: str) -> list[str]:
    return sorted({h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"]*)"', html)
                   if not h.startswith(("/static/", "/lang/"))})


def test_every_link_on_the_admin_announcements_and_permits_lists_answers(regency, cli):
    """An administrator walks the lists and everything they link to: nothing answers 404 (notices published
    without a PDF, from the command line or as demo data, offer none; the applications the administrator does
    not handle are not listed)."""
    for n in range(3):
        cli("announcements", "publish", "--title", f"Kerja bakti {n}", "--body", "Minggu pagi.")
    sri = citizen(regency)
    assert apply(sri).status_code == 302
    admin = regency.test_client()
    login(admin)
    made = admin.post("/announcements/new", data={"title": "Jadwal vaksinasi", "body": "Puskesmas buka Sabtu.",
                                                  "agency_code": "", "csrf_token": csrf_token(admin, "/announcements/new")})
    assert made.status_code == 302
    seen, broken = set(), []
    walk = [(start, "", 0) for start in ("/", "/announcements/", "/announcements/drafts", "/izin/", "/admin/payments",
                                        "/admin/workflows", "/inbox")]
    while walk:  # the lists, what they link to, and (for notices and applications) one step further
        href, source, depth = walk.pop(0)
        if href in seen:
            continue
        seen.add(href)
        answer = admin.get(href)
        if answer.status_code != 200:
            broken.append((source, href, answer.status_code))
        elif "text/html" in answer.content_type and (depth == 0 or (depth == 1 and href.startswith(
                ("/announcements/", "/izin/")))):
            walk += [(deeper, href, depth + 1) for deeper in links(answer.get_data(as_text=True))]
    assert {"/announcements/1", "/announcements/3"} <= seen
    assert made.headers["Location"] + "/pdf" in seen  # the one published with its PDF offers it
    assert not broken, broken
    assert not [h for h in seen if re.fullmatch(r"/izin/\d+", h)]  # none listed for the administrator
    assert "Warung Osing Bu Sri" in staff(regency, "fo@dpmptsp.id").get("/izin/").get_data(as_text=True)


def test_a_tampered_copy_is_told_first_in_red_and_no_green_box_stands_above_it(client, app):
    from .test_documents import document, issue, publish, verify

    record = publish(client)
    pdf = issue(client, record)
    code, _ = document(app, record)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    page = verify(client, code, bytes(changed)).split('<main', 1)[1]
    boxes = re.findall(r'<p class="(flash[^"]*)"[^>]*>(.*?)</p>', page, re.S)
    assert boxes[0][0] == "flash error verdict" and "TIDAK asli" in boxes[0][1]
    assert all("error" in kind for kind, _text in boxes)  # nothing green on the page of a forgery
    assert page.index("TIDAK asli") < page.index("<table")  # before the record's facts
    genuine = verify(client, code, pdf).split('<main', 1)[1]
    first = re.search(r'<p class="(flash[^"]*)"[^>]*>(.*?)</p>', genuine, re.S)
    assert first.group(1) == "flash verdict" and "Asli" in first.group(2)


def cards(client) -> dict[str, str]:
    html = client.get("/").get_data(as_text=True)
    return dict((title, href) for href, title in re.findall(
        r'<li class="card">\s*<h3><a href="([^"]+)">([^<]+)</a></h3>', html))


def test_home_shows_a_card_only_for_what_the_viewer_may_open(regency, cli):
    """Per role, every card on the home page leads to a page that opens (no 403, no sign-in wall); a module
    with nothing for the viewer has no card."""
    from .test_workflow import people

    people(cli)
    operator = staff(regency, "op.sarongan@desa.id")
    admin = regency.test_client()
    login(admin)
    viewers = {"anonymous": regency.test_client(), "citizen": citizen(regency), "operator": operator,
               "admin": admin, "front office": staff(regency, "fo@dpmptsp.id")}
    seen = {}
    for role, client in viewers.items():
        seen[role] = cards(client)
        assert seen[role], role
        for title, href in seen[role].items():
            answer = client.get(href, follow_redirects=True)  # an operator's budgets open on their village
            assert answer.status_code == 200 and answer.request.path != "/login", (role, title, href)
    assert "Pajak Daerah" not in seen["anonymous"]  # nothing of it is public
    assert "Pajak Daerah" in seen["admin"]
    assert seen["citizen"]["Keuangan Desa"] == "/apbdes/public"  # the public budgets, not the desk's page
    assert seen["operator"]["Keuangan Desa"] == "/apbdes/"


# ----------------------------------------------------------------- a question before what cannot be undone
ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
# Every POST form of the kit and its modules, by template and action: those that destroy or cannot be undone
# ask once more (macros/confirm.html, or the core's payment form, which uses it)...
CONFIRMED = {
    ("egovkit/web/templates/cases/_panel.html", ""),  # decisions that close a case (the others move it on)
    ("egovkit/web/templates/macros/payment.html", "action"),  # tax bill payments, permit fee payments
    ("modules/etax/templates/etax/object.html", "etax.reverse"),
    ("modules/etax/templates/etax/object.html", "etax.declare"),  # a declared month makes its bill, once
    ("modules/etax/templates/etax/object.html", "etax.assess"),  # an assessment makes its bill, once
    ("modules/permits/templates/permits/permit.html", "permits.revoke"),
    ("modules/village_finance/templates/village_finance/budget.html", "village_finance.change_line"),  # remove
    ("modules/village_finance/templates/village_finance/budget.html", "village_finance.amend"),
    ("modules/village_finance/templates/village_finance/entries.html", "village_finance.reverse"),
    ("modules/village_finance/templates/village_finance/realise.html", ""),  # entries are never erased
    ("egovkit/web/templates/admin/user.html", "admin.user_revoke"),
    ("egovkit/web/templates/admin/user.html", "admin.user_disable"),
    ("egovkit/web/templates/admin/user.html", "admin.user_reset_2fa"),
    ("modules/complaints/templates/complaints/track.html", "complaints.rate"),  # a rating is given once
    ("modules/social_aid/templates/social_aid/proposal.html", "social_aid.pay"),  # money leaves once
    ("modules/sakip/templates/sakip/scorecard.html", "sakip.issue_lkjip"),  # signed; revokes the one before
    ("modules/planning/templates/planning/renja.html", "planning.amend"),  # a new version of a final plan
    ("modules/social_aid/templates/social_aid/death_claim.html", "social_aid.death_pay"),  # money leaves once
    ("modules/social_aid/templates/social_aid/grant.html", "social_aid.grant_pay"),  # money leaves once
    ("modules/social_aid/templates/social_aid/grant.html", "social_aid.agree"),  # a numbered agreement
}
# ... and these do neither (or ask on a page of their own), each with the reason.
NOT_DESTRUCTIVE = {
    ("egovkit/web/templates/login.html", ""): "signing in", ("egovkit/web/templates/login_code.html", ""): "",
    ("egovkit/web/templates/login_enrol.html", ""): "", ("egovkit/web/templates/activate.html", ""): "",
    ("egovkit/web/templates/forgot.html", ""): "", ("egovkit/web/templates/reset.html", ""): "",
    ("egovkit/web/templates/password.html", ""): "", ("egovkit/web/templates/register.html", ""): "",
    ("egovkit/web/templates/macros/menu.html", "auth.logout"): "signing out",
    ("egovkit/web/templates/documents/verify.html", ""): "checks a file, writes nothing",
    ("egovkit/web/templates/admin/events.html", "admin.event_retry"): "delivers what waits, again is harmless",
    ("modules/announcements/templates/announcements/new.html", ""): "a draft, or a notice that can be deleted",
    ("modules/announcements/templates/announcements/delete.html", ""): "this page is the question (GET asks)",
    ("modules/etax/templates/etax/object.html", "etax.reclassify"): "changed back the same way",
    ("modules/etax/templates/etax/object.html", "etax.add_device"): "a device can be retired",
    ("modules/village_finance/templates/village_finance/siskeudes.html", "village_finance.siskeudes_import"):
        "fills a draft only; the draft is edited or imported again",
    ("modules/permits/templates/permits/apply.html", ""): "an application, checked before any decision",
    ("modules/smart_kampung/templates/smart_kampung/import.html", ""): "adds and updates residents, audited",
    ("modules/smart_kampung/templates/smart_kampung/edit.html", ""): "edited again the same way",
    ("modules/smart_kampung/templates/smart_kampung/residents.html", ""): "a search",
    ("modules/smart_kampung/templates/smart_kampung/rtlh_new.html", ""): "a search, and an application",
    ("modules/smart_kampung/templates/smart_kampung/request.html", ""): "a request, checked by the operator",
    ("modules/smart_kampung/templates/smart_kampung/resident.html", "smart_kampung.account_code"):
        "the button itself affirms the KTP was seen; a new code replaces the old",
    ("modules/village_finance/templates/village_finance/plan.html", ""): "a plan activity, edited later",
    ("modules/village_finance/templates/village_finance/year.html", "village_finance.start"): "a draft",
    ("modules/village_finance/templates/village_finance/budget.html", "village_finance.add_line"): "removable",
    ("modules/village_finance/templates/village_finance/budget.html", "village_finance.perdes"): "saved again",
    ("egovkit/web/templates/admin/user.html", "admin.user_grant"): "a role is taken away again on the same page",
    ("egovkit/web/templates/admin/user.html", "admin.user_enable"): "undoes a disabling",
    ("egovkit/web/templates/admin/user_new.html", ""): "a new account, disabled again on its page",
    ("egovkit/web/templates/me/notifications.html", ""): "settings, saved again the same way",
    ("egovkit/web/templates/kiosk/print.html", ""): "prints with a code the citizen holds",
    ("egovkit/web/templates/macros/print_code.html", "documents.print_code"): "a new code replaces the old",
    ("modules/complaints/templates/complaints/new.html", ""): "a complaint, checked by the verifier",
    ("modules/complaints/templates/complaints/show.html", "complaints.verify"):
        "moves it on; the unit in charge can send it back (Bukan wewenang)",
    ("modules/complaints/templates/complaints/show.html", "complaints.lapor_number"): "a number, corrected again",
    ("modules/smart_kampung/templates/smart_kampung/move.html", ""):
        "asks on the form itself: a required box says the person no longer lives here",
    ("modules/smart_kampung/templates/smart_kampung/arrival.html", ""): "an arrival joins the register, corrected later",
    ("modules/smart_kampung/templates/smart_kampung/books.html", ""): "makes a book for download, writes nothing",
    ("modules/smart_kampung/templates/smart_kampung/family_form.html", ""): "a family card, corrected again",
    ("modules/smart_kampung/templates/smart_kampung/resident_form.html", ""): "a resident, corrected again",
    ("modules/social_aid/templates/social_aid/propose.html", ""): "a proposal, checked by rule and by the agency",
    ("modules/social_aid/templates/social_aid/deciles.html", ""): "upserts by KK/NIK with its data date, audited",
    ("modules/social_aid/templates/social_aid/death.html", ""): "a claim, checked by rule and verified by the agency",
    ("modules/social_aid/templates/social_aid/statement_new.html", ""): "checked by decile; valid for a period",
    ("modules/social_aid/templates/social_aid/spm_verify.html", "social_aid.acknowledge"):
        "the hospital's own record of an admission it made, once",
    ("modules/social_aid/templates/social_aid/grant_new.html", ""): "a proposal, evaluated by the OPD",
    ("modules/social_aid/templates/social_aid/grant.html", "social_aid.lpj"): "receives a report, audited",
    ("modules/complaints/templates/complaints/exchange.html", "complaints.import_csv"):
        "one transaction, audited; importing the same file again changes nothing",
    ("modules/tourism/templates/tourism/event_form.html", ""): "an event, edited again the same way",
    ("modules/tourism/templates/tourism/destination_new.html", ""): "a destination, its visits entered later",
    ("modules/tourism/templates/tourism/visits.html", ""): "a month's count, entered again to correct it",
    ("modules/news/templates/news/new.html", ""): "a draft, or an article the administrator publishes at once",
    ("egovkit/web/templates/admin/portal.html", ""): "the home's settings, saved again the same way",
    ("modules/sakip/templates/sakip/index.html", "sakip.new_plan"): "an empty plan, filled in on its page",
    ("modules/sakip/templates/sakip/plan.html", "sakip.add_goal"): "a goal, renamed by the plan's file",
    ("modules/sakip/templates/sakip/plan.html", "sakip.add_indicator"): "an indicator, changed on its page",
    ("modules/sakip/templates/sakip/goal.html", "sakip.add_cascade"): "a programme or activity, nothing decided",
    ("modules/sakip/templates/sakip/import.html", ""): "all rows or none, upserted by code: sent again, unchanged",
    ("modules/sakip/templates/sakip/indicator.html", "sakip.edit_indicator"): "changed again the same way",
    ("modules/sakip/templates/sakip/indicator.html", "sakip.realise"): "a figure the evaluator verifies or returns",
    ("modules/sakip/templates/sakip/realisation.html", "sakip.correct"): "a correction the evaluator verifies",
    ("modules/monitoring/templates/monitoring/new.html", ""): "a project, its details corrected on its page",
    ("modules/monitoring/templates/monitoring/project.html", "monitoring.report"):
        "a progress report; the next report supersedes it (reports are kept as a history)",
    ("modules/monitoring/templates/monitoring/project.html", "monitoring.details"): "saved again the same way",
    ("modules/planning/templates/planning/new.html", ""): "a proposal, decided at the kecamatan and Bappeda",
    ("modules/planning/templates/planning/proposal.html", "planning.forward"): "moves it on to Bappeda, who decides",
    ("modules/planning/templates/planning/proposal.html", "planning.assign"): "an assignment, corrected until accepted",
    ("modules/planning/templates/planning/renja_index.html", "planning.renja_new"): "opens a draft, once per year",
    ("modules/planning/templates/planning/renja_index.html", "planning.set_ceiling"): "a ceiling, set again at will",
    ("modules/planning/templates/planning/renja.html", "planning.renja_line"): "a line of a draft, reviewed by TAPD",
    ("modules/planning/templates/planning/renja.html", "planning.import_dpa"):
        "all rows or none; importing the same file again changes nothing",
    ("modules/spbe/templates/spbe/index.html", "spbe.start"): "an empty assessment of a year, filled in later",
    ("modules/spbe/templates/spbe/indicator.html", ""): "an indicator's level, saved again the same way (audited)",
}


def post_forms():
    """(template, action endpoint or '' for the page itself) -> the forms' source, for every POST form."""
    found = {}
    for path in sorted([*(ROOT / "egovkit").rglob("*.html"), *(ROOT / "modules").rglob("*.html")]):
        text = path.read_text()
        for match in re.finditer(r'<form\b[^>]*method="post"[^>]*>(.*?)</form>', text, re.S | re.I):
            action = re.search(r'action="\{\{\s*(?:url_for\(\'([^\']+)\'|(action))', match.group(0))
            key = (str(path.relative_to(ROOT)), (action.group(1) or action.group(2)) if action else "")
            found.setdefault(key, []).append(match.group(1))
    return found


def test_every_destructive_or_irreversible_form_asks_once_more():
    forms = post_forms()
    unknown = set(forms) - CONFIRMED - set(NOT_DESTRUCTIVE)
    assert not unknown, f"new POST forms: add each to CONFIRMED (and use macros/confirm.html) or say why not: {unknown}"
    assert not (CONFIRMED | set(NOT_DESTRUCTIVE)) - set(forms), "listed forms that are gone"
    for key in CONFIRMED:
        for body in forms[key]:
            if key[1] == "village_finance.change_line" and "confirm(" not in body:
                continue  # the same endpoint's amount form beside it: a new amount is saved again
            assert "confirm(" in body or "payment_form(" in body, key
    for key in NOT_DESTRUCTIVE:
        assert not any("confirm(" in body for body in forms[key]), f"{key} asks: move it to CONFIRMED"


def test_the_tax_payment_and_revocation_pages_ask_before_they_act(regency):
    """Rendered, the question is there: a first tap opens it (details), the second sends."""
    from .test_payments import billed_permit, today

    front = staff(regency, "fo@dpmptsp.id")
    _sri, url = billed_permit(regency)
    page = front.get(url).get_data(as_text=True)
    form = page[page.index(f'action="{url.removeprefix("http://localhost")}/payment"'):]
    form = form[:form.index("</form>")]
    assert '<details class="confirm">' in form and "Ya: Catat pembayaran dan terbitkan izin" in form
    assert re.search(r'<summary class="button primary">Catat pembayaran dan terbitkan izin</summary>', form)
    assert front.post(f"{url}/payment", data={"csrf_token": csrf_token(front, url), "reference": "BJ-C-1",
                                              "paid_on": today().isoformat(), "amount": "250.000"}).status_code == 302
    head = staff(regency, "kepala@dpmptsp.id")
    issued = head.get(url).get_data(as_text=True)
    revoke = issued[issued.index("/revoke"):]
    assert '<details class="confirm">' in revoke[:revoke.index("</form>")] and "Cabut izin ini?" in revoke


# ----------------------------------------------------------------- the import page
def documented_columns() -> list[str]:
    """The columns of docs/residents-csv.md's table, in its order (`rt`, `rw` share a row)."""
    text = (ROOT / "docs" / "residents-csv.md").read_text()
    cells = re.findall(r"^\| ((?:`[a-z_]+`(?:, )?)+) \|", text, re.M)
    return [name for cell in cells for name in re.findall(r"`([a-z_]+)`", cell)]


def test_the_import_page_states_the_limit_offers_a_template_and_explains_a_too_large_file(cli, make_instance):
    import io

    from egovkit.app import create_app as make_app

    from .test_smart_kampung import upload
    from .test_workflow import PASSWORD as OPERATOR_PASSWORD
    from .test_workflow import people

    make_instance("banyuwangi")
    people(cli)
    app = make_app("instance", {"TESTING": True})
    operator = app.test_client()
    login(operator, "op.sarongan@desa.id", OPERATOR_PASSWORD)
    page = operator.get("/kampung/import").get_data(as_text=True)
    assert "Paling besar 16 MB" in page and 'href="/kampung/import/template.csv"' in page

    template = operator.get("/kampung/import/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    lines = template.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and lines[0].split(",") == documented_columns()
    # the example row, uploaded as it is, imports cleanly into the operator's own village
    import csv as csvlib

    row = next(csvlib.DictReader(lines))
    assert row["kode_desa"] == "35.10.01.2001"
    _job, done = upload(operator, [row], columns=lines[0].split(","))
    result = operator.get(done.headers["Location"]).get_data(as_text=True)
    assert "1 baris: 1 disimpan" in result and "0 ditolak" in result

    big = io.BytesIO(b"nik,nama\n" + b"x" * (16 * 1024 * 1024 + 10))
    refused = operator.post("/kampung/import", data={"csrf_token": csrf_token(operator, "/kampung/import"),
                                                     "file": (big, "warga.csv")}, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 413
    assert "lebih besar dari 16 MB dan tidak diimpor" in text and 'name="file"' in text  # the form, again


# ----------------------------------------------------------------- the village plan and the APBDes year
def test_the_year_page_counts_the_plan_activities_the_plan_page_shows_waiting(cli, make_instance):
    """"N kegiatan menunggu" on a year without a budget counts the plan's activities no budget line took up,
    those carried over from earlier years included; the RKPDes page of that year lists the same ones."""
    from egovkit.app import create_app as make_app

    from .test_village_finance import YEAR, add, as_user, start
    from .test_workflow import SARONGAN, people

    make_instance("banyuwangi")
    people(cli)
    app = make_app("instance", {"TESTING": True})
    operator = as_user(app, "op.sarongan@desa.id")
    earlier = f"/apbdes/{SARONGAN}/{YEAR - 1}/plan"
    made = operator.post(earlier, data={"csrf_token": csrf_token(operator, earlier), "kegiatan": "2.2.02",
                                        "name": "Rabat beton gang Melati", "location": "RT 1", "estimate": "Rp 40.000.000"})
    assert made.status_code == 302
    year_page = operator.get(f"/apbdes/{SARONGAN}/{YEAR}").get_data(as_text=True)
    assert "Rencana kerja desa (RKPDes): 1 kegiatan menunggu" in year_page
    plan = operator.get(f"/apbdes/{SARONGAN}/{YEAR}/plan").get_data(as_text=True)
    assert "Rabat beton gang Melati" in plan and "menunggu baris anggaran" in plan
    assert "1 kegiatan menunggu baris anggaran" in plan

    budget = start(operator, SARONGAN, YEAR)  # the budget takes it up as a line: nothing waits any more
    activity = re.search(r'<option value="(\d+)">2\.2\.02 Rabat beton', operator.get(budget).get_data(as_text=True))
    assert add(operator, budget, "5.3.1.01", "DD", 40_000_000, "2.2.02", activity=activity.group(1)).status_code in (302, 303)
    plan = operator.get(f"/apbdes/{SARONGAN}/{YEAR}/plan").get_data(as_text=True)
    assert "0 kegiatan menunggu" in plan and "Rabat beton gang Melati" in plan and "dalam anggaran" in plan


# ----------------------------------------------------------------- Indonesian messages, all of them
ENGLISH = re.compile(r"Field must|Field cannot|This field is required|Not a valid|Invalid (?:input|email|Choice)|"
                     r"Number must|File does not|must be equal|A \.csv file|at least \d+ characters|"
                     r"characters long|Passwords? must")


def test_bad_input_in_the_main_forms_is_refused_in_indonesian(cli, make_instance):
    """Too long, too short, empty, not a number, not a CSV: every refusal is in Bahasa Indonesia, never
    WTForms' English (its length messages are looked up by their singular: they need plural entries)."""
    import io

    from egovkit.app import create_app as make_app

    from .test_auth import register
    from .test_smart_kampung import GOOD, write
    from .test_workflow import PASSWORD as STAFF_PASSWORD
    from .test_workflow import people

    make_instance("banyuwangi")
    people(cli)
    write("warga.csv", [GOOD])
    cli("residents", "import", "warga.csv")
    app = make_app("instance", {"TESTING": True})
    seen = []

    def refused(response, *expected):
        text = response.get_data(as_text=True)
        assert response.status_code in (400, 409), (response.status_code, text[-500:])
        main = text.split("<main", 1)[1]
        for words in expected:
            assert words in main, (words, main[-1500:])
        english = ENGLISH.findall(main)
        assert not english, (english, response.request.path)
        seen.append(response.request.path)

    visitor = app.test_client()
    refused(register(visitor, name="S", email="bukan-surel", password="pendek", confirm="lain"),
            "Isian harus antara 2 dan 120 karakter", "Kata sandi")
    refused(register(visitor, nik="123", phone="0" * 25), "tepat 16 angka", "Isian tidak boleh lebih dari 20 karakter")
    refused(visitor.post("/login", data={"login": "", "password": "x" * 201,
                                         "csrf_token": csrf_token(visitor, "/login")}), "Kolom ini wajib diisi")

    operator = app.test_client()
    login(operator, "op.sarongan@desa.id", STAFF_PASSWORD)
    refused(operator.post("/announcements/new", data={"title": "x" * 201, "body": "", "action": "draft",
                                                      "csrf_token": csrf_token(operator, "/announcements/new")}),
            "Isian tidak boleh lebih dari 200 karakter", "Kolom ini wajib diisi")
    edit = operator.get("/kampung/residents/1/edit")
    assert edit.status_code == 200
    refused(operator.post("/kampung/residents/1/edit", data={
        "csrf_token": csrf_token(operator, "/kampung/residents/1/edit"), "name": "", "address": "a" * 201,
        "rt": "1234", "rw": "1", "occupation": "Petani", "education": "SLTA", "marital_status": "KAWIN"}),
        "Kolom ini wajib diisi")
    refused(operator.post("/kampung/import", data={"csrf_token": csrf_token(operator, "/kampung/import"),
                                                   "file": (io.BytesIO(b"nik\n"), "warga.xlsx")},
                          content_type="multipart/form-data"), "Pilih berkas .csv")
    refused(operator.post("/account/password", data={"old": "", "password": "12345678901", "confirm": "lain",
                                                      "csrf_token": csrf_token(operator, "/account/password")}))
    assert len(seen) == 7


# ----------------------------------------------------------------- chosen files survive a refused form
def held_tokens(page: str, field: str) -> list[str]:
    return re.findall(rf'name="held-{field}" value="([^"]+)"', page)


def test_a_refused_permit_application_keeps_the_files_already_chosen(regency, monkeypatch):
    """The application is refused for its address: the two documents chosen are kept (a signed token each in
    the page, not asked again); sent again without choosing them, the application has exactly those files.
    A token is of its person and expires."""
    import io

    from egovkit.services import uploads

    from .test_permits import PDF, PNG

    sri = citizen(regency)
    refused = apply(sri, address="")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Kolom ini wajib diisi" in page
    assert "Disimpan: uji.pdf" in page and "Disimpan: dapur.png" in page
    tokens = {field: held_tokens(page, field) for field in ("lab_test", "photo")}
    assert all(len(t) == 1 for t in tokens.values()), tokens

    url = "/izin/apply?type=restoran"
    base = {"type": "restoran", "business": "Warung Osing Bu Sri", "address": "Jl. Raya Jember 12, Banyuwangi",
            "seats": "40", "business_address": "Jl. Raya Jember 12"}
    # another person cannot use them
    other = citizen(regency, nik="3510015708900009", phone="081298765432")
    stolen = other.post(url, data={**base, "csrf_token": csrf_token(other, url),
                                   **{f"held-{k}": v[0] for k, v in tokens.items()}})
    assert stolen.status_code == 400 and "Disimpan:" not in stolen.get_data(as_text=True)
    # nor an expired token (its file stays until `egovkit files expire`)
    with monkeypatch.context() as patch:
        patch.setattr(uploads, "HELD_MAX_AGE", -1)
        late = sri.post(url, data={**base, "csrf_token": csrf_token(sri, url),
                                   **{f"held-{k}": v[0] for k, v in tokens.items()}})
        assert late.status_code == 400
    sent = sri.post(url, data={**base, "csrf_token": csrf_token(sri, url),
                               **{f"held-{k}": v[0] for k, v in tokens.items()}}, content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    permit = sent.headers["Location"]
    front = staff(regency, "fo@dpmptsp.id")
    assert front.get(f"{permit}/files/photo").data == PNG and front.get(f"{permit}/files/lab_test").data == PDF
    with regency.app_context():
        assert not list(uploads.scratch(uploads.HELD).iterdir())  # the kept copies went with the application
    # a file of the wrong kind is said at once, under its field, and not kept
    wrong = apply(sri, address="", photo=(io.BytesIO(b"not a picture"), "dapur.png")).get_data(as_text=True)
    assert "Disimpan: uji.pdf" in wrong and "Disimpan: dapur.png" not in wrong and "bukan berkas" in wrong


def test_a_refused_rtlh_proposal_keeps_its_photos(cli, make_instance):
    import io

    from .test_rtlh import PNG, WORST, setup
    from .test_smart_kampung import GOOD
    from .test_workflow import PASSWORD as STAFF_PASSWORD

    app = setup(cli, make_instance)
    operator = app.test_client()
    login(operator, "op.sarongan@desa.id", STAFF_PASSWORD)
    found = operator.post("/kampung/rtlh/new", data={"action": "find", "nik": GOOD["nik"],
                                                      "csrf_token": csrf_token(operator, "/kampung/rtlh/new")})
    url = found.headers["Location"]
    photos = [(io.BytesIO(PNG + b"depan"), "depan.png"), (io.BytesIO(PNG + b"dapur"), "dapur.png")]
    refused = operator.post(url, data={"csrf_token": csrf_token(operator, url), **dict(WORST, roof=""),
                                       "photos": photos}, content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Disimpan: depan.png, dapur.png" in page
    sent = operator.post(url, data={"csrf_token": csrf_token(operator, url), **WORST,
                                    "held-photos": held_tokens(page, "photos")})
    assert sent.status_code == 302
    detail = operator.get(sent.headers["Location"]).get_data(as_text=True)
    shown = re.findall(r'src="(/kampung/rtlh/\d+/photos/[^"]+)"', detail)
    assert sorted(operator.get(src).data for src in shown) == sorted([PNG + b"dapur", PNG + b"depan"])


# ----------------------------------------------------------------- last session's fixes, held by tests
def test_the_case_panel_offers_the_way_forward_first_and_asks_for_a_reason_in_indonesian(regency):
    from .test_letters import decide

    sri = citizen(regency)
    url = apply(sri).headers["Location"]
    front = staff(regency, "fo@dpmptsp.id")
    panel = front.get(url).get_data(as_text=True)
    panel = panel[panel.index('class="form decide"'):]
    accept, send_back = panel.index("/accept"), panel.index("/return")
    assert accept < send_back  # the way forward before the refusal
    refused = decide(front, url, "return")  # no note
    assert refused.status_code == 302
    page = front.get(url).get_data(as_text=True)
    assert "Tulis catatan: keputusan ini memerlukan alasan." in page and "Write a note" not in page


def test_a_budget_line_takes_the_amount_however_it_is_typed(cli, make_instance):
    from egovkit.app import create_app as make_app

    from .test_village_finance import YEAR, add, as_user, lines, start
    from .test_workflow import SARONGAN, people

    make_instance("banyuwangi")
    people(cli)
    app = make_app("instance", {"TESTING": True})
    operator = as_user(app, "op.sarongan@desa.id")
    budget = start(operator, SARONGAN, YEAR)
    assert add(operator, budget, "4.2.1.01", "DD", "Rp 1.000.000.000").status_code in (302, 303)
    assert add(operator, budget, "5.1.2.01", "ADD", "200.000.000", "1.1.02").status_code in (302, 303)
    add(operator, budget, "5.2.7.02", "DD", "2,5 juta", "4.2.01")
    assert "Bilangan bulat Rupiah di atas nol" in operator.get(budget).get_data(as_text=True)  # said, not saved
    found = lines(app, budget)
    assert found["4.2.1.01"][0] == 1_000_000_000 and found["1.1.02"][0] == 200_000_000 and "4.2.01" not in found

"""Personal data (UU 27/2022 PDP): people are shown by position and name, never by sign-in email or NIK;
NIKs stay out of URLs; private files are never cached; imports tell the truth and clean up; the audit
trail forgets personal values after its retention; a citizen downloads what the kit holds about them."""
import io
import re

import pytest

from egovkit.app import create_app

from .test_auth import WOMAN
from .test_letters import CITIZEN, ask, citizen, decide, signed_in
from .test_smart_kampung import GOOD, write
from .test_workflow import people

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def village(cli):
    cli("init", "--profile", "banyuwangi")
    people(cli)
    write("warga.csv", [GOOD, CITIZEN])
    cli("residents", "import", "warga.csv")
    return create_app("instance", {"TESTING": True})


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def issued_letter(app):
    """A citizen's domisili letter, verified by the operator and signed by the kepala desa."""
    sri = citizen(app)
    url = ask(sri, "domisili", since="2015-01-01", purpose="Melamar pekerjaan").headers["Location"]
    assert decide(signed_in(app, "op.sarongan@desa.id"), url, "verify").status_code == 302
    assert decide(signed_in(app, "kades.sarongan@desa.id"), url, "sign").status_code == 302
    return sri, url


def test_signers_are_shown_by_position_and_name_on_the_verify_page_pdf_and_timeline(village):
    sri, url = issued_letter(village)
    with village.app_context():
        from egovkit.db import db
        from egovkit.services.documents import Document

        doc = db.session.query(Document).filter_by(doc_type="smart_kampung.letter").one()
        code, issued_by = doc.code, doc.issued_by
    assert issued_by == "Kepala Desa Sarongan, kades.sarongan"

    public = village.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "Kepala Desa Sarongan, kades.sarongan" in public
    assert not EMAIL.search(public) and WOMAN not in public

    text = pdf_text(sri.get(url + "/pdf").data)
    assert "Ditandatangani oleh" in text and "Kepala Desa Sarongan, kades.sarongan" in text
    assert not EMAIL.search(text)
    # the letter's subject is identified by NIK in the letter's own body (that is what it certifies),
    # never as the label of anyone acting: only the paragraph "NIK: ..." and the masked fact carry it
    assert text.count(WOMAN) == 1 and "NIK: " + WOMAN in text

    timeline = sri.get(url).get_data(as_text=True)
    history = timeline[timeline.index('class="timeline"'):]
    assert "Warga, Sri Wahyuni" in history and "Operator Desa Sarongan, op.sarongan" in history
    assert "Kepala Desa Sarongan, kades.sarongan" in history
    assert not EMAIL.search(history) and WOMAN not in history


def test_a_label_stored_before_the_rule_is_shown_as_the_person(village):
    sri, url = issued_letter(village)
    with village.app_context():
        from egovkit.db import db
        from egovkit.services import workflow

        step = db.session.query(workflow.Step).filter_by(transition="sign").one()
        step.actor = "kades.sarongan@desa.id"  # what earlier versions stored
        start = db.session.query(workflow.Step).filter_by(transition="start").one()
        start.actor, start.actor_id = WOMAN, None  # and a NIK whose account is gone
        db.session.commit()
    page = sri.get(url).get_data(as_text=True)
    history = page[page.index('class="timeline"'):]
    assert "Kepala Desa Sarongan, kades.sarongan" in history
    assert "kades.sarongan@desa.id" not in history and WOMAN not in history


def test_position_titles_follow_the_region_kind(village):
    from egovkit.services import people

    with village.app_context():
        from egovkit.db import db
        from egovkit.models import Region, RoleAssignment, User

        lurah = User(email="lurah@kel.id", name="Ani", password_hash="x")
        kelurahan = db.session.query(Region).filter_by(kind="kelurahan").first()
        lurah.roles.append(RoleAssignment(role="kepala_desa", region_code=kelurahan.code))
        camat = User(email="c@kec.id", name="Joko", password_hash="x")
        camat.roles.append(RoleAssignment(role="camat", region_code="35.10.01"))
        bupati = User(email="b@kab.id", name="Ipuk", password_hash="x")
        bupati.roles.append(RoleAssignment(role="bupati"))
        db.session.add_all([lurah, camat, bupati])
        db.session.flush()
        assert people.display(lurah) == f"Lurah {kelurahan.name}, Ani"
        assert people.display(camat) == "Camat Pesanggaran, Joko"
        assert people.display(bupati) == "Bupati, Ipuk"
        assert people.display(camat, "en") == "District head Pesanggaran, Joko"
        db.session.rollback()


# ----------------------------------------------------------------- NIKs stay out of URLs
SIXTEEN = re.compile(r"(?<!\d)\d{16}(?!\d)")
LINK = re.compile(r'(?:href|src|action|formaction)="([^"]+)"')


def crawl(client, start=("/",), limit=250):
    """Every same-site address reachable from ``start`` by links and redirects: (address, where found)."""
    from urllib.parse import urljoin, urlsplit

    seen, queue, found = set(), list(start), []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        targets = []
        if response.headers.get("Location"):
            targets.append(response.headers["Location"])
        if response.mimetype == "text/html":
            targets += LINK.findall(response.get_data(as_text=True))
        for target in targets:
            target = target.replace("&amp;", "&")
            found.append((target, url))
            parts = urlsplit(urljoin("http://localhost" + url, target))
            if parts.netloc == "localhost" and not parts.path.startswith(("/static", "/logout", "/cases/")):
                queue.append(parts.path + ("?" + parts.query if parts.query else ""))
    return found


def test_no_link_or_redirect_carries_a_nik(village):
    sri, letter = issued_letter(village)
    operator = signed_in(village, "op.sarongan@desa.id")
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"',
                      operator.get("/kampung/residents").get_data(as_text=True)).group(1)
    by_nik = operator.post("/kampung/residents", data={"q": GOOD["nik"], "csrf_token": token})
    assert by_nik.status_code == 303 and not SIXTEEN.search(by_nik.headers["Location"])
    by_name = operator.post("/kampung/residents", data={"q": "budi", "csrf_token": token})
    assert by_name.headers["Location"].endswith("/kampung/residents")
    assert "Budi Santoso" in operator.get("/kampung/residents").get_data(as_text=True)  # the results, by GET
    found = operator.post("/kampung/rtlh/new", data={"action": "find", "nik": GOOD["nik"], "csrf_token": token})
    assert found.status_code == 303 and not SIXTEEN.search(found.headers["Location"])

    addresses = []
    for client in (operator, sri, signed_in(village, "kades.sarongan@desa.id"), village.test_client()):
        addresses += crawl(client, ("/", "/kampung/residents", letter, "/kampung/letters", "/kampung/rtlh"))
    assert len({a for a, _ in addresses}) > 40  # the crawl reached the register, residents and family cards
    assert any("/kampung/families/" in a for a, _ in addresses)
    leaks = [(a, where) for a, where in addresses if SIXTEEN.search(a)]
    assert leaks == []


def test_a_failed_statement_does_not_print_its_values(village):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with village.app_context():
        from egovkit.db import db

        with pytest.raises(DBAPIError) as failed:
            db.session.execute(text("SELECT nik FROM no_such_table WHERE nik = :nik"), {"nik": WOMAN})
        db.session.rollback()
    assert WOMAN not in str(failed.value) and "hidden" in str(failed.value)


# ----------------------------------------------------------------- private files are never cached
def test_a_letter_pdf_is_never_cached_and_modules_serve_private_files_one_way(village):
    from pathlib import Path

    sri, url = issued_letter(village)
    pdf = sri.get(url + "/pdf")
    assert pdf.status_code == 200 and pdf.headers["Cache-Control"] == "no-store, private"
    assert "ETag" not in pdf.headers
    # every module serves access-controlled files through egovkit.services.uploads.send_private; the one
    # direct send_file left is the published announcement's PDF, which is public
    import egovkit_modules

    direct = sorted(str(p.relative_to(Path(egovkit_modules.__file__).parent))
                    for p in Path(egovkit_modules.__file__).parent.rglob("*.py") if "send_file(" in p.read_text())
    assert direct == ["announcements/views.py"]

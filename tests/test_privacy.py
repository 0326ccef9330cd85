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

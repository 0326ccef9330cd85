"""The SPBE self-assessment through HTTP: a year's 47 levels give the index and predicate a hand computation
from the decree's weights gives; an override of the kit's suggestion needs a reason and is audited; evidence
files travel in the evaluators' pack; the pre-filled indicators follow the modules switched on or off."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
import yaml
from sqlalchemy import select

from egovkit.app import create_app

from .conftest import csrf_token, login

PASSWORD = "sandi-kuat-sekali"
YEAR = 2026
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def people(cli):
    for email, role, flag, where in (("kominfo@banyuwangikab.id", "opd_staff", "--agency", "diskominfo"),
                                     ("dinkes@banyuwangikab.id", "opd_staff", "--agency", "dinkes")):
        cli("users", "create", "--email", email, "--name", email.split("@")[0].title(), "--role", role, flag, where,
            "--password-stdin", input=PASSWORD + "\n")


def as_user(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    return create_app("instance", {"TESTING": True})


def start(client, year=YEAR):
    page = client.get("/spbe/").get_data(as_text=True)
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    return client.post("/spbe/new", data={"year": year, "once": once, "csrf_token": csrf_token(client, "/spbe/")})


def answer(client, number, level, reason="", files=(), year=YEAR):
    url = f"/spbe/{year}/{number}"
    data = {"level": str(level), "narrative": f"Narasi indikator {number}", "reason": reason,
            "csrf_token": csrf_token(client, url)}
    if files:
        data["files"] = [(io.BytesIO(body), name) for name, body in files]
    return client.post(url, data=data, content_type="multipart/form-data")


def suggested(page: str, number: int) -> int | None:
    row = re.search(rf'id="indicator-{number}">(.*?)</tr>', page, re.S).group(1)
    found = re.search(r'class="suggested">(\d)<', row)
    return int(found.group(1)) if found else None


def test_index_is_the_hand_computation_from_the_weights_and_overrides_are_audited(regency):
    staff = as_user(regency, "kominfo@banyuwangikab.id")
    assert start(staff).status_code == 303
    # 47 levels: 3 everywhere, but 5 for the 10 internal-policy indicators (1.30 each) and the 6 public
    # services (3.00 each). By hand: (100 x 3 + 10 x 1.30 x 2 + 6 x 3.00 x 2) / 100 = (300 + 26 + 36) / 100.
    levels = {n: 3 for n in range(1, 48)} | {n: 5 for n in range(1, 11)} | {n: 5 for n in range(42, 48)}
    overview = staff.get(f"/spbe/{YEAR}").get_data(as_text=True)
    hints = {n: suggested(overview, n) for n in levels}
    assert hints[22] is not None  # security settings are always evidenced
    for number, level in levels.items():
        reason = "Bukti dukung dinilai ulang oleh tim" if hints[number] not in (None, level) else ""
        assert answer(staff, number, level, reason).status_code == 303, number
    page = staff.get(f"/spbe/{YEAR}").get_data(as_text=True)
    assert "<strong>3.62</strong>" in page and "Sangat Baik" in page and "47 / 47" in page
    # domain indices: policy all 5; services (27.50 x 3 + 18.00 x 5) / 45.50 = 3.79
    assert "indeks 5.00" in page and "indeks 3.79" in page and "indeks 3.00" in page

    # another level than the kit's suggestion: refused without a reason, audited with it
    other = 5 if hints[22] != 5 else 4
    refused = answer(staff, 22, other)
    assert refused.status_code == 422 and "Jelaskan" in refused.get_data(as_text=True)
    assert answer(staff, 22, other, "Audit keamanan pihak ketiga 2026").status_code == 303
    with regency.app_context():
        from egovkit.db import db
        from egovkit.services.audit import AuditEntry

        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.module == "spbe",
                                                              AuditEntry.action == "override")).all()
        data = [json.loads(e.data) for e in entries]
    last = [d for d in data if d.get("indicator") == 22][-1]
    assert last["level"] == other and last["suggested"] == hints[22] and "pihak ketiga" in last["reason"]
    assert last["before"] == 3
    # 22 weighs 1.50: the index moves by 1.50 x (other - 3) / 100
    expected = f"{(362 + 1.5 * (other - 3)) / 100:.2f}"
    assert f"<strong>{expected}</strong>" in staff.get(f"/spbe/{YEAR}").get_data(as_text=True)


def test_evidence_files_travel_in_the_pack_and_only_the_coordinator_assesses(regency):
    staff = as_user(regency, "kominfo@banyuwangikab.id")
    start(staff)
    assert answer(staff, 1, 3, files=[("Perbup 12 2025 Arsitektur SPBE.pdf", PDF)]).status_code == 303
    bad = answer(staff, 2, 3, files=[("foto.gif", b"GIF89a....")])
    assert bad.status_code == 422 and "PDF / JPG / PNG" in bad.get_data(as_text=True)
    page = staff.get(f"/spbe/{YEAR}/1").get_data(as_text=True)
    href = re.search(r'href="(/spbe/2026/evidence/\d+)"', page).group(1)
    file = staff.get(href)
    assert file.data == PDF and "no-store" in file.headers["Cache-Control"]

    pack = staff.get(f"/spbe/{YEAR}/pack.zip")
    assert pack.status_code == 200 and "no-store" in pack.headers["Cache-Control"]
    names = zipfile.ZipFile(io.BytesIO(pack.data)).namelist()
    assert f"spbe-{YEAR}.pdf" in names
    assert [n for n in names if n.startswith("indikator-01/") and n.endswith("Arsitektur_SPBE.pdf")]
    pdf = staff.get(f"/spbe/{YEAR}/pack.pdf")
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "0.04" in text and "Kurang" in text and "Arsitektur SPBE.pdf" in text  # 1.30 x 3 / 100

    other = as_user(regency, "dinkes@banyuwangikab.id")  # staff of another agency: not the coordinator's
    assert other.get("/spbe/").status_code == 403
    assert other.get(f"/spbe/{YEAR}/pack.zip").status_code == 403
    assert "/spbe/" not in other.get("/").get_data(as_text=True)
    refused = other.post("/spbe/new", data={"year": YEAR, "csrf_token": csrf_token(other, "/")})
    assert refused.status_code == 403


def prefilled(page: str) -> set[int]:
    return {n for n in range(1, 48) if suggested(page, n) is not None}


def every_page_says_why(client, shown: set[int]) -> dict[int, str]:
    """Each of the 47 indicator pages: a suggestion with a link to its proof, or why the kit has none (the
    assessor's); the reasons by indicator."""
    reasons = {}
    for n in range(1, 48):
        page = client.get(f"/spbe/{YEAR}/{n}").get_data(as_text=True)
        assert ('id="suggestion"' in page) == (n in shown), n
        if n in shown:
            assert re.search(r'href="/spbe/proof#[a-z]+"', page), n
        else:
            reasons[n] = re.search(r'id="assessor">.*?<p>(.+?)</p>', page, re.S).group(1)
            assert "penilai" in page and len(reasons[n]) > 40, n
    return reasons


def set_module(path, name, enabled):
    profile = yaml.safe_load((path / "profile.yaml").read_text())
    profile.setdefault("modules", {})[name] = {} if enabled else False
    (path / "profile.yaml").write_text(yaml.safe_dump(profile))


def test_prefilled_indicators_follow_the_modules_switched_on_or_off(regency, cli):
    from pathlib import Path

    staff = as_user(regency, "kominfo@banyuwangikab.id")
    start(staff)
    page = staff.get(f"/spbe/{YEAR}").get_data(as_text=True)
    # security settings, planning (32) and e-SAKIP (40) on, complaints on, open data: nothing used yet
    assert prefilled(page) == {22, 32, 40, 42, 43}
    assert suggested(page, 32) == 2 and suggested(page, 40) == 2  # online, no request processed yet
    assert suggested(page, 42) == 2  # the complaints service is on, nothing filed yet
    assert suggested(page, 43) == 4  # open data published
    every_page_says_why(staff, prefilled(page))
    # a complaint filed online, anonymously: the service is used, the suggestion rises to a transaction service
    from .test_complaints import file

    public = regency.test_client()
    assert file(public, mode="anonymous").status_code == 302
    with regency.app_context():
        from egovkit.web.cache import forget_aggregates

        forget_aggregates(regency)  # the evidence is kept five minutes
    assert suggested(staff.get(f"/spbe/{YEAR}").get_data(as_text=True), 42) == 3
    proof = staff.get("/spbe/proof").get_data(as_text=True)
    assert "Pengaduan" in proof and "1 diajukan" in proof

    path = Path("instance").absolute()
    for name in ("complaints", "planning", "monitoring", "sakip"):
        set_module(path, name, False)
    cli("upgrade")
    app = create_app(path, {"TESTING": True})
    staff = as_user(app, "kominfo@banyuwangikab.id")
    page = staff.get(f"/spbe/{YEAR}").get_data(as_text=True)
    assert prefilled(page) == {22, 43} and suggested(page, 43) == 4
    assert "Layanan pengaduan tidak diaktifkan" in staff.get("/spbe/proof").get_data(as_text=True)
    reasons = every_page_says_why(staff, {22, 43})
    assert "Pembangunan, Perencanaan" in reasons[32] and "tidak diaktifkan" in reasons[32]  # offered, off
    assert "e-SAKIP" in reasons[40] and "Pengaduan" in reasons[42] and "SP4N-LAPOR!" in reasons[42]
    assert "SIPD" in reasons[33] and "JDIH" in reasons[44] and "Perbup" in reasons[1]
    with app.app_context():
        from egovkit.db import db

        db.engine.dispose()

    set_module(path, "sakip", True)  # on again: 40 is pre-filled again
    cli("upgrade")
    app = create_app(path, {"TESTING": True})
    page = as_user(app, "kominfo@banyuwangikab.id").get(f"/spbe/{YEAR}").get_data(as_text=True)
    assert prefilled(page) == {22, 40, 43}
    with app.app_context():
        from egovkit.db import db

        db.engine.dispose()


def test_a_module_of_a_kind_the_kit_lacks_is_counted_under_its_indicator(plugin, cli):
    """A third-party JDIH (legal documentation) installed and switched on: indicator 44 is pre-filled from it,
    named by its kind, not by spbe; off, the page says why."""
    plugin("egovkit_jdih", "jdih", {"__init__.py": '''
        from egovkit.modules import Module
        MODULE = Module(name="jdih", version="1.0.0", title={"id": "JDIH Kabupaten", "en": "Regency JDIH"},
                        service_kind="legal_information")
    '''})
    from pathlib import Path

    Path("p.yaml").write_text("name: hukum\nextends: banyuwangi\nmodules:\n  jdih: {}\n")
    cli("init", "--profile", "p.yaml")
    people(cli)
    staff = as_user(create_app("instance", {"TESTING": True}), "kominfo@banyuwangikab.id")
    start(staff)
    page = staff.get(f"/spbe/{YEAR}").get_data(as_text=True)
    assert suggested(page, 44) == 2  # on: requests can be made online; none processed yet
    indicator = staff.get(f"/spbe/{YEAR}/44").get_data(as_text=True)
    assert "JDIH Kabupaten: 0 permohonan daring dalam 12 bulan." in indicator
    assert 'href="/spbe/proof#services"' in indicator
    proof = staff.get("/spbe/proof").get_data(as_text=True)
    assert re.search(r"JDIH Kabupaten</td><td>44 Layanan Jaringan Dokumentasi", proof)

    set_module(Path("instance").absolute(), "jdih", False)
    cli("upgrade")
    app = create_app("instance", {"TESTING": True})
    page = as_user(app, "kominfo@banyuwangikab.id").get(f"/spbe/{YEAR}/44").get_data(as_text=True)
    assert 'id="suggestion"' not in page and "Kit ini menyediakan JDIH Kabupaten, tidak diaktifkan" in page
    with app.app_context():
        from egovkit.db import db

        db.engine.dispose()

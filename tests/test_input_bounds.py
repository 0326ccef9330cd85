"""Regressions from the input review: numbers past 64 bits, non-characters, deep JSON, YAML aliases, an
empty secret key, racing writes of one unique value, a form sent twice, and four eyes on letters."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_smart_kampung import GOOD, write
from .test_workflow import PASSWORD, SARONGAN, people

HUGE = "9" * 25  # past 64 bits


@pytest.fixture
def village(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    write("warga.csv", [GOOD])
    cli("residents", "import", "warga.csv")
    return create_app("instance", {"TESTING": True})


def signed_in(app, who, password=PASSWORD):
    client = app.test_client()
    assert login(client, who, password).status_code == 302
    return client


@contextmanager
def racing(app, rival):
    """Run ``rival()`` (another request, in its own app context: its own session and connection) at the
    moment this request first writes: after its checks, before its write, as when two people press the
    button at the same time."""
    fired = []

    def once():
        if not fired:
            fired.append(True)
            with app.app_context():
                rival()

    def before_flush(session, _ctx, _instances):
        once()

    def on_execute(state):
        if state.is_update or state.is_insert or state.is_delete:
            once()

    event.listen(Session, "before_flush", before_flush)
    event.listen(Session, "do_orm_execute", on_execute)
    try:
        yield fired
    finally:
        event.remove(Session, "before_flush", before_flush)
        event.remove(Session, "do_orm_execute", on_execute)
    assert fired, "the rival never ran"


# ----------------------------------------------------------------- numbers and characters
def test_numbers_past_64_bits_are_the_default_not_a_server_error(village, cli):
    cli("users", "create", "--email", "boss@kab.id", "--name", "Boss", "--role", "admin",
        "--password-stdin", input=PASSWORD + "\n")
    admin = signed_in(village, "boss@kab.id")
    for url in (f"/izin/apply?renews={HUGE}", f"/kampung/letters/new?resident={HUGE}", f"/apbdes/?year={HUGE}",
                f"/admin/audit?page={HUGE}", f"/announcements/?page={HUGE}", f"/admin/audit?page=-{HUGE}",
                f"/apbdes/?year={2**31}"):
        assert admin.get(url).status_code < 500, url
    assert admin.get(f"/kampung/letters/new?resident={HUGE}").status_code == 404  # no such resident
    assert admin.get(f"/kampung/residents/{HUGE}").status_code == 404  # the route's converter, as before


def test_non_characters_and_surrogates_are_refused_at_the_door(village):
    operator = signed_in(village, "op.sarongan@desa.id")
    assert operator.get("/kampung/residents?q=\U0010ffff").status_code == 400  # was chr() past U+10FFFF
    assert operator.get("/kampung/residents?q=sri\ufffe").status_code == 400
    assert operator.get("/kampung/residents?q=" + "a" * 3000).status_code == 400
    assert operator.get("/kampung/residents?q=Budi\U0010fffd").status_code == 200  # the last real character
    url = "/announcements/new"
    sent = operator.post(url, data={"title": "Rapat\ufdd0", "body": "x", "action": "draft",
                                    "csrf_token": csrf_token(operator, url)})
    assert sent.status_code == 400
    assert village.test_client().get("/wilayah/35.10\U0010ffff").status_code == 404


def test_json_nested_100k_deep_or_with_a_lone_surrogate_is_a_400(village):
    client = village.test_client()
    for body in ("[" * 100_000 + "]" * 100_000, '{"title": "\\ud800", "body": "x"}', "[" * 40 + "]" * 40):
        response = client.post("/api/v1/kampung/letters", data=body, content_type="application/json")
        assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"
    shallow = client.post("/api/v1/kampung/letters", data="[" * 10 + "]" * 10, content_type="application/json")
    assert shallow.status_code == 401  # parsed: the token is the next thing checked


# ----------------------------------------------------------------- profiles and start-up
def test_yaml_aliases_in_a_profile_are_refused_with_file_and_line(cli):
    lol = '["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'
    lines = ["name: laughs", "extends: banyuwangi", f"a: &a {lol}"]
    for n in range(1, 9):  # 9**9 values once expanded: minutes of CPU and gigabytes of memory
        lines.append(f"{'abcdefghi'[n]}: &{'abcdefghi'[n]} [{', '.join(['*' + 'abcdefghi'[n - 1]] * 9)}]")
    Path("laughs.yaml").write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    output = cli("profile", "validate", "laughs.yaml", expect=2).output
    assert time.monotonic() - started < 5
    assert "laughs.yaml:4: invalid YAML: aliases (*a) are not allowed in a profile" in output


@pytest.mark.parametrize("content", ["", "   \n", "short"])
def test_an_unusable_secret_key_stops_serve_and_the_app_factory(cli, make_instance, content):
    from egovkit.instance import InstanceError

    path = make_instance("banyuwangi")
    (path / "secret_key").write_text(content)
    output = cli("serve", "--port", "18799", expect=1).output
    assert "secret key" in output and "at least 32 random characters" in output
    with pytest.raises(InstanceError, match="secret key"):
        create_app(path)
    (path / "secret_key").unlink()
    assert "cannot read the secret key" in cli("serve", "--port", "18799", expect=1).output


# ----------------------------------------------------------------- racing writes of one unique value
def _newborns(app) -> tuple[int, int]:
    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Resident

    with app.app_context():
        ids = []
        for name in ("Bayi Kembar Satu", "Bayi Kembar Dua"):
            baby = Resident(nik=None, name=name, name_key=name.lower(), sex="L", birth_place="Banyuwangi",
                            birth_date=date(2026, 3, 1), religion="Islam", education="TIDAK/BELUM SEKOLAH",
                            occupation="Belum/Tidak Bekerja", marital_status="BELUM KAWIN", relation="ANAK",
                            village_code=SARONGAN, address="Dusun Krajan", rt="001", rw="002")
            db.session.add(baby)
            db.session.flush()
            ids.append(baby.id)
        db.session.commit()
        return ids[0], ids[1]


def test_two_racing_edits_giving_one_nik_to_two_newborns_keep_one(village):
    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Resident

    first, second = _newborns(village)
    nik = "3510010103260001"
    operator, colleague = signed_in(village, "op.sarongan@desa.id"), signed_in(village, "op.sarongan@desa.id")

    def form(client, resident_id):
        url = f"/kampung/residents/{resident_id}/edit"
        return url, {"csrf_token": csrf_token(client, url), "name": "Bayi Kembar", "address": "Dusun Krajan",
                     "rt": "1", "rw": "2", "occupation": "Belum/Tidak Bekerja", "education": "TIDAK/BELUM SEKOLAH",
                     "marital_status": "BELUM KAWIN", "nik": nik}

    url, data = form(operator, first)
    rival_url, rival_data = form(colleague, second)
    with racing(village, lambda: colleague.post(rival_url, data=rival_data)):
        response = operator.post(url, data=data)
    assert response.status_code == 409  # was an IntegrityError (500)
    assert "NIK ini sudah ada dalam data penduduk" in response.get_data(as_text=True)
    with village.app_context():
        assert [r.nik for r in db.session.scalars(select(Resident).where(Resident.id.in_([first, second]))
                                                  .order_by(Resident.id))] == [None, nik]


def test_two_racing_reversals_of_one_entry_make_one_correction(village):
    from egovkit.db import db
    from egovkit_modules.village_finance.models import Entry

    from .test_village_finance import YEAR, as_user, draft_budget, lines, set_in_force

    operator = as_user(village, "op.sarongan@desa.id")
    kades, camat = as_user(village, "kades.sarongan@desa.id"), as_user(village, "camat.pesanggaran@kec.id")
    url = draft_budget(village, operator)
    set_in_force(kades, camat, url)
    key = lines(village, url)["2.2.02"][2]
    realise = f"{url}/realise"
    operator.post(realise, data={"csrf_token": csrf_token(operator, realise), "line": key, "amount": "90000000",
                                 "day": f"{YEAR}-03-03", "description": "PMT (salah ketik)"})
    entry_id = re.search(r'action="/apbdes/entries/(\d+)/reverse"', operator.get(f"{url}/entries")
                         .get_data(as_text=True)).group(1)
    target, reason = f"/apbdes/entries/{entry_id}/reverse", "Salah ketik jumlah, seharusnya 9 juta"
    colleague = as_user(village, "op.sarongan@desa.id")
    rival = {"csrf_token": csrf_token(colleague, f"{url}/entries"), "reason": reason}
    with racing(village, lambda: colleague.post(target, data=rival)):
        response = operator.post(target, data={"csrf_token": csrf_token(operator, f"{url}/entries"),
                                               "reason": reason})
    assert response.status_code == 303  # was an IntegrityError (500)
    assert "Catatan ini sudah dikoreksi" in operator.get(response.headers["Location"]).get_data(as_text=True)
    with village.app_context():
        assert sorted(e.amount for e in db.session.query(Entry)) == [-90_000_000, 90_000_000]
    assert lines(village, url)["2.2.02"][1] == 0  # the loser's counter change was rolled back with it


# ----------------------------------------------------------------- a form sent twice
def _letter_count(app) -> int:
    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Letter

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Letter))


def _form(client, url) -> dict:
    page = client.get(url).get_data(as_text=True)
    return {name: value for name, value in re.findall(r'<input type="hidden" name="(csrf_token|once)" value="([^"]+)"',
                                                      page)}


def test_the_same_letter_form_sent_twice_makes_one_letter(village, cli):
    operator = signed_in(village, "op.sarongan@desa.id")
    with village.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        resident = db.session.scalar(select(Resident.id))
    url = f"/kampung/letters/new?type=domisili&resident={resident}"
    data = {**_form(operator, url), "type": "domisili", "since": "2015-01-01", "purpose": "Melamar pekerjaan"}
    assert "once" in data
    first = operator.post(url, data=data)
    again = operator.post(url, data=data)
    assert first.status_code == 302 and again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert _letter_count(village) == 1
    # Pressed twice at the same moment: both pass the check, the database keeps one, the loser sees the first.
    data = {**_form(operator, url), "type": "domisili", "since": "2015-01-01", "purpose": "Kredit bank"}
    results = []
    with racing(village, lambda: results.append(operator.post(url, data=data))):  # the same browser, twice
        loser = operator.post(url, data=data)
    assert loser.status_code == 303 and loser.headers["Location"] == results[0].headers["Location"]
    assert _letter_count(village) == 2
    # A fresh page is a fresh form; another user's token opens nothing of the first.
    cli("users", "create", "--email", "op2.sarongan@desa.id", "--name", "Op Dua", "--role", "operator_desa",
        "--region", SARONGAN, "--password-stdin", input=PASSWORD + "\n")
    colleague = signed_in(village, "op2.sarongan@desa.id")
    stolen = colleague.post(url, data={**data, "csrf_token": _form(colleague, url)["csrf_token"]})
    assert stolen.status_code == 409 and _letter_count(village) == 2
    assert operator.post(url, data={**data, **_form(operator, url)}).status_code == 302
    assert _letter_count(village) == 3


def test_the_same_rtlh_form_sent_twice_makes_one_proposal(cli, make_instance):
    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import HousingProposal

    from .test_rtlh import PNG, WORST, setup

    app = setup(cli, make_instance)
    operator = signed_in(app, "op.sarongan@desa.id")
    found = operator.post("/kampung/rtlh/new", data={"action": "find", "nik": GOOD["nik"],
                                                      "csrf_token": _form(operator, "/kampung/rtlh/new")["csrf_token"]})
    url = found.headers["Location"]  # the household by its id, never its NIK
    fields = {**_form(operator, url), **WORST}

    def send():
        import io

        return operator.post(url, data={**fields, "photos": (io.BytesIO(PNG), "rumah.png")},
                             content_type="multipart/form-data")

    first, again = send(), send()
    assert first.status_code == 302, first.get_data(as_text=True)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HousingProposal)) == 1


# ----------------------------------------------------------------- four eyes on letters
def _both_roles(cli):
    cli("users", "grant", "op.sarongan@desa.id", "--role", "kepala_desa", "--region", SARONGAN)


def _verified_letter(app):
    from .test_letters import decide

    operator = signed_in(app, "op.sarongan@desa.id")
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        resident = db.session.scalar(select(Resident.id))
    url = f"/kampung/letters/new?type=domisili&resident={resident}"
    sent = operator.post(url, data={**_form(operator, url), "type": "domisili", "since": "2015-01-01",
                                    "purpose": "Melamar pekerjaan"})
    letter = sent.headers["Location"]
    assert decide(operator, letter, "verify").status_code == 302
    return operator, letter


def test_one_person_with_both_roles_does_not_verify_and_sign_a_letter_alone(village, cli):
    from egovkit.db import db
    from egovkit.services.workflow import Case

    from .test_letters import decide

    _both_roles(cli)
    operator, letter = _verified_letter(village)
    page = operator.get(letter).get_data(as_text=True)
    assert "/sign" not in page  # the panel offers no signature to whoever verified
    with village.app_context():
        case_id = db.session.scalar(select(Case.id))
    refused = operator.post(f"/cases/{case_id}/sign", data={"csrf_token": csrf_token(operator, letter),
                                                           "next": letter})
    assert refused.status_code == 403
    kades = signed_in(village, "kades.sarongan@desa.id")
    assert decide(kades, letter, "sign").status_code == 302
    assert "four eyes" in cli("workflows", "show", "smart_kampung.letter").output


def test_a_profile_may_let_one_person_verify_and_sign(cli):
    Path("p.yaml").write_text("name: small-office\nextends: banyuwangi\nworkflows:\n  smart_kampung.letter:\n"
                              "    transitions:\n      sign: {separate: false}\n")
    cli("init", "--profile", "p.yaml")
    people(cli)
    write("warga.csv", [GOOD])
    cli("residents", "import", "warga.csv")
    _both_roles(cli)
    app = create_app("instance", {"TESTING": True})
    from .test_letters import decide

    operator, letter = _verified_letter(app)
    assert decide(operator, letter, "sign").status_code == 302

"""smart_kampung, the register at the office counter: the residents list (paging, counts, substring search,
sorts, filters, scope), adding / correcting / moving residents and family cards with the import's checks,
the mutation book (also from letters' events, once however often delivered), arrivals between villages,
statistics from the counters (equal to COUNT queries), exports and the village books."""
import csv
import io
import re
import time
from datetime import date

import openpyxl
import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_smart_kampung import GOOD, write
from .test_workflow import KANDANGAN, PASSWORD, SARONGAN, people

FIRST = ("Budi Santoso", "Sri Wahyuni", "Agus Salim", "Dewi Lestari", "Joko Susanto")


def resident_row(n: int, village=SARONGAN, **extra) -> dict:
    day = 1 + n % 28
    return dict(GOOD, nik=f"351001{day:02d}0890{n:04d}", nama=f"{FIRST[n % 5]} {n:03d}",
                tanggal_lahir=f"1990-08-{day:02d}", no_kk=f"351001010120{1 + n // 4:04d}", kode_desa=village,
                rt=str(1 + n % 3), rw=str(1 + n % 2), hubungan_keluarga="ANAK",
                status="MATI" if n % 10 == 0 else "", **extra)


@pytest.fixture
def app(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    rows = [resident_row(n) for n in range(1, 121)] + [resident_row(n, KANDANGAN) for n in range(200, 205)]
    write("warga.csv", rows)
    cli("residents", "import", "warga.csv")
    return create_app("instance", {"TESTING": True})


def as_user(app, email):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def search(client, **fields):
    data = {"q": "", "rt": "", "rw": "", "status": "alive", **fields}
    response = client.post("/kampung/residents", data=dict(data, csrf_token=csrf_token(client, "/kampung/residents")))
    assert response.status_code == 303
    return response


def listed(page: str) -> list[str]:
    return re.findall(r'href="/kampung/residents/\d+">([^<]+)</a>', page)


def count_line(page: str) -> str:
    return re.search(r'<p class="count" role="status">\s*(.*?)\s*</p>', page, re.S).group(1)


def test_pages_with_counts_from_the_counters_and_bounded_pages(app):
    client = as_user(app, "op.sarongan@desa.id")
    page = client.get("/kampung/residents").get_data(as_text=True)
    assert count_line(page) == "1-50 dari 108"  # the living, of Sarongan only
    assert len(listed(page)) == 50 and 'rel="next"' in page
    third = client.get("/kampung/residents?page=3").get_data(as_text=True)
    assert count_line(third) == "101-108 dari 108" and len(listed(third)) == 8 and 'rel="next"' not in third
    assert count_line(client.get("/kampung/residents?page=99").get_data(as_text=True)) == "101-108 dari 108"
    search(client, status="died")
    assert count_line(client.get("/kampung/residents").get_data(as_text=True)) == "1-12 dari 12"
    search(client, status="all")
    assert count_line(client.get("/kampung/residents").get_data(as_text=True)) == "1-50 dari 120"
    camat = as_user(app, "camat.pesanggaran@kec.id")  # two villages: both lists, the village shown
    page = camat.get("/kampung/residents").get_data(as_text=True)
    assert count_line(page) == "1-50 dari 112" and "Kandangan" in page


def test_substring_search_for_an_operator_and_for_a_district_and_prefixes(app):
    for email, expected in (("op.sarongan@desa.id", 24), ("camat.pesanggaran@kec.id", 25)):
        client = as_user(app, email)
        assert search(client, q="us sal").headers["Location"] == "/kampung/residents"  # nothing in the URL
        page = client.get("/kampung/residents").get_data(as_text=True)
        names = listed(page)
        assert len(names) == expected and all("Agus Salim" in n for n in names), (email, names)
        assert ("Agus Salim 202" in names) is (expected == 25)
        assert count_line(page) == f"1-{expected} dari {expected}"
        search(client, q="SUSANTO 01")  # any part of the name, in any case
        assert listed(client.get("/kampung/residents").get_data(as_text=True)) == [
            "Joko Susanto 014", "Joko Susanto 019"]
        search(client, q="Sr")  # two letters: names starting with them
        names = listed(client.get("/kampung/residents").get_data(as_text=True))
        assert names and all(n.startswith("Sri Wahyuni") for n in names)


def test_sorts_and_filters(app):
    client = as_user(app, "op.sarongan@desa.id")
    names = listed(client.get("/kampung/residents").get_data(as_text=True))
    assert names == sorted(names, key=str.lower)
    page = client.get("/kampung/residents?sort=age").get_data(as_text=True)
    days = [int(n[-3:]) % 28 for n in listed(page)]  # born 1990-08-(1 + n % 28): oldest first
    assert days == sorted(days) and days[0] == 0
    days = [int(n[-3:]) % 28 for n in listed(client.get("/kampung/residents?sort=age&desc=1").get_data(as_text=True))]
    assert days == sorted(days, reverse=True)
    search(client, rt="2", rw="1")
    page = client.get("/kampung/residents").get_data(as_text=True)
    numbers = [int(n[-3:]) for n in listed(page)]
    assert numbers and all(n % 3 == 1 and n % 2 == 0 and n % 10 for n in numbers)
    assert count_line(page).endswith(f"dari {len(numbers)}")
    page = client.get("/kampung/residents?sort=rtrw").get_data(as_text=True)
    assert "002/001" in page
    search(client, status="moved")
    assert listed(client.get("/kampung/residents").get_data(as_text=True)) == []


def test_a_nik_or_kk_goes_to_its_page_and_never_into_a_url_or_the_session(app):
    client = as_user(app, "op.sarongan@desa.id")
    row = resident_row(7)
    response = client.post("/kampung/residents", data={"q": row["nik"], "csrf_token": csrf_token(
        client, "/kampung/residents")})
    assert re.fullmatch(r"/kampung/residents/\d+", response.headers["Location"])
    response = client.post("/kampung/residents", data={"q": row["no_kk"], "csrf_token": csrf_token(
        client, "/kampung/residents")})
    assert re.fullmatch(r"/kampung/families/\d+", response.headers["Location"])
    other = as_user(app, "op.kandangan@desa.id")
    response = other.post("/kampung/residents", data={"q": row["nik"], "csrf_token": csrf_token(
        other, "/kampung/residents")})
    assert response.status_code == 200 and not listed(response.get_data(as_text=True))
    with other.session_transaction() as stored:
        assert row["nik"] not in str(dict(stored))


def resident_id(app, nik):
    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Resident

    with app.app_context():
        found = db.session.query(Resident).filter_by(nik=nik).one()
        db.engine.dispose()
        return found.id


def mutations(app, **where):
    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Mutation

    with app.app_context():
        rows = [(m.kind, m.village_code, m.other_village, m.letter_id)
                for m in db.session.query(Mutation).filter_by(**where).order_by(Mutation.id)]
        db.engine.dispose()
        return rows


NEW = {"nik": "3510015208950001", "nama": "Siti Aminah", "jenis_kelamin": "P", "tempat_lahir": "Banyuwangi",
       "tanggal_lahir": "1995-08-12", "agama": "ISLAM", "pendidikan": "S1/D4", "pekerjaan": "Guru",
       "status_perkawinan": "BELUM KAWIN", "hubungan_keluarga": "KEPALA KELUARGA", "no_kk": "3510010101209001",
       "alamat": "Dusun Krajan No. 1", "rt": "4", "rw": "2"}


def test_adding_a_resident_checks_like_the_import_names_the_fields_and_writes_nothing_when_wrong(app, cli):
    client = as_user(app, "op.sarongan@desa.id")
    url = "/kampung/residents/new"
    bad = dict(NEW, nik="3510011208950001", agama="Jedi", rt="RT4", nama="", tanggal_lahir="1995-13-40")
    response = client.post(url, data=dict(bad, csrf_token=csrf_token(client, url)))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("agama", "rt", "nama", "tanggal_lahir"):
        assert f'id="{field}-error"' in page, field
    assert "bukan salah satu dari ISLAM" in page
    response = client.post(url, data=dict(NEW, jenis_kelamin="L", csrf_token=csrf_token(client, url)))
    assert response.status_code == 400 and 'id="nik-error"' in response.get_data(as_text=True)  # +40: a woman
    taken = dict(NEW, nik=resident_row(3)["nik"], tanggal_lahir="1990-08-04", jenis_kelamin="L")
    response = client.post(url, data=dict(taken, csrf_token=csrf_token(client, url)))
    assert response.status_code == 400 and "sudah ada" in response.get_data(as_text=True)
    elsewhere = dict(NEW, no_kk=resident_row(200, KANDANGAN)["no_kk"])
    response = client.post(url, data=dict(elsewhere, csrf_token=csrf_token(client, url)))
    assert response.status_code == 400 and 'id="no_kk-error"' in response.get_data(as_text=True)
    assert mutations(app) == []
    response = client.post(url, data=dict(NEW, csrf_token=csrf_token(client, url)))
    assert response.status_code == 302
    new_id = resident_id(app, NEW["nik"])
    assert mutations(app, resident_id=new_id) == [("added", SARONGAN, None, None)]
    second_head = dict(NEW, nik="3510015208950002", nama="Kedua")
    response = client.post(url, data=dict(second_head, csrf_token=csrf_token(client, url)))
    assert response.status_code == 400 and 'id="hubungan_keluarga-error"' in response.get_data(as_text=True)
    # a correction: the same checks, the fixed fields kept, the change in the book and the audit
    correct = f"/kampung/residents/{new_id}/correct"
    response = client.post(correct, data=dict(NEW, pekerjaan="", csrf_token=csrf_token(client, correct)))
    assert response.status_code == 400 and 'id="pekerjaan-error"' in response.get_data(as_text=True)
    response = client.post(correct, data=dict(NEW, pekerjaan="Kepala Sekolah", nik="3510015208950009",
                                              csrf_token=csrf_token(client, correct)))
    assert response.status_code == 302
    assert mutations(app, resident_id=new_id) == [("added", SARONGAN, None, None),
                                                  ("corrected", SARONGAN, None, None)]
    assert resident_id(app, NEW["nik"]) == new_id  # the NIK is not corrected here
    assert "smart_kampung_resident" in cli("audit", "list", "--module", "smart_kampung").output
    assert as_user(app, "op.kandangan@desa.id").get(correct).status_code == 404


def test_a_family_card_is_added_and_corrected_with_its_members_address(app):
    client = as_user(app, "op.sarongan@desa.id")
    url = "/kampung/families/new"
    response = client.post(url, data={"no_kk": "3510010101200000", "alamat": "Jl. Baru", "rt": "1", "rw": "1",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 400 and "0001" in response.get_data(as_text=True)  # serial 0000
    response = client.post(url, data={"no_kk": "3510010101209002", "alamat": "Jl. Baru", "rt": "1", "rw": "x",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 400
    response = client.post(url, data={"no_kk": "3510010101209002", "alamat": "Jl. Baru", "rt": "1", "rw": "5",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302 and re.fullmatch(r"/kampung/families/\d+", response.headers["Location"])
    family_url = client.post("/kampung/residents", data={
        "q": resident_row(1)["no_kk"], "csrf_token": csrf_token(client, "/kampung/residents")}).headers["Location"]
    correct = family_url + "/correct"
    response = client.post(correct, data={"alamat": "Dusun Baru 3", "rt": "7", "rw": "3",
                                          "csrf_token": csrf_token(client, correct)})
    assert response.status_code == 302
    member = resident_id(app, resident_row(1)["nik"])
    page = client.get(f"/kampung/residents/{member}").get_data(as_text=True)
    assert "Dusun Baru 3, RT 007 / RW 003" in page
    assert ("corrected", SARONGAN, None, None) in mutations(app, resident_id=member)
    card = client.get(family_url + "/card")
    assert card.status_code == 200 and 'media="print"' in card.get_data(as_text=True)
    pdf = client.get(family_url + "/card.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert as_user(app, "op.kandangan@desa.id").get(family_url + "/card.pdf").status_code == 404


def test_a_move_to_another_village_is_received_there_and_both_books_keep_it(app):
    origin = as_user(app, "op.sarongan@desa.id")
    moved = resident_id(app, resident_row(5)["nik"])
    url = f"/kampung/residents/{moved}/move"
    response = origin.post(url, data={"to_village": SARONGAN, "moving_on": "2026-11-30", "confirm": "yes",
                                      "csrf_token": csrf_token(origin, url)})
    assert response.status_code == 400  # not to its own village
    response = origin.post(url, data={"to_village": KANDANGAN, "moving_on": "2026-11-30",
                                      "csrf_token": csrf_token(origin, url)})
    assert response.status_code == 400 and mutations(app) == []  # not confirmed: nothing written
    response = origin.post(url, data={"to_village": KANDANGAN, "moving_on": "2026-11-30", "confirm": "yes",
                                      "csrf_token": csrf_token(origin, url)})
    assert response.status_code == 302
    assert count_line(origin.get("/kampung/residents").get_data(as_text=True)) == "1-50 dari 107"
    destination = as_user(app, "op.kandangan@desa.id")
    page = destination.get("/kampung/arrivals").get_data(as_text=True)
    arrival = re.search(r'href="(/kampung/arrivals/\d+)"', page).group(1)
    assert origin.get(arrival).status_code == 404  # the destination's to accept
    response = destination.post(arrival, data={"no_kk": resident_row(5)["no_kk"], "hubungan_keluarga": "ANAK",
                                               "csrf_token": csrf_token(destination, arrival)})
    assert response.status_code == 400  # Sarongan's card: not this village's
    response = destination.post(arrival, data={"no_kk": "3510010101209003", "hubungan_keluarga": "KEPALA KELUARGA",
                                               "alamat": "Dusun Kandangan 1", "rt": "2", "rw": "1",
                                               "csrf_token": csrf_token(destination, arrival)})
    assert response.status_code == 302 and response.headers["Location"] == f"/kampung/residents/{moved}"
    assert destination.post(arrival, data={"csrf_token": csrf_token(destination, "/kampung/arrivals")}
                            ).status_code == 404  # accepted once
    assert mutations(app, resident_id=moved) == [("moved_out", SARONGAN, KANDANGAN, None),
                                                 ("moved_in", KANDANGAN, SARONGAN, None)]
    assert destination.get(f"/kampung/residents/{moved}").status_code == 200
    assert origin.get(f"/kampung/residents/{moved}").status_code == 404  # lives elsewhere now
    assert "Pindah keluar" in book(origin, "mutasi", "xlsx")[0]  # the origin's book keeps the move
    assert "Datang" in book(destination, "mutasi", "xlsx")[0]
    assert count_line(destination.get("/kampung/residents").get_data(as_text=True)) == "1-5 dari 5"


def test_letter_events_write_the_book_once_and_a_move_in_the_regency_makes_one_arrival(app):
    from egovkit.db import db
    from egovkit.services import events
    from egovkit_modules.smart_kampung import register
    from egovkit_modules.smart_kampung.models import Arrival, Resident

    died, leaving = resident_row(11), resident_row(13)
    with app.test_request_context():
        parent = db.session.query(Resident).filter_by(nik=resident_row(12)["nik"]).one()
        child = Resident(nik=None, name="Bayi", name_key="bayi", sex="P", birth_place="Banyuwangi",
                         birth_date=date(2026, 11, 20), religion="ISLAM", education="TIDAK/BELUM SEKOLAH",
                         occupation="BELUM/TIDAK BEKERJA", marital_status="BELUM KAWIN", relation="ANAK",
                         family_id=parent.family_id, village_code=SARONGAN, address="x", rt="001", rw="001",
                         status="alive")
        db.session.add(child)
        db.session.flush()
        published = [
            events.publish("resident.born", resident=child.id, kk_number="x", village=SARONGAN,
                           birth_date="2026-11-20", sex="P", letter=None),
            events.publish("resident.died", nik=died["nik"], village=SARONGAN, date_of_death="2026-11-25",
                           letter=None),
            events.publish("resident.moved", nik=leaving["nik"], village=SARONGAN, letter=None,
                           resident=resident_id_in(db, leaving["nik"]), to_village=KANDANGAN,
                           moving_on="2026-11-28")]
        db.session.commit()
        events.deliver_pending()
        for ev in published:  # delivered again (a retry, a second relay): nothing more
            {"resident.born": register.on_born, "resident.died": register.on_died,
             "resident.moved": register.on_moved}[ev.name](db.session.get(events.Event, ev.id))
            db.session.commit()
        assert db.session.query(Arrival).count() == 1
        child_id = child.id
        db.engine.dispose()
    assert mutations(app, kind="born") == [("born", SARONGAN, None, None)]
    assert mutations(app, kind="died") == [("died", SARONGAN, None, None)]
    assert mutations(app, kind="moved_out") == [("moved_out", SARONGAN, KANDANGAN, None)]
    destination = as_user(app, "op.kandangan@desa.id")
    assert len(re.findall(r'href="/kampung/arrivals/\d+"', destination.get("/kampung/arrivals").get_data(
        as_text=True))) == 1
    page = as_user(app, "op.sarongan@desa.id").get(f"/kampung/residents/{child_id}").get_data(as_text=True)
    assert "lahir" in page


def resident_id_in(db, nik):
    from egovkit_modules.smart_kampung.models import Resident

    return db.session.query(Resident).filter_by(nik=nik).one().id


def direct_counts(app, village=None, column="education"):
    from sqlalchemy import func, select

    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Resident

    with app.app_context():
        value = getattr(Resident, column)
        stmt = select(value, Resident.sex, func.count()).where(Resident.status == "alive")
        if village:
            stmt = stmt.where(Resident.village_code == village)
        out = {(e, s): n for e, s, n in db.session.execute(stmt.group_by(value, Resident.sex))}
        db.engine.dispose()
        return out


def test_statistics_equal_count_queries_per_village_and_district_and_export(app):
    operator = as_user(app, "op.sarongan@desa.id")
    own = as_user(app, "op.kandangan@desa.id")
    # a change after the import: the counters follow (trigger), the page's five-minute memo aside
    moved = resident_id(app, resident_row(2)["nik"])
    operator.post(f"/kampung/residents/{moved}/correct", data=dict(
        {k: v for k, v in resident_row(2).items()}, pendidikan="S2", tanggal_lahir="1990-08-03",
        csrf_token=csrf_token(operator, f"/kampung/residents/{moved}/correct")))
    for client, village, rows in ((operator, SARONGAN, 108), (own, KANDANGAN, 4)):
        response = client.get("/kampung/statistics.csv")
        table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        for label, column in (("Pendidikan", "education"), ("Pekerjaan", "occupation"), ("Agama", "religion"),
                              ("Status perkawinan", "marital_status")):
            shown = {r[1]: (int(r[2]), int(r[3])) for r in table if r[0] == label}
            expected = direct_counts(app, village, column)
            assert shown == {e: (expected.get((e, "L"), 0), expected.get((e, "P"), 0)) for e, _ in expected}, label
        assert sum(int(r[4]) for r in table if r[0] == "Kelompok umur") == rows
        page = client.get("/kampung/statistics").get_data(as_text=True)
        assert "<svg" in page and "RW/RT" in page
    assert "S2" in {r for r in operator.get("/kampung/statistics.csv").get_data(as_text=True).split(",")}
    camat = as_user(app, "camat.pesanggaran@kec.id")
    sheet = openpyxl.load_workbook(io.BytesIO(camat.get("/kampung/statistics.xlsx").data)).active
    values = list(sheet.values)
    assert values[0][0] == "Tabel"
    assert sum(r[4] for r in values[1:] if r[0] == "Kelompok umur") == 112
    areas = {r[1]: r[4] for r in values[1:] if r[0] == "Wilayah"}
    assert sorted(areas.values()) == [4, 108]
    assert camat.get(f"/kampung/statistics?village={SARONGAN}").status_code == 200
    assert own.get(f"/kampung/statistics?village={SARONGAN}").status_code == 404
    assert own.get(f"/kampung/statistics.csv?village={SARONGAN}").status_code == 404


def book(client, name, fmt, village=None):
    data = {"book": name, "format": fmt, "csrf_token": csrf_token(client, "/kampung/books")}
    if village:
        data["village"] = village
    response = client.post("/kampung/books", data=data)
    if response.status_code != 302:
        return None, response.status_code
    job = response.headers["Location"]
    for _ in range(300):
        response = client.get(job)
        if response.status_code == 302:
            break
        time.sleep(0.05)
    response = client.get(response.headers["Location"])
    assert response.status_code == 200
    if fmt == "pdf":
        return response.data, 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return "\n".join(" ".join(str(c) for c in row if c is not None) for row in sheet.values), 200


def test_village_books_as_xlsx_and_pdf_within_reach(app):
    operator = as_user(app, "op.sarongan@desa.id")
    text, _ = book(operator, "induk", "xlsx")
    assert "Buku Induk Penduduk" in text and resident_row(1)["nik"] in text
    assert resident_row(200, KANDANGAN)["nik"] not in text
    text, _ = book(operator, "ktpkk", "xlsx")
    assert "Wajib KTP" in text and resident_row(1)["no_kk"] in text
    text, _ = book(operator, "rekap", "xlsx")
    assert "RW 001" in text
    pdf, _ = book(operator, "induk", "pdf")
    assert pdf.startswith(b"%PDF")
    assert book(operator, "induk", "xlsx", village=KANDANGAN) == (None, 404)
    camat = as_user(app, "camat.pesanggaran@kec.id")
    text, _ = book(camat, "induk", "xlsx", village=KANDANGAN)
    assert resident_row(200, KANDANGAN)["nik"] in text and resident_row(1)["nik"] not in text


def test_a_common_substring_over_a_wide_reach_is_counted_up_to_a_bound(app, monkeypatch):
    from egovkit_modules.smart_kampung import register

    monkeypatch.setattr(register, "COUNT_LIMIT", 10)  # as if the regency had more than 10,000 matches
    camat = as_user(app, "camat.pesanggaran@kec.id")
    search(camat, q="us sal")
    page = camat.get("/kampung/residents").get_data(as_text=True)
    names = listed(page)
    assert count_line(page) == "1-25 dari lebih dari 10"
    assert len(names) == 25 and all("Agus Salim" in n for n in names) and names == sorted(names)
    search(camat, q="Sri")  # a two-letter prefix: counted up to the bound too
    assert count_line(camat.get("/kampung/residents").get_data(as_text=True)).endswith("dari lebih dari 10")
    search(camat)
    assert count_line(camat.get("/kampung/residents").get_data(as_text=True)) == "1-50 dari 112"


def test_a_district_list_is_in_order_and_narrows_to_a_village_within_reach(app):
    camat = as_user(app, "camat.pesanggaran@kec.id")
    for sort, key in (("name", str.lower), ("age", lambda n: int(n[-3:]) % 28)):
        names = listed(camat.get(f"/kampung/residents?sort={sort}").get_data(as_text=True))
        assert len(names) == 50 and names == sorted(names, key=key), sort
    search(camat, village=KANDANGAN)
    page = camat.get("/kampung/residents").get_data(as_text=True)
    assert count_line(page) == "1-4 dari 4" and all(int(n[-3:]) >= 200 for n in listed(page))
    operator = as_user(app, "op.kandangan@desa.id")
    search(operator, village=SARONGAN)  # not within reach: ignored, still Kandangan's own
    assert count_line(operator.get("/kampung/residents").get_data(as_text=True)) == "1-4 dari 4"

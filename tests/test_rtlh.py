"""RTLH: a village operator proposes a house with a survey and photos;
Banyuwangi's kepala desa approves (delegated), another regency's camat
does; approval publishes rtlh.approved for the village budget."""
import io
from pathlib import Path

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_letters import decide
from .test_smart_kampung import GOOD, write
from .test_workflow import PASSWORD, people

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
WORST = {"floor_area": "< 8 m2", "floor": "Tanah", "wall": "Bambu/rumbia", "roof": "Bocor/rusak berat",
         "sanitation": "Tidak ada", "water": "Sumur tak terlindung", "electricity": "Menumpang",
         "income": "< Rp 1 juta"}


def setup(cli, make_instance, profile="banyuwangi"):
    make_instance(profile)
    people(cli)
    write("warga.csv", [GOOD])
    cli("residents", "import", "warga.csv")
    return create_app("instance", {"TESTING": True})


def propose(app, photos=((PNG, "rumah.png"),)):
    operator = app.test_client()
    login(operator, "op.sarongan@desa.id", PASSWORD)
    found = operator.post("/kampung/rtlh/new", data={"action": "find", "nik": GOOD["nik"],
                                                      "csrf_token": csrf_token(operator, "/kampung/rtlh/new")})
    assert found.status_code == 303  # the NIK is posted and answered with the resident's id
    url = found.headers["Location"]
    assert GOOD["nik"] not in url
    data = {"csrf_token": csrf_token(operator, url), **WORST,
            "photos": [(io.BytesIO(data), name) for data, name in photos]}
    return operator, operator.post(url, data=data, content_type="multipart/form-data")


def test_banyuwangi_kepala_desa_approves_and_the_budget_hears_of_it(cli, make_instance):
    app = setup(cli, make_instance)
    operator, response = propose(app)
    assert response.status_code == 302
    url = response.headers["Location"]
    page = operator.get(url).get_data(as_text=True)
    assert "Skor: 22" in page and "<img" in page
    photo = page.split('<img src="')[1].split('"')[0]
    served = operator.get(photo)
    assert served.data == PNG and served.headers["Cache-Control"] == "no-store, private"  # never cached
    camat = app.test_client()
    login(camat, "camat.pesanggaran@kec.id", PASSWORD)
    assert 'formaction="/cases/' not in camat.get(url).get_data(as_text=True)
    kades = app.test_client()
    login(kades, "kades.sarongan@desa.id", PASSWORD)
    assert decide(kades, url, "approve").status_code == 302
    assert cli("events", "list").output.count("rtlh.approved") == 1


def test_elsewhere_the_camat_approves(cli, make_instance):
    Path("p.yaml").write_text("name: keep-camat\nextends: banyuwangi\nworkflows:\n  smart_kampung.rtlh:\n"
                              "    transitions:\n      approve: {roles: [camat]}\n      reject: {roles: [camat]}\n")
    app = setup(cli, make_instance, "p.yaml")
    _, response = propose(app)
    url = response.headers["Location"]
    kades = app.test_client()
    login(kades, "kades.sarongan@desa.id", PASSWORD)
    assert 'formaction="/cases/' not in kades.get(url).get_data(as_text=True)
    camat = app.test_client()
    login(camat, "camat.pesanggaran@kec.id", PASSWORD)
    assert decide(camat, url, "approve").status_code == 302


def test_a_proposal_needs_a_real_photo(cli, make_instance):
    app = setup(cli, make_instance)
    _, response = propose(app, photos=((b"<html>not an image</html>", "rumah.png"),))
    assert response.status_code == 400 and "bukan berkas JPG / PNG" in response.get_data(as_text=True)
    _, response = propose(app, photos=())
    assert response.status_code == 400

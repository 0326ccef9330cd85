"""The regent's dashboard (/dasbor) through HTTP: each enabled module's tiles, figures within the viewer's
reach, the drill-down to a kecamatan and a desa, and a module switched off giving no tile and no error."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from egovkit.app import create_app

from .conftest import login

PASSWORD = "sandi-kuat-sekali"
PESANGGARAN, SARONGAN = "35.10.01", "35.10.01.2001"
TILES = {"smart_kampung-population", "smart_kampung-letters", "permits-sla", "complaints-sla", "etax-revenue",
         "village_finance-absorption", "social_aid-coverage", "spbe-index", "sakip-achievement"}


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi", "instance", "--demo")
    for email, role, region in (("bupati@banyuwangikab.id", "bupati", None), ("sekda@banyuwangikab.id", "sekda", None),
                                ("camat@kec.id", "camat", PESANGGARAN), ("op@desa.id", "operator_desa", SARONGAN)):
        cli("users", "create", "--email", email, "--name", email.split("@")[0].title(), "--role", role,
            *(("--region", region) if region else ()), "--password-stdin", input=PASSWORD + "\n")
    return create_app("instance", {"TESTING": True})


def as_user(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def tiles(page: str) -> dict[str, str]:
    """tile id -> its headline value."""
    return {m.group(1): m.group(2) for m in re.finditer(
        r'id="tile-([a-z_]+-[a-z_]+)".*?class="headline"><strong>([^<]*)</strong>', page, re.S)}


def residents(app, where: str) -> int:
    """Living residents counted from the register itself (the tile reads the trigger-kept counters)."""
    with app.app_context():
        from sqlalchemy import text

        from egovkit.db import db

        return db.session.scalar(text("SELECT count(*) FROM smart_kampung_resident WHERE status = 'alive' AND "
                                      "village_code LIKE :p"), {"p": where + "%"})


def number(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


def test_the_regent_sees_every_module_and_drills_down_within_reach(regency):
    bupati = as_user(regency, "bupati@banyuwangikab.id")
    page = bupati.get("/dasbor").get_data(as_text=True)
    shown = tiles(page)
    assert set(shown) == TILES and "tidak dapat ditampilkan" not in page
    assert number(shown["smart_kampung-population"]) == residents(regency, "35.10.")
    assert shown["spbe-index"] != "-"  # the demo's assessment of last year
    assert 'href="/dasbor?region=35.10.01"' in page  # the kecamatan, for the drill-down

    district = bupati.get(f"/dasbor?region={PESANGGARAN}").get_data(as_text=True)
    figures = tiles(district)
    assert number(figures["smart_kampung-population"]) == residents(regency, PESANGGARAN + ".")
    assert not {"spbe-index", "etax-revenue", "sakip-achievement"} & set(figures)  # regency-wide figures only at the top
    assert f'href="/dasbor?region={SARONGAN}"' in district
    village = tiles(bupati.get(f"/dasbor?region={SARONGAN}").get_data(as_text=True))
    assert number(village["smart_kampung-population"]) == residents(regency, SARONGAN)
    assert bupati.get("/dasbor?region=33.25").status_code == 404  # another regency

    sekda = as_user(regency, "sekda@banyuwangikab.id")
    assert tiles(sekda.get("/dasbor").get_data(as_text=True)) == shown

    camat = as_user(regency, "camat@kec.id")  # the kecamatan only
    own = camat.get("/dasbor").get_data(as_text=True)
    assert number(tiles(own)["smart_kampung-population"]) == residents(regency, PESANGGARAN + ".")
    assert camat.get(f"/dasbor?region={SARONGAN}").status_code == 200
    for outside in ("35.10", "35.10.02", "35.10.02.2001"):
        assert camat.get(f"/dasbor?region={outside}").status_code == 404, outside
    assert as_user(regency, "op@desa.id").get("/dasbor").status_code == 403


def test_a_module_switched_off_gives_no_tile_and_no_error(regency, cli):
    path = Path("instance").absolute()
    profile = yaml.safe_load((path / "profile.yaml").read_text())
    off = ("complaints", "spbe", "sakip", "etax", "social_aid")  # their tables and demo rows stay
    for name in off:
        profile.setdefault("modules", {})[name] = False
    (path / "profile.yaml").write_text(yaml.safe_dump(profile))
    cli("upgrade")
    app = create_app(path, {"TESTING": True})
    bupati = as_user(app, "bupati@banyuwangikab.id")
    left = {t for t in TILES if t.split("-")[0] not in off}
    assert left == {"smart_kampung-population", "smart_kampung-letters", "permits-sla", "village_finance-absorption"}
    for url, expected in (("/dasbor", left), (f"/dasbor?region={PESANGGARAN}", left - {"permits-sla"})):
        page = bupati.get(url)
        assert page.status_code == 200, url
        text = page.get_data(as_text=True)
        assert set(tiles(text)) == expected and "tidak dapat ditampilkan" not in text, url
    with app.app_context():
        from egovkit.db import db

        db.engine.dispose()

"""Editions of the region list: a new instance uses the 2025 decree, an instance made on an earlier
list is moved to a later one without losing a record (renamed, moved, split, merged, new, retired)."""
from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from sqlalchemy import text

from egovkit.services import codelists
from egovkit.wilayah import data as wilayah

MERAUKE = """name: merauke
extends: banyuwangi
regency:
  code: "{code}"
  name: Kabupaten Merauke
  capital: Merauke
timezone: Asia/Jayapura
modules:
  smart_kampung:
    demo_families_per_village: 1
"""


def table_counts(app) -> dict[str, int]:
    """Rows of every egovkit table that holds records (regions and their history excluded)."""
    from egovkit.db import db
    from egovkit.setup import egovkit_tables

    from egovkit.wilayah.update import derived_tables

    skip = {"core_region", "core_region_history", "core_codelist_edition", "core_audit", "core_event"}
    with app.app_context():
        out = {t: db.session.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
               for t in egovkit_tables() if t not in skip | derived_tables() and not t.startswith("alembic_")}
        # counters kept by triggers: their rows merge with the villages, their sums stay
        out["population"] = db.session.execute(text("SELECT sum(n) FROM smart_kampung_population")).scalar()
        out["families"] = db.session.execute(text("SELECT sum(n) FROM smart_kampung_family_count")).scalar()
        return out


def region_refs(app, prefix: str) -> dict[str, int]:
    """Rows of each table column that point to a region code starting with prefix."""
    from egovkit.db import db
    from egovkit.wilayah.update import reference_columns

    with app.app_context():
        out = {}
        for table, col in reference_columns() + reference_columns(derived=True):
            n = db.session.execute(text(f'SELECT count(*) FROM "{table}" WHERE "{col}" LIKE :p'),
                                   {"p": prefix + "%"}).scalar()
            if n:
                out[f"{table}.{col}"] = n
        return out


def open_app(path):
    from egovkit.app import create_app

    return create_app(path, {"TESTING": True})


def close(app):
    from egovkit.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# ------------------------------------------------------------------ the bundled editions
def test_the_2025_edition_has_the_decree_totals_and_is_the_default():
    assert wilayah.default_edition() == "2025"
    assert set(wilayah.editions()) >= {"2025", "pre-2022"}
    rows = list(codelists.edition("regions").rows())[1:]
    levels = [code.count(".") for code, _ in rows]
    assert [levels.count(n) for n in range(4)] == [38, 514, 7285, 83762]
    kinds = [r.kind for r in wilayah.regencies().values()]
    assert (kinds.count("kabupaten"), kinds.count("kota")) == (416, 98)
    assert {code for code in wilayah.provinces()} >= {"93", "94", "95", "96"}
    merauke = wilayah.regencies()["93.01"]
    assert (merauke.name, merauke.parent_code, wilayah.provinces()["93"].name) == ("Merauke", "93", "Papua Selatan")
    assert len([r for r in wilayah.subtree("11.72") if r.level == "district"]) == 3  # Kota Sabang
    # The earlier edition is kept: Merauke was 91.01 under Papua, Sabang had 2 kecamatan.
    assert wilayah.regencies("pre-2022")["91.01"].name == "Merauke"
    assert len([r for r in wilayah.subtree("11.72", "pre-2022") if r.level == "district"]) == 2
    assert codelists.crosswalk("regions", "pre-2022", "2025")["91.01"] == ["93.01"]
    # A NIK issued under a district's old code still checks out.
    assert "91.01.01" in wilayah.district_codes() and "93.01.01" in wilayah.district_codes()


def test_banyuwangi_codes_are_unchanged_in_2025():
    """Tests and demo data use Banyuwangi's codes: 2025 renames 8 villages there but recodes none."""
    old = {r.code: r for r in wilayah.subtree("35.10", "pre-2022")}
    new = {r.code: r for r in wilayah.subtree("35.10")}
    assert set(old) == set(new) and len(new) == 244
    assert new["35.10.09.2002"].name == "Genteng Wetan" and old["35.10.09.2002"].name == "Gentengwetan"


def test_every_bundled_profile_names_a_2025_regency():
    from egovkit import profile as profiles

    for path in sorted(profiles.bundled_dir().glob("*.yaml")):
        prof = profiles.load(path)
        assert prof.regency.code in wilayah.regencies(), path.name


# ------------------------------------------------------------------ a new instance
def test_a_new_instance_uses_the_2025_regions(cli, tmp_path):
    profile = tmp_path / "merauke.yaml"
    profile.write_text(MERAUKE.format(code="93.01"))
    cli("init", "--profile", profile, "--instance", "inst")
    app = open_app(Path("inst").absolute())
    from egovkit.db import db
    from egovkit.models import Region

    with app.app_context():
        regency = db.session.get(Region, "93.01")
        assert (regency.name, regency.parent_code) == ("Merauke", "93")
        assert db.session.get(Region, "93").name == "Papua Selatan"
        assert db.session.get(Region, "91.01") is None
        assert codelists.instance_edition("regions") == "2025"
        # Other code lists are recorded too: the village chart of accounts is one, served by the core.
        assert codelists.instance_edition("village_finance.accounts") == "permendagri-20-2018"
        from egovkit_modules.village_finance import accounts

        assert accounts.chart().version == codelists.get("village_finance.accounts").default
        assert "Nomor 20 Tahun 2018" in codelists.edition("village_finance.accounts").decree
    page = app.test_client().get("/wilayah/93.01").get_data(as_text=True)
    assert "Muting" in page and "distrik" in page.lower()
    close(app)
    out = cli("wilayah", "editions", "--instance", "inst").output
    assert "2025 (default, this instance)" in out and "300.2.2-2138" in out


def test_init_refuses_an_old_regency_code_for_the_new_list(cli, tmp_path):
    profile = tmp_path / "merauke.yaml"
    profile.write_text(MERAUKE.format(code="91.01"))
    out = cli("init", "--profile", profile, "--instance", "inst", expect=2).output
    assert "91.01" in out and "2025" in out


# ------------------------------------------------------------------ pre-2022 -> 2025
def test_an_instance_on_the_old_list_is_updated_without_losing_a_record(cli, tmp_path):
    """Merauke made on the pre-2022 list (91.01 in Papua) moves to 93.01 in Papua Selatan."""
    profile = tmp_path / "merauke.yaml"
    profile.write_text(MERAUKE.format(code="91.01"))
    cli("init", "--profile", profile, "--instance", "inst", "--wilayah-edition", "pre-2022", "--demo")
    inst = Path("inst").absolute()
    (inst / "profile.yaml").write_text(MERAUKE.format(code="91.01"))
    app = open_app(inst)
    before, refs_before = table_counts(app), region_refs(app, "91.01")
    close(app)
    assert refs_before["smart_kampung_resident.village_code"] > 0

    # Three villages are gone from the 2025 list under any name it can match: refused, nothing changed.
    out = cli("wilayah", "update", "--instance", inst, expect=2).output
    assert "recoded  91.01 -> 93.01" in out and "the regency's code changes: 91.01 -> 93.01" in out
    assert "BLOCKED  91.01.02.2013" in out and "--map 91.01.02.2013=NEW" in out
    assert "spelled alike in 2025: 93.01.02.2010 Afkab Makmur" in out  # a hint, not applied
    app = open_app(inst)
    assert region_refs(app, "91.01") == refs_before
    close(app)

    # Their new spellings are new codes in 2025: map them, confirm, and every record follows.
    maps = ["--map", "91.01.02.2013=93.01.02.2010", "--map", "91.01.04.2023=93.01.21.2001",
            "--map", "91.01.20.2004=93.01.20.2003"]
    out = cli("wilayah", "update", "--instance", inst, *maps, "--no-backup", input="n\n").output
    assert "regions not changed" in out
    out = cli("wilayah", "update", "--instance", inst, *maps, "--no-backup", input="y\n").output
    assert "regions now on edition 2025" in out
    assert 'code: "93.01"' in (inst / "profile.yaml").read_text()

    app = open_app(inst)
    from egovkit.db import db
    from egovkit.models import Region, RegionHistory

    assert table_counts(app) == before  # not a record lost or added
    assert region_refs(app, "91.") == {}
    assert sum(region_refs(app, "93.01").values()) == sum(refs_before.values())
    with app.app_context():
        assert codelists.instance_edition("regions") == "2025"
        assert db.session.get(Region, "93.01").parent_code == "93"
        assert db.session.get(Region, "91.01") is None and db.session.get(Region, "91") is None
        old = db.session.scalar(db.select(RegionHistory).where(RegionHistory.code == "91.01"))
        assert (old.change, old.successor_codes, old.edition_from, old.edition_to) == \
            ("moved", "93.01", "pre-2022", "2025")
        gone = db.session.scalar(db.select(RegionHistory).where(RegionHistory.code == "91.01.02.2013"))
        assert (gone.name, gone.change, gone.successor_codes) == ("Efkab Makmur", "retired", "93.01.02.2010")
        # The dashboard counters followed their residents.
        n = db.session.execute(text("SELECT count(*) FROM smart_kampung_resident WHERE village_code = "
                                    "'93.01.02.2010' AND status = 'alive'")).scalar()
        assert n and db.session.execute(text("SELECT sum(n) FROM smart_kampung_population WHERE village_code = "
                                             "'93.01.02.2010'")).scalar() == n
    page = app.test_client().get("/wilayah/93.01.02").get_data(as_text=True)
    assert "Afkab Makmur" in page
    close(app)
    assert "Already up to date." in cli("upgrade", "--instance", inst, "--no-backup").output


# ------------------------------------------------------------------ a fixture edition: split and merge
SPLIT, SPLIT_INTO = "35.10.01.2001", ("35.10.01.2021", "35.10.01.2022")  # Sarongan
MERGED, MERGED_INTO = "35.10.01.2004", "35.10.01.2002"  # Sumberagung into Pesanggaran
RENAMED, NEW, RETIRED = "35.10.01.2009", "35.10.01.2023", "35.10.01.2010"


def fixture_edition(folder: Path) -> Path:
    """Banyuwangi of 2025 with one village split, two merged, one renamed, one new and one retired."""
    rows = {r.code: r.name for r in wilayah.subtree("35.10")} | {"35": "Jawa Timur", "35.10": "Kabupaten Banyuwangi"}
    rows[SPLIT_INTO[0]], rows[SPLIT_INTO[1]] = "Sarongan Barat", "Sarongan Timur"
    rows[RENAMED], rows[NEW] = "Kandangan Baru", "Desa Baru"
    for code in (SPLIT, MERGED, RETIRED):
        del rows[code]
    folder.mkdir()
    with gzip.open(folder / "regions.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([("code", "name"), *sorted(rows.items())])
    (folder / "changes.csv").write_text(f"old_code,new_code\n{SPLIT},{SPLIT_INTO[0]}\n{SPLIT},{SPLIT_INTO[1]}\n"
                                        f"{MERGED},{MERGED_INTO}\n")
    manifest = folder / "codelists.yaml"
    manifest.write_text("regions:\n  editions:\n    fixture:\n      title: A fixture\n      decree: none\n"
                        "      valid_from: '2026'\n      source: tests\n      licence: none\n"
                        "      file: regions.csv.gz\n      changes:\n        '2025': changes.csv\n")
    return manifest


def test_a_split_and_a_merge_keep_every_record(make_instance, cli, tmp_path, monkeypatch):
    inst = make_instance("banyuwangi", "instance", "--demo")
    monkeypatch.setenv("EGOVKIT_CODELISTS", str(fixture_edition(tmp_path / "fixture")))
    app = open_app(inst)
    before = table_counts(app)
    split_refs, merged_refs, kept_refs, retired_refs = (region_refs(app, c)
                                                        for c in (SPLIT, MERGED, MERGED_INTO, RETIRED))
    with app.app_context():
        from egovkit.db import db

        alive = db.session.execute(text("SELECT village_code, count(*) FROM smart_kampung_resident "
                                        "WHERE status = 'alive' GROUP BY village_code")).fetchall()
    alive = dict(alive)
    close(app)
    assert split_refs and merged_refs

    out = cli("wilayah", "update", "--instance", inst, "--edition", "fixture", "--dry-run").output
    assert f"split    {SPLIT} -> {', '.join(SPLIT_INTO)}" in out
    assert f"merged   {MERGED_INTO}, {MERGED} -> {MERGED_INTO}" in out
    assert f"renamed  {RENAMED}  Kandangan -> Kandangan Baru" in out
    assert f"new      {NEW}  Desa Baru" in out and f"retired  {RETIRED}" in out
    assert f"BLOCKED  {SPLIT}: split into" in out  # its records need a home

    cli("wilayah", "update", "--instance", inst, "--edition", "fixture", expect=2)
    # Both merged villages have a budget for the same year: refused until one is settled.
    maps = ["--map", f"{SPLIT}={SPLIT_INTO[1]}", "--map", f"{RETIRED}={NEW}"]
    out = cli("wilayah", "update", "--instance", inst, "--edition", "fixture", *maps, expect=2).output
    assert f"BLOCKED  {MERGED_INTO}: {MERGED} would join {MERGED_INTO}, but village_finance_budget has" in out
    app = open_app(inst)
    with app.app_context():
        from egovkit.db import db

        db.session.execute(text("UPDATE village_finance_budget SET year = year - 10 WHERE village_code = :c"),
                           {"c": MERGED})
        db.session.commit()
    close(app)
    out = cli("wilayah", "update", "--instance", inst, "--edition", "fixture", "--map", f"{SPLIT}=35.10.99.2999",
              expect=2).output
    assert "35.10.99.2999 is not a region of this regency in fixture" in out
    assert f"BLOCKED  {RETIRED}: gone from the list" in out  # so do the retired village's
    out = cli("wilayah", "update", "--instance", inst, "--edition", "fixture", *maps, "--no-backup",
              input="y\n").output
    assert "regions now on edition fixture" in out

    app = open_app(inst)
    assert table_counts(app) == before
    assert region_refs(app, SPLIT) == region_refs(app, MERGED) == region_refs(app, RETIRED) == {}
    assert region_refs(app, SPLIT_INTO[1]) == split_refs and region_refs(app, NEW) == retired_refs
    merged_now = region_refs(app, MERGED_INTO)
    assert merged_now["smart_kampung_resident.village_code"] == \
        merged_refs["smart_kampung_resident.village_code"] + kept_refs["smart_kampung_resident.village_code"]
    from egovkit.db import db
    from egovkit.models import Region, RegionHistory

    with app.app_context():
        assert codelists.instance_edition("regions") == "fixture"
        assert db.session.get(Region, RENAMED).name == "Kandangan Baru"
        assert db.session.get(Region, NEW) is not None and db.session.get(Region, RETIRED) is None
        changes = {h.code: (h.change, h.successor_codes) for h in db.session.scalars(db.select(RegionHistory))}
        assert changes[SPLIT] == ("split", ",".join(SPLIT_INTO))
        assert changes[MERGED] == ("merged", MERGED_INTO)
        assert changes[RENAMED] == ("renamed", RENAMED) and changes[RETIRED] == ("retired", NEW)
        counted = db.session.execute(text("SELECT sum(n) FROM smart_kampung_population WHERE village_code = :c"),
                                     {"c": MERGED_INTO}).scalar()
        assert counted == alive[MERGED] + alive[MERGED_INTO]
    close(app)


@pytest.mark.parametrize("bad", ["nope", "=35.10.01.2022"])
def test_update_names_a_bad_edition_or_map(make_instance, cli, bad):
    inst = make_instance("banyuwangi", "instance")
    args = ["--edition", bad] if bad == "nope" else ["--map", bad]
    out = cli("wilayah", "update", "--instance", inst, *args, expect=2).output
    assert ("no edition 'nope'" in out) if bad == "nope" else ("expected OLD=NEW" in out)


# ------------------------------------------------------------------ upgrade
def downgrade_core(path, revision="core_0019"):
    """The database as a kit before versioned code lists left it."""
    from alembic import command

    from egovkit import db as dbm

    app = open_app(path)
    with app.app_context():
        command.downgrade(dbm._config(dbm.CORE), revision)
    close(app)


def test_upgrade_finds_the_edition_of_an_older_instance_and_moves_it_when_asked(make_instance, cli):
    inst = make_instance("banyuwangi", "instance", "--wilayah-edition", "pre-2022")
    downgrade_core(inst)
    out = cli("upgrade", "--instance", inst, "--no-backup").output  # not a terminal: it only shows
    assert "renamed  35.10.09.2002  Gentengwetan -> Genteng Wetan" in out
    assert "regions stay on edition pre-2022" in out
    out = cli("upgrade", "--instance", inst, "--no-backup", "--yes").output
    assert "regions now on edition 2025" in out and "Upgrade complete." in out
    app = open_app(inst)
    from egovkit.db import db
    from egovkit.models import Region, RegionHistory

    with app.app_context():
        assert db.session.get(Region, "35.10.09.2002").name == "Genteng Wetan"
        old = db.session.scalar(db.select(RegionHistory).where(RegionHistory.code == "35.10.09.2002"))
        assert (old.name, old.change) == ("Gentengwetan", "renamed")
    close(app)
    assert "Already up to date." in cli("upgrade", "--instance", inst, "--no-backup").output


def test_the_migration_records_the_2025_edition_of_a_2025_instance(make_instance, cli):
    inst = make_instance("banyuwangi", "instance")
    downgrade_core(inst)
    assert "Upgrade complete." in cli("upgrade", "--instance", inst, "--no-backup").output
    app = open_app(inst)
    with app.app_context():
        assert codelists.instance_edition("regions") == "2025"
    close(app)

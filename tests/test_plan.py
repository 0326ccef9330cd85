"""`egovkit profile plan`: the sizing of a regency's instance from its profile and population."""
from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from egovkit import profile as profiles
from egovkit.cli import main


def _plan(*args) -> dict:
    done = CliRunner().invoke(main, ["profile", "plan", *args, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def _module(result: dict, name: str) -> dict:
    return next(m for m in result["modules"] if m["module"] == name)


def test_figures_grow_with_the_population():
    small, large = _plan("banyuwangi", "--population", "400000"), _plan("banyuwangi", "--population", "1700000")
    assert small["population_source"] == large["population_source"] == "given"
    register_small, register_large = _module(small, "smart_kampung"), _module(large, "smart_kampung")
    assert register_large["rows"] > register_small["rows"] > 400_000  # every resident is a row, and more
    assert register_large["mb"] > register_small["mb"] > 0
    assert large["database_mb"] > small["database_mb"]
    assert large["disk_gb"] > small["disk_gb"]
    assert large["memory_mb"] >= small["memory_mb"]
    assert large["peak_requests_per_s"] > small["peak_requests_per_s"]
    assert large["web_processes"] >= small["web_processes"] >= 2
    # Without --population: the bundled region list's villages times the national mean.
    default = _plan("banyuwangi")
    assert default["population_source"] == "villages x national mean"
    assert default["villages"] == 217 and default["districts"] == 25
    assert 217 * 3000 < default["population"] < 217 * 4000


def test_roles_per_unit_follow_the_enabled_modules_permissions():
    result = _plan("banyuwangi", "--population", "1700000")
    village = {r["role"]: r["modules"] for r in result["roles"]["village"]["roles"]}
    assert "smart_kampung" in village["operator_desa"]  # imports residents, issues letters
    assert "village_finance" in village["operator_desa"] or "village_finance" in village["kepala_desa"]
    assert result["roles"]["village"]["units"] == 217
    assert result["roles"]["village"]["assignments"] == 217 * len(village)
    agency = result["roles"]["agency"]
    agencies = [a["code"] for a in yaml.safe_load(profiles.find("banyuwangi").read_text(encoding="utf-8"))["agencies"]]
    assert agency["units"] == len(agency["agencies"]) == len(agencies) and agency["agencies"] == agencies
    assert all(r["modules"] for scope in result["roles"].values() for r in scope["roles"])
    # The terminal's table says the same.
    text = CliRunner().invoke(main, ["profile", "plan", "banyuwangi", "--population", "1700000"]).output
    assert "per desa/kelurahan (x217" in text and "operator_desa" in text and "1,700,000" in text


def test_a_module_switched_off_drops_its_rows_and_roles(tmp_path):
    full = _plan("banyuwangi", "--population", "900000")
    assert "village_finance" in [m["module"] for m in full["modules"]]
    data = yaml.safe_load(profiles.find("banyuwangi").read_text(encoding="utf-8"))
    del data["modules"]["village_finance"]
    data["name"] = "tanpa-apbdes"
    profile = tmp_path / "tanpa-apbdes.yaml"
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    less = _plan(str(profile), "--population", "900000")
    assert "village_finance" not in [m["module"] for m in less["modules"]]
    assert less["database_mb"] < full["database_mb"]
    assert _module(less, "smart_kampung") == _module(full, "smart_kampung")
    modules = {m for scope in less["roles"].values() for r in scope["roles"] for m in r["modules"]}
    assert "village_finance" not in modules


def test_bad_input_is_refused():
    done = CliRunner().invoke(main, ["profile", "plan", "banyuwangi", "--population", "0"])
    assert done.exit_code == 2 and "--population" in done.output
    done = CliRunner().invoke(main, ["profile", "plan", "no-such-profile"])
    assert done.exit_code != 0

"""A third-party module installed as a package is found through the
`egovkit.modules` entry point, enabled by the profile, and served."""
import sys
import textwrap
from pathlib import Path

import pytest

from egovkit import modules
from egovkit.app import create_app


@pytest.fixture
def third_party(tmp_path, monkeypatch):
    site = tmp_path / "site"
    pkg = site / "egovkit_tourism"
    pkg.mkdir(parents=True)  # no migrations folder: a module without tables
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        from pydantic import Field
        from egovkit.modules import Module, NavItem, Settings

        class TourismSettings(Settings):
            season: str = Field("Banyuwangi Festival", description="Name of the event season.")

        MODULE = Module(name="tourism", version="0.3.0", title={"id": "Wisata", "en": "Tourism"},
                        settings=TourismSettings, blueprint="egovkit_tourism.views:bp",
                        nav=(NavItem("tourism.index", {"id": "Wisata", "en": "Tourism"}),))
    '''))
    (pkg / "views.py").write_text(textwrap.dedent('''
        from flask import Blueprint, current_app
        bp = Blueprint("tourism", __name__, url_prefix="/tourism")

        @bp.get("/")
        def index():
            return current_app.extensions["egovkit"].profile.modules["tourism"].season
    '''))
    dist = site / "egovkit_tourism-0.3.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: egovkit-tourism\nVersion: 0.3.0\n")
    (dist / "entry_points.txt").write_text("[egovkit.modules]\ntourism = egovkit_tourism:MODULE\n")
    monkeypatch.syspath_prepend(str(site))
    modules.available.cache_clear()
    yield
    modules.available.cache_clear()
    sys.modules.pop("egovkit_tourism", None)
    sys.modules.pop("egovkit_tourism.views", None)


def test_entry_point_module_is_listed_enabled_and_served(third_party, cli):
    assert "tourism          0.3.0" in cli("modules", "list").output
    Path("p.yaml").write_text("name: wisata\nextends: banyuwangi\nmodules:\n  tourism:\n    season: Festival Gandrung\n")
    cli("init", "--profile", "p.yaml")
    client = create_app("instance").test_client()
    assert client.get("/tourism/").get_data(as_text=True) == "Festival Gandrung"
    assert 'href="/tourism/"' in client.get("/").get_data(as_text=True)
    assert client.get("/healthz").json["modules"] == {"announcements": "1.0.0", "tourism": "0.3.0"}


def test_entry_point_module_settings_are_validated(third_party, cli):
    Path("p.yaml").write_text("name: wisata\nextends: banyuwangi\nmodules:\n  tourism:\n    seasn: x\n")
    out = cli("profile", "validate", "p.yaml", expect=2).output
    assert "p.yaml:5: modules.tourism.seasn: unknown key (did you mean 'season'?)" in out

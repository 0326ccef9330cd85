"""A third-party module installed as a package is found through the
`egovkit.modules` entry point, enabled by the profile, and served."""
from pathlib import Path

import pytest

from egovkit.app import create_app


@pytest.fixture
def third_party(plugin):
    plugin("egovkit_culture", "culture", {
        "__init__.py": '''
            from pydantic import Field
            from egovkit.modules import Module, NavItem, Settings

            class CultureSettings(Settings):
                season: str = Field("Banyuwangi Festival", description="Name of the event season.")

            MODULE = Module(name="culture", version="0.3.0", title={"id": "Budaya", "en": "Culture"},
                            settings=CultureSettings, blueprint="egovkit_culture.views:bp",
                            nav=(NavItem("culture.index", {"id": "Budaya", "en": "Culture"}),))
        ''',
        "views.py": '''
            from flask import Blueprint, current_app
            bp = Blueprint("culture", __name__, url_prefix="/culture")

            @bp.get("/")
            def index():
                return current_app.extensions["egovkit"].profile.modules["culture"].season
        ''',
    })


def test_entry_point_module_is_listed_enabled_and_served(third_party, cli):
    assert "culture          0.3.0" in cli("modules", "list").output
    Path("p.yaml").write_text("name: wisata\nextends: banyuwangi\nmodules:\n  culture:\n    season: Festival Gandrung\n")
    cli("init", "--profile", "p.yaml")
    client = create_app("instance").test_client()
    assert client.get("/culture/").get_data(as_text=True) == "Festival Gandrung"
    assert 'href="/culture/"' in client.get("/").get_data(as_text=True)
    assert client.get("/healthz").json["modules"] == {"announcements": "1.0.0", "complaints": "0.1.0", "etax": "0.2.0",
                                                      "monitoring": "0.1.0", "news": "0.1.0", "permits": "0.2.0",
                                                      "planning": "0.1.0", "sakip": "0.1.0", "smart_kampung": "0.1.0",
                                                      "social_aid": "0.1.0", "spbe": "0.1.0", "culture": "0.3.0", "tourism": "0.1.0",
                                                      "village_finance": "0.1.0"}


def test_entry_point_module_settings_are_validated(third_party, cli):
    Path("p.yaml").write_text("name: wisata\nextends: banyuwangi\nmodules:\n  culture:\n    seasn: x\n")
    out = cli("profile", "validate", "p.yaml", expect=2).output
    assert "p.yaml:5: modules.culture.seasn: unknown key (did you mean 'season'?)" in out


def test_a_broken_installed_module_is_reported_not_fatal(plugin, cli):
    plugin("egovkit_broken", "broken", {"__init__.py": "import no_such_dependency\n"})
    plugin("egovkit_clash", "announcements_extra", {"__init__.py": '''
        from egovkit.modules import Module
        MODULE = Module(name="announcements_extra", version="1.0", title={"en": "x"})
    '''})
    plugin("egovkit_oddkind", "oddkind", {"__init__.py": '''
        from egovkit.modules import Module
        MODULE = Module(name="oddkind", version="1.0", title={"en": "x"}, service_kind="tourism")
    '''})
    out = cli("modules", "list").output
    assert "broken           BROKEN: egovkit_broken:MODULE: ModuleNotFoundError" in out
    assert "collides with module 'announcements'" in out
    assert "service_kind 'tourism' is none of planning, budgeting" in out  # SPBE counts a module by its kind
    assert "banyuwangi" in cli("profile", "list").output
    Path("p.yaml").write_text("name: pp\nextends: banyuwangi\nmodules:\n  broken: {}\n")
    assert "p.yaml:4: modules.broken: installed but fails to load" in cli("profile", "validate", "p.yaml",
                                                                          expect=2).output

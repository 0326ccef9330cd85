"""Packaging: bundled modules are installed under egovkit-prefixed names, and
generated docs match the code."""
import configparser
import subprocess
import sys
from pathlib import Path

from egovkit import profile as profiles
from egovkit.modules import available

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_folder_is_a_listed_package():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    packages = set(cfg["options"]["packages"].split())
    folders = {p.name for p in (ROOT / "modules").iterdir() if (p / "__init__.py").exists()}
    assert {f"egovkit_modules.{name}" for name in folders} <= packages
    core = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "egovkit").rglob("__init__.py")}
    assert core <= packages, f"add to setup.cfg [options] packages: {sorted(core - packages)}"
    assert not {"modules", "cli", "profiles"} & packages  # no generic names in site-packages


def test_bundled_modules_are_discovered_with_their_migrations():
    mods = available()
    assert "announcements" in mods
    for module in mods.values():
        assert module.migrations_dir.is_dir(), module.name


def test_profile_reference_in_docs_is_generated_from_the_declarations():
    expected = profiles.describe_markdown()
    assert (ROOT / "docs" / "profile-reference.md").read_text() == expected, \
        "regenerate: egovkit profile describe --markdown > docs/profile-reference.md"


def test_python_cli_py_shim_runs_from_a_checkout():
    result = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for verb in ("init", "serve", "upgrade", "profile", "modules"):
        assert verb in result.stdout


def test_translation_catalog_is_complete_and_compiled():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "update_translations.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

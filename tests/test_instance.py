"""init / upgrade / serve through the egovkit command: real databases, no mocks
except where a failure has to be provoked."""
import os
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, text

from egovkit.app import create_app
from egovkit.db import db
from egovkit.wilayah import data as wilayah

from .conftest import login


def tables(instance: Path) -> set[str]:
    url = os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{instance / 'egovkit.db'}"
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def query(instance: Path, sql: str):
    url = os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{instance / 'egovkit.db'}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def region_counts(instance: Path) -> dict:
    return dict(query(instance, "SELECT kind, count(*) FROM core_region GROUP BY kind"))


def test_init_banyuwangi_loads_the_real_regions_agencies_and_admin(init_instance):
    path = init_instance("banyuwangi")
    assert region_counts(path) == {"provinsi": 1, "kabupaten": 1, "kecamatan": 25, "desa": 189, "kelurahan": 28}
    assert query(path, "SELECT name FROM core_region WHERE code = '35.10.01.2001'") == [("Sarongan",)]
    assert len(query(path, "SELECT code FROM core_agency WHERE active")) == 14
    assert query(path, "SELECT u.email, r.role, r.region_code FROM core_user u JOIN core_role_assignment r "
                       "ON r.user_id = u.id") == [("admin@localhost", "admin", "35.10")]
    assert {"core_region", "announcements_notice", "alembic_version_announcements"} <= tables(path)
    assert (path / "profile.yaml").read_text() == (Path(__file__).parent.parent / "profiles/banyuwangi.yaml").read_text()
    assert oct((path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_help_lists_the_instance_and_module_commands(cli, monkeypatch):
    """`egovkit --help` in an instance's parent folder, or with --instance, shows what the instance adds."""
    cli("init", "--profile", "banyuwangi")
    monkeypatch.setattr(sys, "argv", ["egovkit", "--help"])
    for args in (["--help"], ["--instance", "instance", "--help"]):
        listed = cli(*args).output
        assert all(f"  {name} " in listed for name in ("residents", "permits", "etax", "users", "db")), listed
        assert "unavailable" not in listed
    Path("elsewhere").mkdir()
    monkeypatch.chdir("elsewhere")
    listed = cli("--help").output  # no instance here: the kit's own commands only
    assert "  init " in listed and "  residents " not in listed


def test_admin_password_is_printed_once_when_not_given(cli, monkeypatch):
    monkeypatch.delenv("EGOVKIT_ADMIN_PASSWORD")
    out = cli("init", "--profile", "batang").output
    password = out.split("password: ")[1].split()[0]
    app = create_app("instance", {"TESTING": True})
    assert login(app.test_client(), password=password).status_code == 302
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("name", ["bandung-barat", "sukoharjo", "manggarai", "batang", "luwu-timur", "sabang"])
def test_every_bundled_profile_inits_with_its_official_region_counts(init_instance, name):
    from egovkit import profile as profiles

    code = profiles.load(profiles.find(name)).regency.code
    expected = {}
    for region in wilayah.subtree(code):
        expected[region.kind] = expected.get(region.kind, 0) + 1
    path = init_instance(name)
    assert region_counts(path) == expected


def test_profile_new_for_any_regency_then_init(cli, init_instance):
    out = cli("profile", "new", "bandung-barat-copy", "--from", "banyuwangi", "--regency", "32.17",
              "--capital", "Ngamprah").output
    assert "Kabupaten Bandung Barat" in out
    text = Path("profiles/bandung-barat-copy.yaml").read_text()
    assert "extends: banyuwangi" in text and "code: '32.17'" in text
    path = init_instance("bandung-barat-copy", "./bandung-barat")
    counts = region_counts(path)
    assert counts["kecamatan"] == 16 and counts["desa"] + counts.get("kelurahan", 0) == 165


def test_profile_new_for_a_city_in_papua_uses_local_words_and_time_zone(cli):
    cli("profile", "new", "jayapura", "--from", "banyuwangi", "--regency", "91.71")
    text = Path("profiles/jayapura.yaml").read_text()
    assert "name: Kota Jayapura" in text and "timezone: Asia/Jayapura" in text
    out = cli("profile", "show", "jayapura").output
    assert "timezone: Asia/Jayapura" in out


def test_profile_new_refuses_unknown_codes_and_existing_files(cli):
    assert "did you mean 32.17?" in cli("profile", "new", "x-y", "--from", "banyuwangi", "--regency", "3217",
                                        expect=2).output
    assert "not a regency or city code" in cli("profile", "new", "x-y", "--from", "banyuwangi",
                                               "--regency", "35.99", expect=2).output
    cli("profile", "new", "x-y", "--from", "banyuwangi", "--regency", "33.11")
    assert "already exists" in cli("profile", "new", "x-y", "--from", "banyuwangi", "--regency", "33.11",
                                   expect=1).output


@pytest.mark.parametrize("broken, message", [
    ("name: bad\nregency: [", "invalid YAML"),
    ("name: bad\nextends: banyuwangi\nmodules:\n  annoucements: {}\n", "bad.yaml:4: modules.annoucements: unknown module"),
    ("name: bad\nextends: banyuwangi\nregency:\n  code: \"35.99\"\n  name: Kabupaten X\n", "bad.yaml:4: regency.code"),
    ("name: bad\nextends: banyuwangi\nlocale: jv\n", "bad.yaml:3: locale: must be one of"),
    ("name: bad\nextends: bad\n", "extends forms a cycle"),
])
def test_broken_profile_exits_2_and_leaves_nothing(cli, broken, message):
    Path("bad.yaml").write_text(broken)
    result = cli("init", "--profile", "bad.yaml", expect=2)
    assert message in result.output
    assert sorted(p.name for p in Path(".").iterdir()) == ["bad.yaml"]
    if os.environ.get("EGOVKIT_DATABASE_URL"):
        assert tables(Path("instance")) == set()
    assert message in cli("profile", "validate", "bad.yaml", expect=2).output


def test_failure_during_init_leaves_no_half_made_instance(cli, monkeypatch):
    from egovkit import setup

    def explode(code, edition=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(setup, "load_regions", explode)
    result = cli("init", "--profile", "banyuwangi", expect=1)
    assert "init failed, nothing was created: disk full" in result.output
    assert list(Path(".").iterdir()) == []
    if os.environ.get("EGOVKIT_DATABASE_URL"):
        assert tables(Path("instance")) == set()


def test_init_refuses_an_existing_instance_unless_forced_and_confirmed(cli, make_instance):
    path = make_instance("banyuwangi")
    assert "--force" in cli("init", "--profile", "sukoharjo", expect=1).output
    cli("init", "--profile", "sukoharjo", "--force", input="n\n", expect=1)
    assert "35.10" in (path / "profile.yaml").read_text()
    cli("init", "--profile", "sukoharjo", "--force", input="y\n")
    assert "33.11" in (path / "profile.yaml").read_text()
    kept = [p for p in Path(".").iterdir() if p.name.startswith("instance.replaced-")]
    assert len(kept) == 1 and "35.10" in (kept[0] / "profile.yaml").read_text()


def set_module(path: Path, enabled: bool):
    profile = yaml.safe_load((path / "profile.yaml").read_text())
    profile["modules"]["announcements"] = {"per_page": 10} if enabled else False
    (path / "profile.yaml").write_text(yaml.safe_dump(profile))


def test_disable_and_enable_a_module_through_upgrade_keeps_its_data(cli, make_instance):
    path = make_instance("banyuwangi", "instance", "--demo")
    before = query(path, "SELECT title FROM announcements_notice ORDER BY id")
    assert len(before) == 3

    set_module(path, False)
    out = cli("upgrade").output
    assert "disabled announcements (its data is kept" in out
    app = create_app(path, {"TESTING": True})
    client = app.test_client()
    assert client.get("/announcements/").status_code == 404
    assert "/announcements/" not in client.get("/").get_data(as_text=True)
    assert "announcements" not in client.get("/healthz").json["modules"]
    with app.app_context():
        db.engine.dispose()
    assert query(path, "SELECT title FROM announcements_notice ORDER BY id") == before

    set_module(path, True)
    assert "re-enabled announcements" in cli("upgrade").output
    client = create_app(path, {"TESTING": True}).test_client()
    page = client.get("/announcements/").get_data(as_text=True)
    assert all(title in page for (title,) in before)


def test_disabled_module_gets_no_tables_and_enabling_it_later_migrates_it(cli):
    Path("p.yaml").write_text("name: lean\nextends: banyuwangi\nmodules:\n  announcements: false\n")
    cli("init", "--profile", "p.yaml")
    path = Path("instance").absolute()
    assert not any(t.startswith("announcements_") for t in tables(path))
    assert create_app(path).test_client().get("/announcements/").status_code == 404

    profile = yaml.safe_load((path / "profile.yaml").read_text())
    profile["modules"]["announcements"] = {}
    (path / "profile.yaml").write_text(yaml.safe_dump(profile))
    assert "database is behind the code (announcements)" in cli("serve", expect=1).output
    out = cli("upgrade").output
    assert "migrations to apply: announcements" in out and "backup:" in out
    assert "announcements_notice" in tables(path)
    if not os.environ.get("EGOVKIT_DATABASE_URL"):
        assert len(list((path / "backups").iterdir())) == 1
    assert "Already up to date." in cli("upgrade").output  # idempotent


def test_upgrade_refuses_a_changed_regency_and_a_broken_profile(cli, make_instance):
    path = make_instance("banyuwangi")
    original = (path / "profile.yaml").read_text()
    (path / "profile.yaml").write_text(original.replace('"35.10"', '"33.11"'))
    assert "this instance serves 35.10" in cli("upgrade", expect=2).output
    (path / "profile.yaml").write_text(original.replace("per_page: 10", "per_page: zero"))
    out = cli("upgrade", expect=2).output
    assert "profile.yaml:" in out and "modules.announcements.per_page" in out


def test_upgrade_without_instance_says_how_to_make_one(cli):
    assert "egovkit init --profile" in cli("upgrade", expect=1).output


def test_modules_list_shows_what_is_enabled(cli, make_instance):
    assert "announcements" in cli("modules", "list").output
    make_instance("banyuwangi")
    line = next(l for l in cli("modules", "list").output.splitlines() if l.startswith("announcements"))
    assert line.split()[:3] == ["announcements", "1.0.0", "yes"]


def test_profile_show_diff_list_describe(cli):
    show = cli("profile", "show", "bandung-barat").output
    assert 'code: \'32.17\'' in show and "diskominfo" in show and "per_page: 10" in show
    diff = cli("profile", "diff", "banyuwangi", "sukoharjo").output
    assert "-  code: '35.10'" in diff and "+  code: '33.11'" in diff
    assert "The profiles are the same." in cli("profile", "diff", "batang", "batang").output
    listing = cli("profile", "list").output
    assert "manggarai" in listing and "53.10" in listing and "(extends banyuwangi)" in listing
    assert "modules.announcements.per_page" in cli("profile", "describe", "announcements").output
    assert "did you mean 'announcements'" in cli("profile", "describe", "anouncements", expect=2).output


def test_db_commands_of_flask_migrate_work_per_module(make_instance):
    # Alembic writes to the real stdout, so this one runs as a separate process.
    import subprocess
    import sys

    make_instance("banyuwangi")

    def run(*args):
        return subprocess.run([sys.executable, "-c", "from egovkit.cli import main; main()", *args],
                              capture_output=True, text=True, check=True).stdout

    assert "announcements_0002 (head)" in run("db", "-x", "module=announcements", "current")
    assert "(head)" in run("db", "current")


def test_module_cli_commands_come_with_the_enabled_module(cli, make_instance):
    make_instance("banyuwangi")
    assert "published #1: Kerja bakti" in cli("announcements", "publish", "--title", "Kerja bakti",
                                                "--body", "Minggu pagi.", "--agency", "dpmd").output
    assert "Kerja bakti" in cli("announcements", "list").output
    assert "no agency 'nope'" in cli("announcements", "publish", "--title", "x", "--body", "y",
                                     "--agency", "nope", expect=2).output
    set_module(Path("instance"), False)
    cli("upgrade")
    assert "No such command 'announcements'" in cli("announcements", "list", expect=2).output


def test_instance_on_an_external_database_says_so_when_the_url_is_missing(cli, make_instance, monkeypatch):
    if not os.environ.get("EGOVKIT_DATABASE_URL"):
        pytest.skip("needs EGOVKIT_TEST_DATABASE_URL")
    make_instance("banyuwangi")
    state = (Path("instance") / "instance.json").read_text()
    assert '"database": "postgresql' in state
    monkeypatch.delenv("EGOVKIT_DATABASE_URL")
    assert "set EGOVKIT_DATABASE_URL" in cli("upgrade", expect=1).output


def test_init_refuses_bad_admin_email_and_weak_password(cli, monkeypatch):
    assert "--admin-email: '@' is not an email address" in cli("init", "--profile", "batang", "--admin-email", "@",
                                                               expect=2).output
    monkeypatch.setenv("EGOVKIT_ADMIN_PASSWORD", "pw")
    assert "EGOVKIT_ADMIN_PASSWORD: at least 10 characters" in cli("init", "--profile", "batang", expect=2).output
    assert list(Path(".").iterdir()) == []


def test_init_refuses_a_file_as_instance_folder(cli):
    Path("afile").write_text("x")
    assert "is a file, not a folder" in cli("init", "--profile", "batang", "--instance", "afile", expect=2).output


def test_upgrade_shows_what_changed_in_the_resolved_profile(cli, make_instance):
    path = make_instance("banyuwangi")
    profile = yaml.safe_load((path / "profile.yaml").read_text())
    profile["modules"]["announcements"]["per_page"] = 25
    (path / "profile.yaml").write_text(yaml.safe_dump(profile))
    out = cli("upgrade").output
    assert "-    per_page: 10" in out and "+    per_page: 25" in out
    assert "profile changes" not in cli("upgrade").output


def test_serve_refuses_a_database_newer_than_the_kit(cli, make_instance):
    path = make_instance("banyuwangi")
    query(path, "UPDATE alembic_version_core SET version_num = 'core_9999'")
    assert "newer than this kit (core)" in cli("serve", expect=1).output
    assert "newer than this kit for core" in cli("upgrade", expect=2).output


def test_a_sqlite_instance_refuses_a_stray_database_url(cli, make_instance, monkeypatch):
    if os.environ.get("EGOVKIT_DATABASE_URL"):
        pytest.skip("SQLite instances only")
    make_instance("banyuwangi")
    monkeypatch.setenv("EGOVKIT_DATABASE_URL", "postgresql+psycopg://someone:secret@elsewhere/other")
    out = cli("upgrade", expect=1).output
    assert "uses its own SQLite file" in out and "secret" not in out


def test_forced_init_on_postgresql_backs_up_the_old_tables_first(cli, make_instance):
    if not os.environ.get("EGOVKIT_DATABASE_URL"):
        pytest.skip("needs EGOVKIT_TEST_DATABASE_URL")
    path = make_instance("banyuwangi")
    query(path, "CREATE TABLE core_settings (id integer)")  # not ours: must survive
    out = cli("init", "--profile", "sukoharjo", "--force", "--yes").output
    assert "the old database was saved to before-init-" in out
    kept = next(p for p in Path(".").iterdir() if p.name.startswith("instance.replaced-"))
    dump = next((kept / "backups").glob("before-init-*.pgdump"))
    assert dump.stat().st_size > 1000
    assert "core_settings" in tables(path)
    assert region_counts(path)["kecamatan"] == 12


def test_init_copies_the_logo_from_beside_the_profile(cli):
    Path("brand").mkdir()
    Path("brand/logo.png").write_bytes(b"\x89PNG\r\n\x1a\nlogo")
    Path("brand/p.yaml").write_text("name: with-logo\nextends: banyuwangi\nregency:\n  code: \"35.10\"\n"
                                    "  name: Kabupaten Banyuwangi\n  logo: logo.png\n")
    cli("init", "--profile", "brand/p.yaml")
    assert Path("instance/logo.png").read_bytes().endswith(b"logo")
    client = create_app("instance").test_client()
    assert client.get("/logo").data.endswith(b"logo")
    Path("brand/q.yaml").write_text("name: no-logo\nextends: banyuwangi\nregency:\n  code: \"35.10\"\n"
                                    "  name: Kabupaten Banyuwangi\n  logo: missing.png\n")
    assert "regency.logo: missing.png is not beside the profile" in cli("init", "--profile", "brand/q.yaml",
                                                                        "--instance", "other", expect=2).output
    Path("brand/r.yaml").write_text("name: bad-logo\nextends: banyuwangi\nregency:\n  code: 32.17\n"
                                    "  name: Kabupaten X\n  logo: secret_key\n")
    out = cli("profile", "validate", "brand/r.yaml", expect=2).output
    assert 'regency.code: must be text: write it in quotes, e.g. "32.17"' in out
    assert "regency.logo: 'secret_key' does not have the expected form" in out


def test_demo_notices_can_be_removed_after_a_demo_init(cli, make_instance):
    make_instance("banyuwangi", "instance", "--demo")
    cli("announcements", "publish", "--title", "Nyata", "--body", "Bukan demo.")
    cli("announcements", "delete", "--demo", input="n\n", expect=1)
    assert "deleted 3 notice(s)" in cli("announcements", "delete", "--demo", "--yes").output
    assert [line.split()[-1] for line in cli("announcements", "list").output.splitlines()] == ["Nyata"]


def test_local_words_on_region_pages(make_instance):
    path = make_instance("sabang")
    page = create_app(path).test_client().get("/wilayah/11.72.01").get_data(as_text=True)
    assert "gampong" in page and "Kota Sabang" in page


def test_profile_new_writes_only_valid_profiles_and_never_replaces_bundled_ones(cli, monkeypatch):
    from egovkit import profile as profiles

    out = cli("profile", "new", "banyuwangi", "--from", "banyuwangi", "--regency", "35.10", expect=2).output
    assert "cannot extend itself" in out and not Path("profiles/banyuwangi.yaml").exists()
    cli("profile", "new", "kota-baru", "--from", "banyuwangi", "--regency", "33.11", "--capital", "Kota: Baru #1")
    assert profiles.load(Path("profiles/kota-baru.yaml")).regency.capital == "Kota: Baru #1"
    Path("mine").mkdir()
    Path("mine/base.yaml").write_text("name: my-base\nextends: banyuwangi\n")
    cli("profile", "new", "from-path", "--from", "mine/base.yaml", "--regency", "33.25")
    assert profiles.load(Path("profiles/from-path.yaml")).schema.extends == "../mine/base.yaml"
    monkeypatch.chdir(Path(profiles.bundled_dir()).parent)  # a source checkout: ./profiles is the bundled folder
    out = cli("profile", "new", "bandung-barat", "--from", "banyuwangi", "--regency", "32.17", "--force",
              expect=2).output
    assert "bandung-barat is a bundled profile: use it as it is" in out


def test_instance_commands_without_an_instance_say_so(cli):
    out = cli("db", "current", expect=2).output
    assert "need an instance, and there is none at" in out

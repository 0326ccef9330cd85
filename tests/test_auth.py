"""People and permissions: NIK checks, accounts from the CLI, citizen
registration, sign-in by email or NIK, throttling, profile permissions."""
from datetime import date
from pathlib import Path

import pytest

from egovkit import profile as profiles
from egovkit.app import create_app
from egovkit.auth.nik import NikError, check_kk, check_nik, parse_nik

from .conftest import csrf_token, login

# 35.10.01 = Kec. Pesanggaran; born 17-08-1990; woman: 17 + 40 = 57
WOMAN = "3510015708900001"
MAN = "3510011708900002"


def test_nik_structure():
    assert parse_nik(WOMAN) == ("35.10.01", date(1990, 8, 17), "P")
    assert parse_nik(MAN) == ("35.10.01", date(1990, 8, 17), "L")
    assert check_nik(WOMAN, date(1990, 8, 17), "P") == "35.10.01"
    assert parse_nik("3510011708050001")[1] == date(2005, 8, 17)


@pytest.mark.parametrize("nik, message", [
    ("351001170890001", "exactly 16 digits"),
    ("35100117089000a1", "exactly 16 digits"),
    ("9910011708900001", "not a district code"),
    ("3510013208900001", "not a valid date"),
    ("3510011713900001", "not a valid date"),
    ("3510011708900000", "serial"),
])
def test_nik_refusals(nik, message):
    with pytest.raises(NikError, match=message):
        parse_nik(nik)


def test_nik_must_agree_with_the_record():
    with pytest.raises(NikError, match="born 17-08-90"):
        check_nik(WOMAN, date(1990, 8, 18), "P")
    with pytest.raises(NikError, match="does not match the sex"):
        check_nik(WOMAN, date(1990, 8, 17), "L")
    assert check_kk("3510010101200003") == "35.10.01"
    with pytest.raises(NikError):
        check_kk("3510013101200003"[:15])


@pytest.fixture
def instance(make_instance):
    return make_instance("banyuwangi")


def test_users_create_scoped_roles_and_refuse_wrong_scopes(cli, instance):
    out = cli("users", "create", "--email", "op@sarongan.desa.id", "--name", "Siti", "--role", "operator_desa",
              "--region", "35.10.01.2001").output
    assert "created op@sarongan.desa.id (operator_desa@35.10.01.2001)" in out and "password: " in out
    assert "not a village of this instance" in cli("users", "create", "--email", "x@y.id", "--name", "X", "--role",
                                                   "operator_desa", "--region", "35.10.01", expect=2).output
    assert "not a district of this instance" in cli("users", "create", "--email", "c@y.id", "--name", "C", "--role",
                                                    "camat", "--region", "33.11.01", expect=2).output
    assert "tied to one agency" in cli("users", "create", "--email", "s@y.id", "--name", "S", "--role",
                                       "opd_staff", expect=2).output
    assert "unknown role 'lurah'" in cli("users", "create", "--email", "l@y.id", "--name", "L", "--role",
                                         "lurah", expect=2).output
    assert "exists already" in cli("users", "create", "--email", "OP@sarongan.desa.id", "--name", "S2",
                                   "--role", "citizen", expect=1).output
    cli("users", "create", "--email", "staf@dinsos.id", "--name", "Budi", "--role", "opd_staff", "--agency", "dinsos")
    cli("users", "grant", "staf@dinsos.id", "--role", "camat", "--region", "35.10.02")
    listing = cli("users", "list").output
    assert "opd_staff@dinsos, camat@35.10.02" in listing
    cli("users", "revoke", "staf@dinsos.id", "--role", "camat")
    assert "camat" not in cli("users", "list", "--role", "opd_staff").output


def test_disable_and_reset_password(cli, instance):
    client = create_app(instance, {"TESTING": True}).test_client()
    cli("users", "create", "--email", "op@desa.id", "--name", "Siti", "--role", "operator_desa",
        "--region", "35.10.01.2001", "--password-stdin", input="sandi-rahasia-1\n")
    assert login(client, "op@desa.id", "sandi-rahasia-1").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    cli("users", "disable", "op@desa.id")
    assert login(client, "op@desa.id", "sandi-rahasia-1").status_code == 400
    cli("users", "enable", "op@desa.id")
    password = cli("users", "reset-password", "op@desa.id").output.split("password: ")[1].split()[0]
    assert login(client, "op@desa.id", "sandi-rahasia-1").status_code == 400
    assert login(client, "op@desa.id", password).status_code == 302
    assert "at least 10 characters" in cli("users", "reset-password", "op@desa.id", "--password-stdin",
                                           input="short\n", expect=2).output


def test_users_import_creates_every_account_or_none_and_names_each_wrong_line(cli, instance):
    """A regency onboarding its desa operators and camat from one spreadsheet: a file with one wrong line
    creates nobody and the rejects file names each wrong line and field; the corrected file creates all,
    each with its own password printed once, which signs in."""
    import csv as csvmod

    header = "email,nik,name,role,region,agency\n"
    good = ["op.sarongan@desa.id,,Siti Aminah,operator_desa,35.10.01.2001,",
            "camat@pesanggaran.id,,Drs. Bambang,camat,35.10.01,",
            "staf@dinsos.id,,Rina,opd_staff,,dinsos"]
    bad = ["OP.sarongan@desa.id,,Siti Lagi,operator_desa,35.10.01.2002,",  # the same email as line 2
           "x@desa.id,,X,operator_desa,35.10.01,",                          # a district, not a village
           "y@desa.id,3510019999900001,Y,citizen,,",                       # not a NIK
           ",,Z,lurah,,"]                                                   # no email or NIK, unknown role
    Path("staff.csv").write_text(header + "\n".join(good + bad) + "\n", encoding="utf-8")
    out = cli("users", "import", "staff.csv", expect=1).output
    assert "4 of 7 line(s) cannot be used, so no account was created" in out
    assert "op.sarongan@desa.id" not in cli("users", "list").output
    rejects = {row["line"]: row["reason"] for row in csvmod.DictReader(open("staff.rejects.csv", encoding="utf-8"))}
    assert rejects == {"5": "email: op.sarongan@desa.id is on line 2 too",
                       "6": "region: 35.10.01 is not a village of this instance",
                       "7": rejects["7"], "8": "email: give an email or a NIK"}
    assert rejects["7"].startswith("nik: ")

    Path("staff.csv").write_text(header + "\n".join(good) + "\n", encoding="utf-8")
    out = cli("users", "import", "staff.csv").output
    assert "3 account(s) created" in out
    listing = cli("users", "list").output
    assert "operator_desa@35.10.01.2001" in listing and "camat@35.10.01" in listing and "opd_staff@dinsos" in listing
    password = out.split("created op.sarongan@desa.id (operator_desa@35.10.01.2001)  password: ")[1].split()[0]
    client = create_app(instance, {"TESTING": True}).test_client()
    assert login(client, "op.sarongan@desa.id", password).status_code == 302
    assert "3 of 3 line(s) cannot be used" in cli("users", "import", "staff.csv", expect=1).output  # run again
    assert "email: an account with op.sarongan@desa.id exists already" in Path("staff.rejects.csv").read_text()
    Path("odd.csv").write_text("email,name,role,password\nq@desa.id,Q,citizen,secret\n", encoding="utf-8")
    assert "odd.csv:1: unknown column(s) password" in cli("users", "import", "odd.csv", expect=1).output


def register(client, **fields):
    data = {"nik": WOMAN, "name": "Sri Wahyuni", "birth_date": "1990-08-17", "sex": "P", "phone": "081234567890",
            "email": "", "password": "kata-sandi-panjang", "confirm": "kata-sandi-panjang"}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/register")
    return client.post("/register", data=data)


def test_citizen_registers_with_nik_and_signs_in_once_activated(app, client, cli):
    bad = register(client, birth_date="1990-08-18")
    assert bad.status_code == 400 and "NIK tidak sesuai dengan tanggal lahir" in bad.get_data(as_text=True)
    assert register(client, phone="").status_code == 400
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"].startswith("/activate")
    assert "Sri Wahyuni" not in client.get("/").get_data(as_text=True)  # not signed in by registering
    # This NIK is in no village register (no phone to send a code to): the administrator activates it,
    # having seen the KTP, and hands over a new password.
    assert "[pending]" in cli("users", "list").output
    cli("users", "activate", WOMAN, "--password-stdin", input="sandi-dari-kantor\n")
    other = app.test_client()
    again = register(other)  # the same answer as for a new NIK; the account is left alone
    assert again.status_code == 302 and again.headers["Location"] == response.headers["Location"]
    assert login(other, WOMAN, "kata-sandi-panjang").status_code == 400  # the registration password was replaced
    assert login(other, WOMAN, "sandi-dari-kantor").status_code == 302
    assert "Sri Wahyuni" in other.get("/").get_data(as_text=True)
    assert cli("users", "activate", WOMAN, expect=1).output.endswith("is not pending\n")


def test_login_is_throttled_after_five_failures(client):
    for _ in range(5):
        assert login(client, password="wrong password").status_code == 400
    response = login(client)  # the right password, but locked for now
    assert response.status_code == 429
    assert "Terlalu banyak" in response.get_data(as_text=True)


def test_profile_permissions_must_name_known_permissions_and_roles():
    Path("p.yaml").write_text("name: p1\nextends: banyuwangi\npermissions:\n  announcements.publsh: [camat]\n"
                              "  announcements.publish: [lurah]\n")
    with pytest.raises(profiles.ProfileError) as info:
        profiles.load(Path("p.yaml"))
    messages = [str(p) for p in info.value.problems]
    assert "p.yaml:4: permissions.announcements.publsh: unknown permission (of the core or an enabled module) " \
           "(did you mean 'announcements.publish'?)" in messages
    assert "p.yaml:5: permissions.announcements.publish: unknown role 'lurah'" in messages


def test_profile_can_add_roles_and_grant_permissions():
    Path("p.yaml").write_text("name: p2\nextends: banyuwangi\nroles:\n  lurah: {scope: village, title: {id: Lurah, "
                              "en: Urban village head}}\npermissions:\n  announcements.publish: [lurah]\n")
    prof = profiles.load(Path("p.yaml"))
    assert "lurah" in prof.roles and "camat" in prof.roles
    assert prof.roles_with("announcements.publish") == {"admin", "lurah"}
    assert profiles.load(profiles.find("banyuwangi")).roles_with("announcements.publish") == {"admin"}


def test_passwords_are_hashed_with_argon2id_at_its_recommended_cost(monkeypatch):
    """The suite hashes with the cheapest parameters (conftest); the kit itself uses RFC 9106's
    low-memory profile: 64 MiB, 3 passes, 4 lanes."""
    from argon2 import PasswordHasher

    from egovkit.auth import passwords

    monkeypatch.setattr(passwords, "_hasher", passwords.PasswordHasher())
    stored = passwords.hash_password("sandi-kuat-sekali")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify(stored, "sandi-kuat-sekali") and not passwords.verify(stored, "sandi-salah-sekali")
    assert PasswordHasher().check_needs_rehash(stored) is False

"""Ready for the village office counter (issue #14): what a person at the desk or on a phone meets first.
Links that lead somewhere, cards a viewer may open, verdicts seen first, one way to type money, a question
before what cannot be undone, Indonesian messages."""
import re

import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_letters import citizen
from .test_permits import PASSWORD, STAFF, apply, staff


@pytest.fixture
def regency(cli, make_instance):
    """Banyuwangi with the one-stop office's, the health agency's and the revenue agency's staff."""
    make_instance("banyuwangi")
    for email, role, agency in STAFF:
        cli("users", "create", "--email", email, "--name", email.split("@")[0], "--role", role, "--agency", agency,
            "--password-stdin", input=PASSWORD + "\n")
    return create_app("instance", {"TESTING": True, "EGOVKIT_PUBLIC_URL": "https://layanan.banyuwangikab.example"})


def links(html: str) -> list[str]:
    return sorted({h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"]*)"', html)
                   if not h.startswith(("/static/", "/lang/"))})


def test_every_link_on_the_admin_announcements_and_permits_lists_answers(regency, cli):
    """An administrator walks the lists and everything they link to: nothing answers 404 (notices published
    without a PDF, from the command line or as demo data, offer none; the applications the administrator does
    not handle are not listed)."""
    for n in range(3):
        cli("announcements", "publish", "--title", f"Kerja bakti {n}", "--body", "Minggu pagi.")
    sri = citizen(regency)
    assert apply(sri).status_code == 302
    admin = regency.test_client()
    login(admin)
    made = admin.post("/announcements/new", data={"title": "Jadwal vaksinasi", "body": "Puskesmas buka Sabtu.",
                                                  "agency_code": "", "csrf_token": csrf_token(admin, "/announcements/new")})
    assert made.status_code == 302
    seen, broken = set(), []
    walk = [(start, "", 0) for start in ("/", "/announcements/", "/announcements/drafts", "/izin/", "/admin/payments",
                                        "/admin/workflows", "/inbox")]
    while walk:  # the lists, what they link to, and (for notices and applications) one step further
        href, source, depth = walk.pop(0)
        if href in seen:
            continue
        seen.add(href)
        answer = admin.get(href)
        if answer.status_code != 200:
            broken.append((source, href, answer.status_code))
        elif "text/html" in answer.content_type and (depth == 0 or (depth == 1 and href.startswith(
                ("/announcements/", "/izin/")))):
            walk += [(deeper, href, depth + 1) for deeper in links(answer.get_data(as_text=True))]
    assert {"/announcements/1", "/announcements/3"} <= seen
    assert made.headers["Location"] + "/pdf" in seen  # the one published with its PDF offers it
    assert not broken, broken
    assert not [h for h in seen if re.fullmatch(r"/izin/\d+", h)]  # none listed for the administrator
    assert "Warung Osing Bu Sri" in staff(regency, "fo@dpmptsp.id").get("/izin/").get_data(as_text=True)


def test_a_tampered_copy_is_told_first_in_red_and_no_green_box_stands_above_it(client, app):
    from .test_documents import document, issue, publish, verify

    record = publish(client)
    pdf = issue(client, record)
    code, _ = document(app, record)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    page = verify(client, code, bytes(changed)).split('<main', 1)[1]
    boxes = re.findall(r'<p class="(flash[^"]*)"[^>]*>(.*?)</p>', page, re.S)
    assert boxes[0][0] == "flash error verdict" and "TIDAK asli" in boxes[0][1]
    assert all("error" in kind for kind, _text in boxes)  # nothing green on the page of a forgery
    assert page.index("TIDAK asli") < page.index("<table")  # before the record's facts
    genuine = verify(client, code, pdf).split('<main', 1)[1]
    first = re.search(r'<p class="(flash[^"]*)"[^>]*>(.*?)</p>', genuine, re.S)
    assert first.group(1) == "flash verdict" and "Asli" in first.group(2)


def cards(client) -> dict[str, str]:
    html = client.get("/").get_data(as_text=True)
    return dict((title, href) for href, title in re.findall(
        r'<li class="card">\s*<h3><a href="([^"]+)">([^<]+)</a></h3>', html))


def test_home_shows_a_card_only_for_what_the_viewer_may_open(regency, cli):
    """Per role, every card on the home page leads to a page that opens (no 403, no sign-in wall); a module
    with nothing for the viewer has no card."""
    from .test_workflow import people

    people(cli)
    operator = staff(regency, "op.sarongan@desa.id")
    admin = regency.test_client()
    login(admin)
    viewers = {"anonymous": regency.test_client(), "citizen": citizen(regency), "operator": operator,
               "admin": admin, "front office": staff(regency, "fo@dpmptsp.id")}
    seen = {}
    for role, client in viewers.items():
        seen[role] = cards(client)
        assert seen[role], role
        for title, href in seen[role].items():
            answer = client.get(href, follow_redirects=True)  # an operator's budgets open on their village
            assert answer.status_code == 200 and answer.request.path != "/login", (role, title, href)
    assert "Pajak Daerah" not in seen["anonymous"]  # nothing of it is public
    assert "Pajak Daerah" in seen["admin"]
    assert seen["citizen"]["Keuangan Desa"] == "/apbdes/public"  # the public budgets, not the desk's page
    assert seen["operator"]["Keuangan Desa"] == "/apbdes/"

"""Weight of the portal home: the bytes of HTML, stylesheets, scripts and images a first visit needs, against
the 50 KB a home page may weigh on a phone on a slow link (issue #18).

    python bench/page_weight.py [--profile banyuwangi]

Makes a throwaway demo instance, reads the home as a visitor without a session through the app (no server),
follows every stylesheet, script, icon and image the page names and adds up their bytes (uncompressed: what a
proxy that does not compress sends). Measured twice: as `init --demo` leaves it, and with a logo and a banner
at the largest sizes /admin/portal accepts (egovkit.web.portal.LOGO_BYTES, BANNER_BYTES), the worst a regency
can make it. Prints each part and the total as a share of the limit. Exits 0 either way (a measurement);
1 when a resource does not answer 200.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

LIMIT = 50 * 1024
ASSETS = re.compile(r'<(?:link[^>]+rel="(?:stylesheet|icon)"[^>]+href|img[^>]+src|script[^>]+src)="([^"]+)"')


def weigh(client) -> list[tuple[str, int]]:
    home = client.get("/")
    if home.status_code != 200:
        raise SystemExit(f"/ answered {home.status_code}")
    parts = [("/ (HTML)", len(home.data))]
    for url in dict.fromkeys(u.replace("&amp;", "&") for u in ASSETS.findall(home.get_data(as_text=True))):
        answer = client.get(url)
        if answer.status_code == 301:  # /favicon.ico and the like
            answer = client.get(answer.headers["Location"])
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")
        parts.append((url, len(answer.data)))
    return parts


def largest_images(app) -> None:
    """A logo and a banner as heavy as the admin page accepts, saved as it saves them."""
    from egovkit.db import db
    from egovkit.models import PortalHome
    from egovkit.services import uploads
    from egovkit.web import portal

    with app.app_context():
        folder = uploads.folder(portal.FOLDER)
        names = {}
        for kind, size in (("logo", portal.LOGO_BYTES), ("banner", portal.BANNER_BYTES)):
            name = secrets.token_hex(12) + ".png"
            (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (size - 8))
            names[kind] = name
        db.session.add(PortalHome(id=1, logo=names["logo"], banner=names["banner"], banner_size="1200x300",
                                  welcome="Selamat datang di layanan publik daerah kami. " * 8,
                                  hours="Senin-Kamis 07.30-15.30\nJumat 07.30-11.00\nSabtu 08.00-12.00",
                                  address="Jl. Ahmad Yani No. 100", phone="(0333) 425001",
                                  email="layanan@example.go.id"))
        db.session.commit()


def report(title: str, parts: list[tuple[str, int]]) -> None:
    total = sum(n for _, n in parts)
    print(f"\n{title}")
    for url, n in parts:
        print(f"  {n:>8,} B  {url[:90]}")
    print(f"  {total:>8,} B  total = {total / LIMIT:.0%} of the {LIMIT // 1024} KB limit"
          f" ({'within' if total <= LIMIT else 'OVER'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="banyuwangi")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="egovkit-weight-"))
    try:
        os.environ.setdefault("EGOVKIT_ADMIN_PASSWORD", secrets.token_urlsafe(16))
        from click.testing import CliRunner

        from egovkit.app import create_app
        from egovkit.cli import main as cli

        result = CliRunner().invoke(cli, ["init", "--profile", args.profile, "--instance", str(tmp / "i"), "--demo"])
        if result.exit_code:
            raise SystemExit(result.output)
        app = create_app(tmp / "i")
        report(f"home of {args.profile} as init --demo leaves it", weigh(app.test_client()))
        largest_images(app)
        app = create_app(tmp / "i")  # a fresh process's caches
        report("with the largest logo and banner /admin/portal accepts", weigh(app.test_client()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

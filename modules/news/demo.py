"""Demo articles for `egovkit init --demo`, clearly marked as demo."""
from datetime import timedelta

from flask import current_app

from egovkit.db import db
from egovkit.models import utcnow

from .models import Article

ARTICLES = [
    ("[DEMO] Mal pelayanan publik buka Sabtu", "Layanan perizinan dan kependudukan kini juga pada hari Sabtu.",
     "Mulai bulan ini mal pelayanan publik melayani warga setiap Sabtu pukul 08.00 sampai 12.00.", "diskominfo"),
    ("[DEMO] Festival daerah tahun ini", "Kalender acara daerah telah terbit.",
     "Kalender acara dan festival tahun ini dapat dilihat di halaman Wisata.", "disbudpar"),
]


def seed(app=None):
    agencies = {a.code for a in current_app.extensions["egovkit"].profile.agencies}
    for days, (title, summary, body, agency) in enumerate(ARTICLES):
        db.session.add(Article(title=title, summary=summary, body=body,
                               agency_code=agency if agency in agencies else None,
                               published_at=utcnow() - timedelta(days=days), demo=True))

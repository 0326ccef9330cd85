"""Demo notices for `egovkit init --demo`, clearly marked as demo."""
from datetime import timedelta

from flask import current_app

from egovkit.db import db
from egovkit.models import utcnow

from .models import Notice

NOTICES = [
    ("[DEMO] Pelayanan surat keterangan kini di kantor desa",
     "Warga dapat mengurus surat keterangan di kantor desa masing-masing tanpa ke kabupaten.", "dpmd"),
    ("[DEMO] Jadwal pelayanan perizinan terpadu",
     "Mal pelayanan publik buka Senin sampai Jumat pukul 08.00 sampai 15.00.", "dpmptsp"),
    ("[DEMO] Pembayaran PBB-P2 tahun ini",
     "Pajak bumi dan bangunan dapat dibayar di bank dan kantor pos yang ditunjuk.", "bapenda"),
]


def seed(app=None):
    agencies = {a.code for a in current_app.extensions["egovkit"].profile.agencies}
    for days, (title, body, agency) in enumerate(NOTICES):
        db.session.add(Notice(title=title, body=body, agency_code=agency if agency in agencies else None,
                              published_at=utcnow() - timedelta(days=days), demo=True))

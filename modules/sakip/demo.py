"""Demo plans for `egovkit init --demo`: the regency's RPJMD key indicators at the planning agency and the
Renstra of Diskominfo and Dinas Kesehatan, with targets (marked as demo plans). Realisations are entered and
verified through the pages (they carry evidence and a case), so none are made here."""
from decimal import Decimal

from flask import current_app

from egovkit.db import db

from .models import Goal, Indicator, Plan, Target

# agency -> [(tujuan, sasaran, [(code, name, unit, direction, aggregation, baseline, first target, step)])]
PLANS = {
    "regency": [
        (("T1", "Meningkatkan kualitas sumber daya manusia"),
         ("S1.1", "Meningkatnya derajat kesehatan masyarakat"),
         [("IKU-1", "Indeks Pembangunan Manusia", "poin", "up", "last", "72,10", "72,60", "0,40"),
          ("IKU-2", "Prevalensi stunting", "%", "down", "last", "18,5", "16", "-2")]),
        (("T2", "Mewujudkan tata kelola pemerintahan yang baik"),
         ("S2.1", "Meningkatnya akuntabilitas kinerja"),
         [("IKU-3", "Nilai SAKIP kabupaten", "nilai", "up", "last", "78", "80", "1"),
          ("IKU-4", "Indeks SPBE", "indeks", "up", "last", "3,6", "3,8", "0,1")]),
    ],
    "diskominfo": [
        (("T1", "Mewujudkan pemerintahan digital yang terpadu"),
         ("S1.1", "Meningkatnya layanan publik berbasis elektronik"),
         [("IKU-1", "Persentase layanan publik yang daring", "%", "up", "last", "60", "70", "5"),
          ("IKU-2", "Waktu pemulihan gangguan layanan", "jam", "down", "average", "8", "6", "-1")]),
    ],
    "dinkes": [
        (("T1", "Meningkatkan derajat kesehatan masyarakat"),
         ("S1.1", "Menurunnya angka kematian dan kesakitan"),
         [("IKU-1", "Jumlah kematian ibu melahirkan", "kasus", "down", "sum", "12", "11", "-1"),
          ("IKU-2", "Cakupan imunisasi dasar lengkap", "%", "up", "last", "88", "90", "2")]),
    ],
}


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def seed(app=None):
    settings = current_app.extensions["egovkit"].profile.modules["sakip"]
    agencies = {a.code for a in current_app.extensions["egovkit"].profile.agencies}
    for key, goals in PLANS.items():
        agency = settings.planning_agency if key == "regency" else key
        if agency not in agencies:
            continue
        plan = Plan(agency_code=agency, level="regency" if key == "regency" else "agency", demo=True,
                    first_year=settings.rpjmd_first_year, last_year=settings.rpjmd_last_year)
        db.session.add(plan)
        db.session.flush()
        for (t_code, t_name), (s_code, s_name), indicators in goals:
            tujuan = Goal(plan_id=plan.id, agency_code=agency, level="tujuan", code=t_code, name=t_name)
            db.session.add(tujuan)
            db.session.flush()
            sasaran = Goal(plan_id=plan.id, agency_code=agency, level="sasaran", parent_id=tujuan.id, code=s_code,
                           name=s_name)
            db.session.add(sasaran)
            db.session.flush()
            for code, name, unit, direction, aggregation, baseline, first, step in indicators:
                ind = Indicator(plan_id=plan.id, goal_id=sasaran.id, agency_code=agency, code=code, name=name,
                                unit=unit, direction=direction, aggregation=aggregation, baseline=_dec(baseline))
                db.session.add(ind)
                db.session.flush()
                for n, year in enumerate(plan.years):
                    db.session.add(Target(indicator_id=ind.id, year=year, value=_dec(first) + n * _dec(step)))

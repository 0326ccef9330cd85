"""Demo musrenbang proposals, ceilings and a draft Renja for `init --demo`, titles marked [DEMO]: in the first
districts of the regency, proposals at each step (one rejected with its reason, one funded by its village, a
DPRD member's), and the road agency's draft plan holding an accepted proposal. Every figure is made up."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from egovkit.db import db
from egovkit.models import Region, utcnow
from egovkit.services import workflow
from egovkit.services.workflow import Case, Step

from . import codes
from .models import Ceiling, Line, Proposal, Renja

# title, sub-kegiatan (edition 050-5889/2021), agency, estimate, where it ended, note
PROPOSALS = (
    ("[DEMO] Pengaspalan jalan dusun", "1.03.10.2.01.0032", "dpupr", 450_000_000, "accepted", None),
    ("[DEMO] Saluran drainase jalan desa", "1.03.06.2.01.0029", "dpupr", 180_000_000, "assigned", None),
    ("[DEMO] Rehabilitasi jembatan penghubung dusun", "1.03.10.2.01.0040", "dpupr", 650_000_000, "bappeda", None),
    ("[DEMO] Posyandu keliling balita", None, None, 35_000_000, "district", None),
    ("[DEMO] Gedung serbaguna desa", None, None, 900_000_000, "rejected",
     "Bukan kewenangan kabupaten: diusulkan lewat Dana Desa."),
    ("[DEMO] Sumur bor air bersih", None, None, 60_000_000, "self_funded", "RKPDes 2027 no. 3"),
)
CEILINGS = {"dpupr": 25_000_000_000, "dinkes": 18_000_000_000, "dinsos": 6_000_000_000, "bappeda": 4_000_000_000}


def _villages(limit: int) -> list[tuple[str, str, str]]:
    regency = current_app.extensions["egovkit"].profile.regency.code
    district = db.aliased(Region)
    return db.session.execute(select(Region.code, Region.parent_code, Region.name)
                              .join(district, district.code == Region.parent_code)
                              .where(Region.level == "village", district.parent_code == regency)
                              .order_by(Region.code).limit(limit)).all()


def _case(item: Proposal, state: str, path: list[tuple[str, str, str | None]]) -> None:
    now = utcnow()
    final = state in ("accepted", "rejected", "self_funded")
    case = Case(workflow="planning.proposal", state=state, version=len(path) + 1, module="planning",
                record_id=str(item.id), title=item.title, region_code=item.village_code,
                agency_code="bappeda" if state in ("bappeda", "assigned", "accepted", "rejected") else None,
                created_at=now, state_since=now, closed=final)
    db.session.add(case)
    db.session.flush()
    db.session.add(Step(case_id=case.id, transition="start", from_state=None, to_state="district", actor="demo",
                        data="{}"))
    for transition, to_state, note in path:
        db.session.add(Step(case_id=case.id, transition=transition, from_state=None, to_state=to_state,
                            actor="demo", note=note, data="{}"))
    item.case_id = case.id


def seed(app=None) -> None:
    agencies = {a.code for a in current_app.extensions["egovkit"].profile.agencies}
    year = datetime.now(ZoneInfo(current_app.extensions["egovkit"].profile.timezone)).year + 1
    villages = _villages(len(PROPOSALS) + 1)
    if len(villages) < len(PROPOSALS) + 1 or not {"dpupr", "bappeda"} <= agencies:
        return  # a profile without the agencies or villages the demo speaks of
    steps = {"district": [], "bappeda": [("forward", "bappeda", None)],
             "assigned": [("forward", "bappeda", None), ("assign", "assigned", None)],
             "accepted": [("forward", "bappeda", None), ("assign", "assigned", None), ("accept", "accepted", None)],
             "rejected": [("forward", "bappeda", None), ("reject", "rejected", None)],
             "self_funded": [("self_fund", "self_funded", None)]}
    accepted = None
    for n, (title, code, agency, estimate, state, note) in enumerate(PROPOSALS):
        village, district, name = villages[n]
        item = Proposal(tracking_code=workflow.tracking_code(), year=year, source="desa", title=f"{title} {name}",
                        problem="[DEMO] Usulan hasil musyawarah desa (contoh).", village_code=village,
                        district_code=district, latitude=-8.2 - n * 0.03, longitude=114.3 + n * 0.02,
                        estimate=estimate, priority=n % 3 + 1, district_rank=n + 1 if state != "district" else None,
                        photos="[]", self_funded=state == "self_funded",
                        rkpdes_ref=note if state == "self_funded" else None,
                        agency_code=agency if state in ("assigned", "accepted") else None,
                        subactivity_code=code if state in ("assigned", "accepted") else None,
                        rkpd_year=year if state in ("assigned", "accepted") else None, created_at=utcnow())
        db.session.add(item)
        db.session.flush()
        path = [(t, s, note if s in ("rejected", "self_funded") else None) for t, s, _n in steps[state]]
        _case(item, state, path)
        if state == "accepted":
            accepted = item
    village, district, name = villages[len(PROPOSALS)]
    pokir = Proposal(tracking_code=workflow.tracking_code(), year=year, source="pokir",
                     proposer="[DEMO] Anggota DPRD Dapil 1", title=f"[DEMO] Lampu penerangan jalan {name}",
                     problem="[DEMO] Pokok pikiran DPRD (contoh).", village_code=village, district_code=district,
                     latitude=-8.4, longitude=114.2, estimate=120_000_000, priority=1, photos="[]",
                     self_funded=False, created_at=utcnow())
    db.session.add(pokir)
    db.session.flush()
    _case(pokir, "bappeda", [("pokir", "bappeda", pokir.proposer)])
    for agency, amount in CEILINGS.items():
        if agency in agencies:
            db.session.add(Ceiling(agency_code=agency, year=year, amount=amount))
    edition = codes.edition_for(year)
    now = utcnow()
    case = Case(workflow="planning.renja", state="rancangan", version=1, module="planning", record_id="0",
                title=f"Renja {year} dpupr v1", agency_code="dpupr", created_at=now, state_since=now, closed=False)
    db.session.add(case)
    db.session.flush()
    db.session.add(Step(case_id=case.id, transition="start", from_state=None, to_state="rancangan", actor="demo",
                        data="{}"))
    renja = Renja(agency_code="dpupr", year=year, number=1, kind="murni", status="rancangan", edition=edition.id,
                  total=0, case_id=case.id)
    db.session.add(renja)
    db.session.flush()
    case.record_id = str(renja.id)
    lines = [("1.03.01.2.01.0001", "1", "Dokumen", 150_000_000, "", None)]
    if accepted is not None:
        lines.append((accepted.subactivity_code, "1,2", "Km", accepted.estimate, accepted.village_code, accepted))
    for code, target, unit, cost, location, proposal in lines:
        sub = edition.subactivity(code)
        if sub is None:
            continue
        db.session.add(Line(renja_id=renja.id, subactivity_code=sub.code, subactivity_name=sub.name,
                            indicator=sub.indicator or f"[DEMO] Capaian {sub.name}", target=target, unit=unit,
                            cost=cost, location=location, latitude=proposal.latitude if proposal else None,
                            longitude=proposal.longitude if proposal else None,
                            proposal_id=proposal.id if proposal else None))
        renja.total += cost

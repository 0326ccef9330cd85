"""Demo events and destinations for `egovkit init --demo`, marked as demo: Banyuwangi's festival calendar in
the style of Banyuwangi Festival (B-Fest), Sabang's, or a generic one for another regency."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from egovkit.db import db
from egovkit.models import Agency, Region
from egovkit.services import payments

from .models import Destination, Event, Visits

# (month, day, days, title id, title en, description id, description en, venue, lat, lon, budget, cost,
#  expected domestic, expected foreign, counted domestic, counted foreign, average spend)
BANYUWANGI = [
    (1, 25, 1, "[DEMO] Banyuwangi Ethno Carnival", "[DEMO] Banyuwangi Ethno Carnival",
     "Karnaval busana etnik Using di sepanjang jalan protokol kota.",
     "A carnival of Osing ethnic costume along the city's main roads.",
     "Taman Blambangan", -8.2192, 114.3691, 2_500_000_000, 2_350_000_000, 60_000, 1_500, 72_000, 1_800, 175_000),
    (2, 10, 1, "[DEMO] Festival Gandrung Sewu", "[DEMO] Thousand Gandrung Dancers Festival",
     "Seribu penari gandrung menari bersama di tepi pantai.",
     "A thousand gandrung dancers dance together on the beach.",
     "Pantai Marina Boom", -8.2010, 114.3820, 1_500_000_000, 1_450_000_000, 40_000, 800, 45_500, 950, 150_000),
    (3, 15, 4, "[DEMO] Tour de Ijen", "[DEMO] Tour de Ijen",
     "Balap sepeda internasional melintasi lereng Gunung Ijen.",
     "An international cycle race over the slopes of Mount Ijen.",
     "Kawah Ijen", -8.0580, 114.2420, 3_000_000_000, None, 20_000, 2_000, None, None, None),
    (5, 20, 2, "[DEMO] Festival Kopi Sepuluh Ewu", "[DEMO] Ten Thousand Cups of Coffee Festival",
     "Warga Kemiren menyuguhkan sepuluh ribu cangkir kopi kepada tamu.",
     "The people of Kemiren serve ten thousand cups of coffee to their guests.",
     "Desa Kemiren", -8.2130, 114.3260, 400_000_000, None, 15_000, 300, None, None, None),
]
SABANG = [
    (1, 20, 3, "[DEMO] Sabang Marine Festival", "[DEMO] Sabang Marine Festival",
     "Festival bahari dengan lomba perahu hias dan selam.", "A marine festival with decorated boats and diving.",
     "Pantai Iboih", 5.8740, 95.2590, 1_200_000_000, 1_100_000_000, 8_000, 900, 9_200, 1_100, 350_000),
    (4, 12, 2, "[DEMO] Festival Kilometer Nol", "[DEMO] Kilometre Zero Festival",
     "Pentas seni di tugu titik nol Indonesia.", "Arts on stage at Indonesia's kilometre zero monument.",
     "Tugu Kilometer Nol", 5.9060, 95.2160, 500_000_000, None, 5_000, 400, None, None, None),
]
DESTINATIONS = {
    "35.10": [("[DEMO] Kawah Ijen", -8.0580, 114.2420, 21_000, 3_200), ("[DEMO] Pantai Pulau Merah", -8.6010,
                                                                       114.0240, 15_000, 900)],
    "11.72": [("[DEMO] Pantai Iboih", 5.8740, 95.2590, 6_000, 1_200), ("[DEMO] Tugu Kilometer Nol", 5.9060,
                                                                      95.2160, 4_500, 700)],
}


def seed(app=None):
    profile = current_app.extensions["egovkit"].profile
    agencies = {a.code for a in db.session.scalars(select(Agency))}
    office = profile.modules["tourism"].office
    organiser = office if office in agencies else next(iter(sorted(agencies)), None)
    if organiser is None:
        return
    today = payments.today()
    rows = {"35.10": BANYUWANGI, "11.72": SABANG}.get(profile.regency.code, BANYUWANGI)
    for year in (today.year, today.year + 1):
        for (month, day, days, tid, ten, did, den, venue, lat, lon, budget, cost, exp_d, exp_f, vis_d, vis_f,
             spend) in rows:
            starts = date(year, month, day)
            held = starts + timedelta(days=days) < today
            db.session.add(Event(title_id=tid, title_en=ten, description_id=did, description_en=den, starts_on=starts,
                                 ends_on=starts + timedelta(days=days - 1), venue=venue, latitude=lat, longitude=lon,
                                 agency_code=organiser, budget=budget, realised_cost=cost if held else None,
                                 expected_domestic=exp_d, expected_foreign=exp_f,
                                 visitors_domestic=vis_d if held else None, visitors_foreign=vis_f if held else None,
                                 average_spend=spend if held else None, demo=True))
    district = db.session.scalar(select(Region.code).where(Region.parent_code == profile.regency.code)
                                 .order_by(Region.code))
    for name, lat, lon, domestic, foreign in DESTINATIONS.get(profile.regency.code, DESTINATIONS["35.10"]):
        place = Destination(name=name, latitude=lat, longitude=lon, region_code=district, agency_code=organiser,
                            demo=True)
        db.session.add(place)
        db.session.flush()
        for back in range(12):  # the last twelve months, this one included
            year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
            season = 1 + (month + 1) % 6 / 10  # a little seasonal swing
            db.session.add(Visits(destination_id=place.id, year=year, month=month + 1,
                                  domestic=round(domestic * season), foreign=round(foreign * season)))

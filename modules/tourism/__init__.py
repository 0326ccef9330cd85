"""tourism: the regency's calendar of events (festivals) with their costs and benefits, and its destinations
with their visitors per month."""
from pydantic import Field

from egovkit.modules import Dataset, DatasetColumn, Module, NavItem, Settings


class TourismSettings(Settings):
    office: str = Field("disbudpar", description="Agency (OPD) of tourism: it keeps the destinations and their "
                                                 "monthly visitor counts.")
    show_on_home: int = Field(3, ge=0, le=10, description="Coming events shown on the home page (0: none).")

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        if self.office not in {a.code for a in schema.agencies}:
            return [(("office",), f"unknown agency {self.office!r}: add it under agencies")]
        return []


MODULE = Module(
    name="tourism",
    version="0.1.0",
    service_kind="public",
    title={"id": "Wisata", "en": "Tourism"},
    description={"id": "Kalender acara dan festival daerah, destinasi wisata dan kunjungannya.",
                 "en": "The calendar of the regency's events and festivals, its destinations and their visitors."},
    settings=TourismSettings,
    permissions={
        # an agency's staff keep the events it organises (budget, realised cost, visitors counted)
        "tourism.events.edit": ("opd_staff", "opd_head"),
        # the tourism office's staff keep the destinations and their monthly visitor counts (views._office)
        "tourism.destinations.edit": ("opd_staff", "opd_head"),
        # the year report of costs and benefits: an agency head sees their agency's, the bupati all
        "tourism.report": ("bupati", "opd_head", "opd_staff"),
    },
    models="egovkit_modules.tourism.models",
    blueprint="egovkit_modules.tourism.views:bp",
    demo="egovkit_modules.tourism.demo:seed",
    home="egovkit_modules.tourism.views:home_widget",
    nav=(NavItem("tourism.calendar", {"id": "Kalender acara", "en": "Event calendar"}),
         NavItem("tourism.destinations", {"id": "Destinasi wisata", "en": "Destinations"}),
         NavItem("tourism.manage", {"id": "Kelola acara", "en": "Manage events"}, public=False,
                 permission="tourism.events.edit"),
         NavItem("tourism.report", {"id": "Laporan acara", "en": "Event report"}, public=False,
                 permission="tourism.report")),
    datasets=(
        Dataset("events-per-month", {"id": "Acara dan festival per bulan", "en": "Events and festivals per month"},
                {"id": "Jumlah acara di kalender daerah per bulan mulai, dengan pengunjung yang dihitung dan "
                       "biaya realisasi.",
                 "en": "Events of the regency's calendar per month they start, with the visitors counted and the "
                       "realised cost."},
                rows="egovkit_modules.tourism.views:events_per_month",
                columns=(DatasetColumn("month", "month", {"id": "Bulan", "en": "Month"}),
                         DatasetColumn("events", "integer", {"id": "Acara", "en": "Events"}),
                         DatasetColumn("visitors_domestic", "integer", {"id": "Pengunjung nusantara",
                                                                        "en": "Domestic visitors"}),
                         DatasetColumn("visitors_foreign", "integer", {"id": "Pengunjung mancanegara",
                                                                       "en": "Foreign visitors"}),
                         DatasetColumn("realised_cost", "money", {"id": "Biaya realisasi", "en": "Realised cost"})),
                keywords=("pariwisata", "festival")),
        Dataset("visitors-per-destination", {"id": "Kunjungan per destinasi wisata dan bulan",
                                             "en": "Visitors per destination and month"},
                {"id": "Wisatawan nusantara dan mancanegara yang dicatat dinas pariwisata per destinasi setiap "
                       "bulan.",
                 "en": "Domestic and foreign visitors recorded by the tourism office per destination, each month."},
                rows="egovkit_modules.tourism.views:visitors_per_destination",
                columns=(DatasetColumn("month", "month", {"id": "Bulan", "en": "Month"}),
                         DatasetColumn("destination", "string", {"id": "Destinasi", "en": "Destination"}),
                         DatasetColumn("domestic", "integer", {"id": "Nusantara", "en": "Domestic"}),
                         DatasetColumn("foreign", "integer", {"id": "Mancanegara", "en": "Foreign"})),
                keywords=("pariwisata", "kunjungan wisata")),
    ),
)

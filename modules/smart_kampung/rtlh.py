"""RTLH (rumah tidak layak huni): renovation aid for uninhabitable houses.
The survey criteria and their points are settings, so a regency can use its
own scoring without a release."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: dict[str, str]
    options: dict[str, int] = Field(description="Answer -> points (higher: worse condition, more need).")


def _c(id_, en, **options):
    return Criterion(label={"id": id_, "en": en}, options=options)


DEFAULT_CRITERIA: dict[str, Criterion] = {
    "floor_area": _c("Luas lantai per orang", "Floor area per person", **{"< 8 m2": 3, "8-12 m2": 1, "> 12 m2": 0}),
    "floor": _c("Lantai", "Floor", **{"Tanah": 3, "Bambu/kayu kualitas rendah": 2, "Semen/plester": 1,
                                      "Keramik": 0}),
    "wall": _c("Dinding", "Walls", **{"Bambu/rumbia": 3, "Kayu kualitas rendah": 2, "Tembok tanpa plester": 1,
                                      "Tembok diplester": 0}),
    "roof": _c("Atap", "Roof", **{"Bocor/rusak berat": 3, "Rusak sebagian": 2, "Baik": 0}),
    "sanitation": _c("Jamban", "Toilet", **{"Tidak ada": 3, "Bersama/umum": 2, "Milik sendiri": 0}),
    "water": _c("Sumber air minum", "Drinking water", **{"Sungai/mata air tak terlindung": 3,
                                                         "Sumur tak terlindung": 2, "Sumur terlindung/PDAM": 0}),
    "electricity": _c("Listrik", "Electricity", **{"Tidak ada": 3, "Menumpang": 2, "Sendiri": 0}),
    "income": _c("Penghasilan keluarga", "Household income", **{"< Rp 1 juta": 3, "Rp 1-2 juta": 1,
                                                                "> Rp 2 juta": 0}),
}

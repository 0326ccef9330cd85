"""social_aid: social aid (bansos) to residents: programmes from the profile, DTSEN deciles imported, proposals
from the desa checked against the rules, verified by the agency, approved by its head, paid once."""
import re

from pydantic import Field, field_validator

from egovkit.modules import Module, NavItem, Settings, Tile

from .programmes import PROGRAMME_KEY, Programme


class SocialAidSettings(Settings):
    programmes: dict[str, Programme] = Field(default_factory=dict, description="Aid programmes by key (a-z, 0-9, "
                                                                               "_; at most 15 characters).")

    @field_validator("programmes")
    @classmethod
    def _keys(cls, value):
        for key in value:
            if not re.match(PROGRAMME_KEY, key):
                raise ValueError(f"programme key {key!r}: a-z, 0-9 and _, starting with a letter, at most 15")
        return value

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        agencies = {a.code for a in schema.agencies}
        out = []
        for key, programme in self.programmes.items():
            if programme.agency not in agencies:
                out.append((("programmes", key, "agency"),
                            f"unknown agency {programme.agency!r}: add it under agencies"))
            for other in programme.rules.excludes:
                if other not in self.programmes or other == key:
                    out.append((("programmes", key, "rules", "excludes"),
                                f"{other!r} is not another programme of this profile"))
            if not programme.documents:
                out.append((("programmes", key, "documents"), "name at least the Musdesus minutes"))
        return out


MODULE = Module(
    name="social_aid",
    version="0.1.0",
    title={"id": "Bantuan sosial", "en": "Social aid"},
    description={"id": "Bansos: usulan desa dari register, cek syarat otomatis (desil DTSEN), verifikasi dinas, "
                       "persetujuan, pembayaran sekali, daftar penyaluran.",
                 "en": "Social aid: proposals from the village register, automatic eligibility checks (DTSEN "
                       "deciles), agency verification, approval, paid once, disbursement lists."},
    requires=(),
    settings=SocialAidSettings,
    permissions={
        "social_aid.propose": ("operator_desa",),
        "social_aid.read": ("operator_desa", "kepala_desa", "camat", "opd_staff", "opd_head"),
        "social_aid.import": ("opd_staff", "opd_head"),
    },
    workflows="egovkit_modules.social_aid.workflows:WORKFLOWS",
    models="egovkit_modules.social_aid.models",
    blueprint="egovkit_modules.social_aid.views:bp",
    cli="egovkit_modules.social_aid.cli:group",
    events={"resident.died": "egovkit_modules.social_aid.handlers:on_death"},
    nav=(NavItem("social_aid.index", {"id": "Bantuan sosial", "en": "Social aid"}, public=False,
                 permission="social_aid.read"),
         NavItem("social_aid.public", {"id": "Penerima bansos", "en": "Aid recipients"})),
    tiles=(Tile("coverage", {"id": "Bantuan sosial", "en": "Social aid"}, "egovkit_modules.social_aid.tiles:coverage"),),
)

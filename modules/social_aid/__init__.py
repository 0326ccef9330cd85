"""social_aid: social aid (bansos) to residents: programmes from the profile, DTSEN deciles imported, proposals
from the desa checked against the rules, verified by the agency, approved by its head, paid once."""
import re

from pydantic import Field, field_validator

from egovkit.modules import DocumentType, Module, NavItem, Settings, Tile

from .programmes import PROGRAMME_KEY, DeathBenefit, Hibah, Programme, Spm


# The poverty statement (SPM), numbered per desa; 400.9: social affairs (Permendagri 83/2022).
SPM_DOCUMENT = DocumentType("social_aid.spm", "400.9", "{code}/{seq:03d}/{scope}/{year}")
# The grant agreement (NPHD), numbered per regency and year; 900.1: regional finance.
HIBAH_DOCUMENT = DocumentType("social_aid.nphd", "900.1", "{code}/{seq:03d}/NPHD/{regency}/{year}",
                              workflow="social_aid.hibah")


class SocialAidSettings(Settings):
    programmes: dict[str, Programme] = Field(default_factory=dict, description="Aid programmes by key (a-z, 0-9, "
                                                                               "_; at most 15 characters).")
    death_benefit: DeathBenefit | None = Field(None, description="Death benefit (santunan kematian) for the "
                                                                 "heirs; None: not offered.")
    spm: Spm | None = Field(None, description="Poverty statements for free hospital care (SPM Online); None: "
                                              "not offered.")
    hibah: Hibah | None = Field(None, description="Grants to organisations (e-hibah); None: not offered.")

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
        for name in ("death_benefit", "hibah"):
            part = getattr(self, name)
            if part is not None and part.agency not in agencies:
                out.append(((name, "agency"), f"unknown agency {part.agency!r}: add it under agencies"))
        for code in self.hibah.evaluators if self.hibah else ():
            if code not in agencies:
                out.append((("hibah", "evaluators"), f"unknown agency {code!r}: add it under agencies"))
        for code in self.spm.hospitals if self.spm else ():
            if code not in agencies:
                out.append((("spm", "hospitals"), f"unknown agency {code!r}: add it under agencies"))
        return out


MODULE = Module(
    name="social_aid",
    version="0.1.0",
    service_kind="public",
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
        # File an heir's death benefit claim at the desa office or the agency's counter.
        "social_aid.death.file": ("operator_desa", "opd_staff"),
        "social_aid.spm.issue": ("kepala_desa",),  # the village head signs a poverty statement
        # A hospital's staff (an agency under spm.hospitals) acknowledge a statement on its QR page.
        "social_aid.spm.acknowledge": ("opd_staff", "opd_head"),
        "social_aid.hibah.propose": ("opd_staff",),  # staff of an evaluating OPD record a proposal received
    },
    workflows="egovkit_modules.social_aid.workflows:WORKFLOWS",
    models="egovkit_modules.social_aid.models",
    blueprint="egovkit_modules.social_aid.views:bp",
    api="egovkit_modules.social_aid.api:api",
    api_scopes=("social_aid:read",),
    cli="egovkit_modules.social_aid.cli:group",
    events={"resident.died": "egovkit_modules.social_aid.handlers:on_death"},
    hooks={"documents.verify": "egovkit_modules.social_aid.spm:verify_panel"},
    documents=(SPM_DOCUMENT, HIBAH_DOCUMENT),
    nav=(NavItem("social_aid.index", {"id": "Bantuan sosial", "en": "Social aid"}, public=False,
                 permission="social_aid.read"),
         NavItem("social_aid.public", {"id": "Penerima bansos", "en": "Aid recipients"})),
    tiles=(Tile("coverage", {"id": "Bantuan sosial", "en": "Social aid"}, "egovkit_modules.social_aid.tiles:coverage"),),
)

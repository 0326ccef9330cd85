"""A village letter: requested, checked by the operator against the register,
signed by the kepala desa (or whoever the profile delegates), then issued as
a numbered PDF with a QR verification code."""
from egovkit.services.workflow import Notify, Transition, Workflow

LETTER = Workflow(
    name="smart_kampung.letter",
    states={
        "requested": {"id": "Diajukan", "en": "Requested"},
        "verified": {"id": "Diverifikasi", "en": "Checked"},
        "issued": {"id": "Selesai", "en": "Done"},
        "refused": {"id": "Ditolak", "en": "Refused"},
    },
    initial="requested",
    final=("issued", "refused"),
    transitions=(
        Transition("verify", ("requested",), "verified", roles=("operator_desa",),
                   title={"id": "Sesuai data penduduk", "en": "Matches the register"}),
        Transition("refuse", ("requested", "verified"), "refused", roles=("operator_desa", "kepala_desa"),
                   requires=("note",), title={"id": "Tolak", "en": "Refuse"}),
        # Four eyes by default: whoever checked the request does not also sign it, even holding both roles
        # (a profile may allow it: workflows: {smart_kampung.letter: {transitions: {sign: {separate: false}}}}).
        Transition("sign", ("verified",), "issued", roles=("kepala_desa",), separate=True,
                   title={"id": "Tandatangani dan terbitkan", "en": "Sign and issue"}),
    ),
    sla={"requested": 1, "verified": 1},
    on_enter={"issued": "egovkit_modules.smart_kampung.views:on_issued"},
    view="smart_kampung.letter",
    tones={"refused": "stopped"},
    title={"id": "Surat keterangan desa", "en": "Village letter"},
    notify=Notify(person="egovkit_modules.smart_kampung.views:letter_person",
                  on={"start": "case.received", "refuse": "case.refused", "sign": "case.issued"},
                  track="smart_kampung.track"),
)

RTLH = Workflow(
    name="smart_kampung.rtlh",
    states={
        "proposed": {"id": "Diusulkan", "en": "Proposed"},
        "approved": {"id": "Disetujui", "en": "Approved"},
        "rejected": {"id": "Tidak disetujui", "en": "Not approved"},
    },
    initial="proposed",
    final=("approved", "rejected"),
    transitions=(
        # The regency decides by default; Banyuwangi delegates the decision to the village head.
        Transition("approve", ("proposed",), "approved", roles=("camat",), separate=True,
                   title={"id": "Setujui", "en": "Approve"}),
        Transition("reject", ("proposed",), "rejected", roles=("camat",), requires=("note",),
                   title={"id": "Tolak", "en": "Reject"}),
    ),
    sla={"proposed": 10},
    on_enter={"approved": "egovkit_modules.smart_kampung.views:on_rtlh_approved"},
    view="smart_kampung.rtlh_detail",
    tones={"rejected": "stopped"},
    title={"id": "Usulan bantuan RTLH", "en": "Housing aid proposal (RTLH)"},
)

WORKFLOWS = [LETTER, RTLH]

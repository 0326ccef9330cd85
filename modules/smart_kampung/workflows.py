"""A village letter: requested, checked by the operator against the register,
signed by the kepala desa (or whoever the profile delegates), then issued as
a numbered PDF with a QR verification code."""
from egovkit.workflow import Transition, Workflow

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
        Transition("sign", ("verified",), "issued", roles=("kepala_desa",),
                   title={"id": "Tandatangani dan terbitkan", "en": "Sign and issue"}),
    ),
    sla={"requested": 1, "verified": 1},
    on_enter={"issued": "egovkit_modules.smart_kampung.views:on_issued"},
    view="smart_kampung.letter",
)

WORKFLOWS = [LETTER]

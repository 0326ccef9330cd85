"""A quarterly realisation: entered by the agency, verified (or sent back with a note) by the evaluator
(Inspektorat or Bagian Organisasi: the role ``evaluator``), never by whoever entered it."""
from egovkit.services.workflow import Transition, Workflow

REALISATION = Workflow(
    name="sakip.realisation",
    states={
        "submitted": {"id": "Menunggu verifikasi", "en": "Awaiting verification"},
        "verified": {"id": "Terverifikasi", "en": "Verified"},
        "returned": {"id": "Dikembalikan untuk perbaikan", "en": "Returned for correction"},
    },
    initial="submitted",
    final=("verified",),
    tones={"returned": "attention"},
    transitions=(
        Transition("verify", ("submitted",), "verified", roles=("evaluator",), separate=True,
                   title={"id": "Verifikasi realisasi", "en": "Verify the realisation"}),
        Transition("return", ("submitted",), "returned", roles=("evaluator",), requires=("note",),
                   title={"id": "Kembalikan untuk perbaikan", "en": "Return for correction"}),
        # the realisation page's correction form sends it again with the corrected value
        Transition("resubmit", ("returned",), "submitted", roles=("opd_staff", "opd_head"), panel=False,
                   title={"id": "Kirim ulang", "en": "Send again"}),
    ),
    sla={"submitted": 10},
    view="sakip.realisation",
    title={"id": "Verifikasi realisasi kinerja", "en": "Verification of a performance realisation"},
)

WORKFLOWS = [REALISATION]

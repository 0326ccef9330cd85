"""A permit application: the front office checks it is complete (or returns it to
the applicant), the verifying agency checks the technical side, the head of the
one-stop office decides. The case sits in one agency's queue at a time."""
from egovkit.workflow import Transition, Workflow

HOOKS = "egovkit_modules.permits.views"

APPLICATION = Workflow(
    name="permits.application",
    states={
        "submitted": {"id": "Diajukan", "en": "Submitted"},
        "returned": {"id": "Dikembalikan untuk dilengkapi", "en": "Returned for completion"},
        "complete": {"id": "Verifikasi teknis", "en": "Technical verification"},
        "verified": {"id": "Menunggu keputusan", "en": "Awaiting decision"},
        "issued": {"id": "Izin terbit", "en": "Issued"},
        "rejected": {"id": "Ditolak", "en": "Rejected"},
    },
    initial="submitted",
    final=("issued", "rejected"),
    transitions=(
        Transition("accept", ("submitted",), "complete", roles=("opd_staff",),
                   title={"id": "Berkas lengkap", "en": "Complete"}),
        Transition("return", ("submitted",), "returned", roles=("opd_staff",), requires=("note",),
                   title={"id": "Kembalikan untuk dilengkapi", "en": "Return for completion"}),
        Transition("resubmit", ("returned",), "submitted", roles=("citizen",),
                   title={"id": "Ajukan kembali", "en": "Submit again"}),
        Transition("verify", ("complete",), "verified", roles=("opd_staff", "opd_head"),
                   title={"id": "Memenuhi syarat teknis", "en": "Technically sound"}),
        Transition("reject", ("complete",), "rejected", roles=("opd_staff", "opd_head"), requires=("note",),
                   title={"id": "Tolak: tidak memenuhi syarat teknis", "en": "Reject: not technically sound"}),
        Transition("refuse", ("verified",), "rejected", roles=("opd_head",), requires=("note",),
                   title={"id": "Tolak", "en": "Refuse"}),
        Transition("approve", ("verified",), "issued", roles=("opd_head",),
                   title={"id": "Setujui dan terbitkan izin", "en": "Approve and issue"}),
    ),
    sla={"submitted": 1, "complete": 3, "verified": 1},
    on_enter={"submitted": f"{HOOKS}:to_front_office", "complete": f"{HOOKS}:to_agency",
              "verified": f"{HOOKS}:to_front_office", "issued": f"{HOOKS}:on_issued"},
    view="permits.permit",
)

WORKFLOWS = [APPLICATION]

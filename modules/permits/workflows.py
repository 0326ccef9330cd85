"""A permit application: the front office checks it is complete (or returns it to
the applicant to complete), the verifying agency recommends or advises against
it, the head of the one-stop office decides. The case sits in one agency's queue
at a time; nobody decides on their own application; the SLA runs from the day
the file is complete. A permit with a fee (retribusi) is approved into a bill
with a billing code and issued once the front office records the payment; a
bill left unpaid past its due date may be cancelled."""
from egovkit.services.workflow import Notify, Transition, Workflow

HOOKS = "egovkit_modules.permits.views"
NOT_OWN = f"{HOOKS}:not_own"

APPLICATION = Workflow(
    name="permits.application",
    states={
        "submitted": {"id": "Diajukan", "en": "Submitted"},
        "returned": {"id": "Dikembalikan untuk dilengkapi", "en": "Returned for completion"},
        "complete": {"id": "Verifikasi teknis", "en": "Technical verification"},
        "verified": {"id": "Menunggu keputusan", "en": "Awaiting decision"},
        "not_recommended": {"id": "Menunggu keputusan (tidak direkomendasikan)",
                            "en": "Awaiting decision (not recommended)"},
        "billed": {"id": "Menunggu pembayaran retribusi", "en": "Awaiting payment of the fee"},
        "issued": {"id": "Izin terbit", "en": "Issued"},
        "rejected": {"id": "Ditolak", "en": "Rejected"},
        "cancelled": {"id": "Dibatalkan: retribusi tidak dibayar", "en": "Cancelled: fee not paid"},
    },
    initial="submitted",
    final=("issued", "rejected", "cancelled"),
    tones={"returned": "attention", "billed": "attention", "rejected": "stopped", "cancelled": "stopped"},
    transitions=(
        Transition("accept", ("submitted",), "complete", roles=("opd_staff",), check=NOT_OWN,
                   title={"id": "Berkas lengkap", "en": "Complete"}),
        Transition("return", ("submitted",), "returned", roles=("opd_staff",), requires=("note",), check=NOT_OWN,
                   title={"id": "Kembalikan untuk dilengkapi", "en": "Return for completion"}),
        Transition("resubmit", ("returned",), "submitted", roles=("citizen",), panel=False,  # by the edit page
                   title={"id": "Ajukan kembali", "en": "Submit again"}),
        Transition("verify", ("complete",), "verified", roles=("opd_staff", "opd_head"), separate=True,
                   check=NOT_OWN, title={"id": "Rekomendasikan: memenuhi syarat teknis",
                                         "en": "Recommend: technically sound"}),
        Transition("object", ("complete",), "not_recommended", roles=("opd_staff", "opd_head"), separate=True,
                   requires=("note",), check=NOT_OWN,
                   title={"id": "Tidak direkomendasikan", "en": "Do not recommend"}),
        Transition("approve", ("verified",), "issued", roles=("opd_head",), separate=True, when=f"{HOOKS}:free",
                   check=f"{HOOKS}:approvable", title={"id": "Setujui dan terbitkan izin", "en": "Approve and issue"}),
        Transition("bill", ("verified",), "billed", roles=("opd_head",), separate=True, when=f"{HOOKS}:has_fee",
                   check=f"{HOOKS}:approvable", roles_from="approve",  # a delegate of approve bills too
                   title={"id": "Setujui dan terbitkan tagihan retribusi", "en": "Approve and bill the fee"}),
        Transition("pay", ("billed",), "issued", roles=("opd_staff",), requires=("receipt",), separate=True,
                   check=f"{HOOKS}:approvable", panel=False,  # the permit page's payment form: receipt, date and amount
                   title={"id": "Retribusi dibayar: terbitkan izin", "en": "Fee paid: issue the permit"}),
        Transition("cancel", ("billed",), "cancelled", roles=("opd_staff",), requires=("note",),
                   when=f"{HOOKS}:past_due", check=NOT_OWN,  # offered once the last day to pay has passed
                   title={"id": "Batalkan: retribusi tidak dibayar", "en": "Cancel: fee not paid"}),
        Transition("refuse", ("verified", "not_recommended"), "rejected", roles=("opd_head",), requires=("note",),
                   check=NOT_OWN, title={"id": "Tolak", "en": "Refuse"}),
    ),
    sla={"submitted": 1, "verified": 1, "not_recommended": 1},  # the whole case: the type's sla_days
    on_enter={"submitted": f"{HOOKS}:to_front_office", "complete": f"{HOOKS}:to_agency",
              "verified": f"{HOOKS}:to_front_office", "not_recommended": f"{HOOKS}:to_front_office",
              "billed": f"{HOOKS}:on_billed", "issued": f"{HOOKS}:on_issued"},
    view="permits.permit",
    title={"id": "Permohonan izin", "en": "Permit application"},
    notify=Notify(person=f"{HOOKS}:applicant", track="permits.track",
                  on={"start": "case.received", "return": "case.returned", "resubmit": "case.received",
                      "approve": "case.issued", "bill": "case.billed", "pay": "case.issued",
                      "refuse": "case.refused", "cancel": "case.cancelled"}),
)

WORKFLOWS = [APPLICATION]

"""A musrenbang proposal: from the desa meeting to the kecamatan musrenbang, which ranks and forwards it (or
drops it with a reason); Bappeda assigns it to an agency (OPD) and a sub-kegiatan and accepts it into the
RKPD of a year, or rejects it with a reason. A proposal the desa funds itself (its RKPDes) stops at the
desa. A DPRD member's proposal (pokir) enters at Bappeda.

A Renja version: drafted by the agency (rancangan), reviewed by the regency budget team (TAPD), which
returns it or makes it final; a final version is kept as it is and an amendment (perubahan) is a new one."""
from egovkit.services.workflow import Transition, Workflow

HOOKS = "egovkit_modules.planning.views"
BAPPEDA = ("opd_staff", "opd_head")  # of the agency in the case: Bappeda (the case's agency_code)

PROPOSAL = Workflow(
    name="planning.proposal",
    states={
        "district": {"id": "Di musrenbang kecamatan", "en": "At the district musrenbang"},
        "bappeda": {"id": "Diteruskan ke Bappeda", "en": "Forwarded to Bappeda"},
        "assigned": {"id": "Ditetapkan ke perangkat daerah", "en": "Assigned to an agency"},
        "accepted": {"id": "Masuk RKPD", "en": "Accepted into the RKPD"},
        "rejected": {"id": "Tidak diakomodasi", "en": "Not accepted"},
        "self_funded": {"id": "Didanai desa (RKPDes)", "en": "Funded by the village (RKPDes)"},
    },
    initial="district",
    final=("accepted", "rejected", "self_funded"),
    tones={"rejected": "stopped"},
    transitions=(
        # The kecamatan's page: the rank the musrenbang gave it.
        Transition("forward", ("district",), "bappeda", roles=("camat",), panel=False,
                   title={"id": "Teruskan ke Bappeda", "en": "Forward to Bappeda"}),
        Transition("drop", ("district",), "rejected", roles=("camat",), requires=("note",),
                   title={"id": "Tidak diteruskan", "en": "Do not forward"}),
        # The proposal's page: the agency and the sub-kegiatan.
        Transition("assign", ("bappeda", "assigned"), "assigned", roles=BAPPEDA, panel=False,
                   title={"id": "Tetapkan perangkat daerah dan sub-kegiatan", "en": "Assign an agency and a "
                                                                                    "sub-kegiatan"}),
        Transition("accept", ("assigned",), "accepted", roles=BAPPEDA, confirm=True,
                   title={"id": "Terima ke RKPD", "en": "Accept into the RKPD"}),
        Transition("reject", ("bappeda", "assigned"), "rejected", roles=BAPPEDA, requires=("note",),
                   title={"id": "Tolak dengan alasan", "en": "Reject with a reason"}),
        # The desa says it funds the proposal itself (with the RKPDes line): the proposal page's form.
        Transition("self_fund", ("district",), "self_funded", roles=("operator_desa", "kepala_desa"),
                   panel=False, title={"id": "Didanai desa sendiri", "en": "Funded by the village"}),
        # A pokir enters at Bappeda at once (fired by the system when it is recorded).
        Transition("pokir", ("district",), "bappeda", roles=(), panel=False,
                   title={"id": "Pokir DPRD diterima Bappeda", "en": "DPRD member's proposal received"}),
    ),
    sla={"district": 10, "bappeda": 15, "assigned": 10},
    on_enter={"bappeda": f"{HOOKS}:to_bappeda", "accepted": f"{HOOKS}:on_accepted"},
    view="planning.proposal",
    title={"id": "Usulan musrenbang", "en": "Musrenbang proposal"},
)

RENJA = Workflow(
    name="planning.renja",
    states={
        "rancangan": {"id": "Rancangan", "en": "Draft"},
        "review": {"id": "Ditelaah TAPD", "en": "Under TAPD review"},
        "final": {"id": "Final", "en": "Final"},
    },
    initial="rancangan",
    final=("final",),
    transitions=(
        Transition("submit", ("rancangan",), "review", roles=("opd_staff", "opd_head"),
                   title={"id": "Ajukan ke TAPD", "en": "Submit to TAPD"}),
        Transition("return", ("review",), "rancangan", roles=("tapd",), requires=("note",),
                   title={"id": "Kembalikan untuk diperbaiki", "en": "Return for changes"}),
        Transition("approve", ("review",), "final", roles=("tapd",), confirm=True, separate=True,
                   title={"id": "Tetapkan final", "en": "Make final"}),
    ),
    sla={"review": 5},
    on_enter={"final": f"{HOOKS}:on_final"},
    view="planning.renja",
    title={"id": "Renja/RKA perangkat daerah", "en": "Agency work plan (Renja/RKA)"},
)

WORKFLOWS = [PROPOSAL, RENJA]

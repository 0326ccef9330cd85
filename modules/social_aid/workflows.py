"""A proposal for aid: the desa proposes (the rules already checked), the programme's agency verifies, the head
of the agency approves (not whoever verified), the agency's staff record the transfer (not the head who
approved). A death in the register stops the case (handlers.on_death)."""
from egovkit.services.workflow import Transition, Workflow

HOOKS = "egovkit_modules.social_aid.views"

PROPOSAL = Workflow(
    name="social_aid.proposal",
    states={
        "proposed": {"id": "Diusulkan desa", "en": "Proposed by the desa"},
        "verified": {"id": "Terverifikasi dinas", "en": "Verified by the agency"},
        "approved": {"id": "Disetujui: menunggu penyaluran", "en": "Approved: awaiting payment"},
        "paid": {"id": "Tersalurkan", "en": "Paid"},
        "refused": {"id": "Ditolak", "en": "Refused"},
        "stopped": {"id": "Dihentikan: penerima meninggal", "en": "Stopped: the beneficiary died"},
    },
    initial="proposed",
    final=("paid", "refused", "stopped"),
    tones={"refused": "stopped", "stopped": "stopped"},
    transitions=(
        Transition("verify", ("proposed",), "verified", roles=("opd_staff",), separate=True,
                   check=f"{HOOKS}:still_eligible", title={"id": "Verifikasi: memenuhi syarat",
                                                            "en": "Verify: eligible"}),
        Transition("approve", ("verified",), "approved", roles=("opd_head",), separate=True, confirm=True,
                   check=f"{HOOKS}:still_eligible", title={"id": "Setujui penerima", "en": "Approve the beneficiary"}),
        Transition("pay", ("approved",), "paid", roles=("opd_staff",), requires=("receipt",), separate=True,
                   panel=False,  # the proposal page's payment form: transfer number and date
                   title={"id": "Catat penyaluran", "en": "Record the payment"}),
        Transition("refuse", ("proposed", "verified"), "refused", roles=("opd_staff", "opd_head"),
                   requires=("note",), title={"id": "Tolak", "en": "Refuse"}),
        # Taken by the system only, when the register reports the death (handlers.on_death): no role fires it.
        Transition("stop", ("proposed", "verified", "approved"), "stopped", roles=(), panel=False,
                   title={"id": "Dihentikan: penerima meninggal", "en": "Stopped: the beneficiary died"}),
    ),
    sla={"proposed": 5, "verified": 3, "approved": 10},
    on_enter={"approved": f"{HOOKS}:on_approved", "refused": f"{HOOKS}:on_refused"},
    view="social_aid.proposal",
    title={"id": "Usulan penerima bansos", "en": "Social aid proposal"},
)

DEATH_HOOKS = "egovkit_modules.social_aid.death"

# An heir's claim of the death benefit: filed (the window, the heir and the death letter already checked),
# verified by the agency's staff, paid by another staff member of it (not whoever verified).
DEATH_CLAIM = Workflow(
    name="social_aid.death_claim",
    states={
        "filed": {"id": "Diajukan ahli waris", "en": "Filed by the heir"},
        "verified": {"id": "Terverifikasi: menunggu penyaluran", "en": "Verified: awaiting payment"},
        "paid": {"id": "Santunan tersalurkan", "en": "Benefit paid"},
        "refused": {"id": "Ditolak", "en": "Refused"},
    },
    initial="filed",
    final=("paid", "refused"),
    tones={"refused": "stopped"},
    transitions=(
        Transition("verify", ("filed",), "verified", roles=("opd_staff",), separate=True,
                   check=f"{DEATH_HOOKS}:still_claimable",
                   title={"id": "Verifikasi: ahli waris sah", "en": "Verify: a rightful heir"}),
        Transition("pay", ("verified",), "paid", roles=("opd_staff",), requires=("receipt",), separate=True,
                   panel=False, title={"id": "Catat penyaluran", "en": "Record the payment"}),
        Transition("refuse", ("filed", "verified"), "refused", roles=("opd_staff", "opd_head"),
                   requires=("note",), title={"id": "Tolak", "en": "Refuse"}),
    ),
    sla={"filed": 5, "verified": 5},
    on_enter={"verified": f"{DEATH_HOOKS}:on_verified", "refused": f"{DEATH_HOOKS}:on_refused"},
    view="social_aid.death_claim",
    title={"id": "Klaim santunan kematian", "en": "Death benefit claim"},
)

HIBAH_HOOKS = "egovkit_modules.social_aid.hibah"

# A grant to an organisation: the OPD of its field evaluates (not whoever recorded it), the TAPD recommends
# (the head of the grant agency), its staff sign the agreement (NPHD, a numbered PDF), another of them
# pays, and the organisation's accountability report (LPJ) closes it.
HIBAH = Workflow(
    name="social_aid.hibah",
    states={
        "submitted": {"id": "Proposal diterima", "en": "Proposal received"},
        "evaluated": {"id": "Dievaluasi OPD", "en": "Evaluated by the OPD"},
        "recommended": {"id": "Direkomendasikan TAPD", "en": "Recommended by the TAPD"},
        "agreed": {"id": "NPHD ditandatangani", "en": "Agreement (NPHD) signed"},
        "paid": {"id": "Dicairkan: menunggu LPJ", "en": "Disbursed: awaiting the LPJ"},
        "accounted": {"id": "LPJ diterima", "en": "Accountability report received"},
        "refused": {"id": "Ditolak", "en": "Refused"},
    },
    initial="submitted",
    final=("accounted", "refused"),
    tones={"refused": "stopped", "paid": "attention"},
    transitions=(
        Transition("evaluate", ("submitted",), "evaluated", roles=("opd_staff",), separate=True,
                   check=f"{HIBAH_HOOKS}:still_grantable",
                   title={"id": "Evaluasi: layak", "en": "Evaluate: eligible"}),
        Transition("recommend", ("evaluated",), "recommended", roles=("opd_head",), confirm=True,
                   check=f"{HIBAH_HOOKS}:still_grantable",
                   title={"id": "Rekomendasi TAPD", "en": "TAPD recommendation"}),
        Transition("agree", ("recommended",), "agreed", roles=("opd_staff",), panel=False,
                   title={"id": "Tandatangani NPHD", "en": "Sign the agreement (NPHD)"}),
        Transition("pay", ("agreed",), "paid", roles=("opd_staff",), requires=("receipt",), separate=True,
                   panel=False, title={"id": "Catat pencairan", "en": "Record the disbursement"}),
        Transition("report", ("paid",), "accounted", roles=("opd_staff",), panel=False,
                   title={"id": "Terima LPJ", "en": "Receive the LPJ"}),
        Transition("refuse", ("submitted", "evaluated", "recommended"), "refused",
                   roles=("opd_staff", "opd_head"), requires=("note",), title={"id": "Tolak", "en": "Refuse"}),
    ),
    sla={"submitted": 10, "evaluated": 10, "recommended": 5, "agreed": 5},
    on_enter={"evaluated": f"{HIBAH_HOOKS}:on_evaluated"},
    view="social_aid.grant",
    title={"id": "Hibah organisasi", "en": "Grant to an organisation"},
)

WORKFLOWS = [PROPOSAL, DEATH_CLAIM, HIBAH]

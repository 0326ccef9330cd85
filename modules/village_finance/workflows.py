"""An APBDes version: drafted at the desa, submitted, evaluated by the camat
(who may send it back for correction), then set by Perdes. The budget rules
are checked before it leaves the desa and again before it is set."""
from egovkit.services.workflow import Transition, Workflow

CHECK = "egovkit_modules.village_finance.budget:problems_of_case"

APBDES = Workflow(
    name="village_finance.apbdes",
    states={
        "draft": {"id": "Rancangan", "en": "Draft"},
        "submitted": {"id": "Evaluasi kecamatan", "en": "Under evaluation"},
        "evaluated": {"id": "Sudah dievaluasi", "en": "Evaluated"},
        "approved": {"id": "Ditetapkan (Perdes)", "en": "Set by village regulation"},
        "withdrawn": {"id": "Dibatalkan", "en": "Withdrawn"},
    },
    initial="draft",
    final=("approved", "withdrawn"),
    tones={"draft": "attention", "withdrawn": "stopped"},
    transitions=(
        Transition("submit", ("draft",), "submitted", roles=("kepala_desa",), check=CHECK,
                   title={"id": "Ajukan ke kecamatan", "en": "Submit to the district"}),
        Transition("correct", ("submitted",), "draft", roles=("camat",), requires=("note",),
                   title={"id": "Minta perbaikan", "en": "Ask for corrections"}),
        Transition("evaluate", ("submitted",), "evaluated", roles=("camat",), separate=True,
                   title={"id": "Nyatakan sesuai", "en": "Evaluate as compliant"}),
        Transition("approve", ("evaluated",), "approved", roles=("kepala_desa",), check=CHECK,
                   title={"id": "Tetapkan dengan Perdes", "en": "Set by village regulation"}),
        Transition("withdraw", ("draft",), "withdrawn", roles=("kepala_desa",), requires=("note",),
                   check="egovkit_modules.village_finance.budget:withdrawable",
                   title={"id": "Batalkan perubahan ini", "en": "Withdraw this amendment"}),
    ),
    sla={"submitted": 20, "evaluated": 10},  # the camat evaluates within 20 working days
    on_enter={"approved": "egovkit_modules.village_finance.budget:on_approved"},
    view="village_finance.budget",
    title={"id": "APBDes", "en": "Village budget (APBDes)"},
)

WORKFLOWS = [APBDES]

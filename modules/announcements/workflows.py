"""Publication of a notice: drafted at a village, district or agency, then
approved (by default by the camat or the head of the agency; a profile may
delegate village notices to the kepala desa)."""
from egovkit.services.workflow import Transition, Workflow

NOTICE = Workflow(
    name="announcements.notice",
    states={
        "draft": {"id": "Draf", "en": "Draft"},
        "submitted": {"id": "Menunggu persetujuan", "en": "Awaiting approval"},
        "published": {"id": "Terbit", "en": "Published"},
    },
    initial="draft",
    final=("published",),
    tones={"draft": "attention"},
    transitions=(
        Transition("submit", ("draft",), "submitted", roles=("operator_desa", "kepala_desa", "opd_staff", "camat"),
                   title={"id": "Ajukan", "en": "Submit"}),
        Transition("approve", ("submitted",), "published", roles=("camat", "opd_head"), separate=True,
                   title={"id": "Setujui dan terbitkan", "en": "Approve and publish"}),
        Transition("reject", ("submitted",), "draft", roles=("camat", "opd_head"), requires=("note",),
                   title={"id": "Kembalikan", "en": "Send back"}),
    ),
    sla={"submitted": 2},
    on_enter={"published": "egovkit_modules.announcements.views:on_published"},
    view="announcements.show",
    title={"id": "Penerbitan pengumuman", "en": "Publishing a notice"},
)

WORKFLOWS = [NOTICE]

"""Publication of a news article, the same flow as a notice's (announcements.notice) through the core's
workflow: drafted by an agency's staff, submitted, approved by the agency's head (four eyes) or sent back."""
from egovkit.services.workflow import Transition, Workflow

ARTICLE = Workflow(
    name="news.article",
    states={
        "draft": {"id": "Draf", "en": "Draft"},
        "submitted": {"id": "Menunggu persetujuan", "en": "Awaiting approval"},
        "published": {"id": "Terbit", "en": "Published"},
    },
    initial="draft",
    final=("published",),
    tones={"draft": "attention"},
    transitions=(
        Transition("submit", ("draft",), "submitted", roles=("opd_staff", "opd_head"),
                   title={"id": "Ajukan", "en": "Submit"}),
        Transition("approve", ("submitted",), "published", roles=("opd_head",), separate=True,
                   title={"id": "Setujui dan terbitkan", "en": "Approve and publish"}),
        Transition("reject", ("submitted",), "draft", roles=("opd_head",), requires=("note",),
                   title={"id": "Kembalikan", "en": "Send back"}),
    ),
    sla={"submitted": 2},
    on_enter={"published": "egovkit_modules.news.views:on_published"},
    view="news.show",
    title={"id": "Penerbitan berita", "en": "Publishing a news article"},
)

WORKFLOWS = [ARTICLE]

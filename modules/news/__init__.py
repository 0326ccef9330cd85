"""news: the regency's news articles (berita) on its portal, drafted by an agency and approved by its head."""
from pydantic import Field

from egovkit.modules import Module, NavItem, Settings


class NewsSettings(Settings):
    per_page: int = Field(10, ge=1, le=100, description="Articles per page on the public list.")
    show_on_home: int = Field(3, ge=0, le=10, description="Latest articles shown on the home page (0: none).")


MODULE = Module(
    name="news",
    version="0.1.0",
    title={"id": "Berita", "en": "News"},
    description={"id": "Berita daerah dari OPD, terbit setelah disetujui kepala OPD.",
                 "en": "The regency's news from its agencies, published once the agency's head approves."},
    settings=NewsSettings,
    permissions={
        "news.publish": ("admin",),  # publish at once, without review
        "news.write": ("opd_staff", "opd_head"),  # draft an article of one's agency; its head approves it
    },
    workflows="egovkit_modules.news.workflows:WORKFLOWS",
    models="egovkit_modules.news.models",
    blueprint="egovkit_modules.news.views:bp",
    demo="egovkit_modules.news.demo:seed",
    home="egovkit_modules.news.views:home_widget",
    nav=(NavItem("news.index", {"id": "Berita", "en": "News"}),
         NavItem("news.drafts", {"id": "Draf berita", "en": "Draft articles"}, public=False,
                 permission="news.write")),
)

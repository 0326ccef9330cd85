"""announcements: the regency's public notices (pengumuman)."""
from pydantic import Field

from egovkit.modules import DocumentType, Module, NavItem, Settings


class AnnouncementSettings(Settings):
    per_page: int = Field(10, ge=1, le=100, description="Notices per page on the public list.")
    show_on_home: int = Field(3, ge=0, le=10, description="Latest notices shown on the home page (0: none).")


MODULE = Module(
    name="announcements",
    version="1.0.0",
    title={"id": "Pengumuman", "en": "Announcements"},
    description={"id": "Pengumuman resmi pemerintah daerah untuk warga.",
                 "en": "The regency's official public notices."},
    settings=AnnouncementSettings,
    permissions={
        "announcements.publish": ("admin",),  # publish at once, without review
        "announcements.draft": ("operator_desa", "kepala_desa", "camat", "opd_staff", "opd_head"),
    },
    workflows="egovkit_modules.announcements.workflows:WORKFLOWS",
    api="egovkit_modules.announcements.api:api",
    api_scopes=("announcements:read", "announcements:write"),
    documents=(DocumentType("announcements.notice", "PENG", "{seq:03d}/{code}/{scope}/{year}"),),
    models="egovkit_modules.announcements.models",
    blueprint="egovkit_modules.announcements.views:bp",
    cli="egovkit_modules.announcements.cli:group",
    demo="egovkit_modules.announcements.demo:seed",
    home="egovkit_modules.announcements.views:home_widget",
    nav=(NavItem("announcements.index", {"id": "Pengumuman", "en": "Announcements"}),
         NavItem("announcements.drafts", {"id": "Draf pengumuman", "en": "Draft notices"}, public=False,
                 permission="announcements.draft")),
)

"""smart_kampung: the village population register, letters and delegated approvals (Smart Kampung)."""
from pydantic import Field

from egovkit.modules import Dataset, DatasetColumn, DocumentType, Module, NavItem, Settings, Tile, Tracking

from .letters import DEFAULT_TYPES, LetterType
from .rtlh import DEFAULT_CRITERIA, Criterion


class SmartKampungSettings(Settings):
    import_batch: int = Field(1000, ge=100, le=5000, description="Rows written per transaction when importing.")
    search_limit: int = Field(50, ge=10, le=500, description="Residents shown per search.")
    demo_families_per_village: int = Field(3, ge=0, le=2000,
                                           description="Synthetic families per village made by `init --demo`.")
    letters: dict[str, LetterType] = Field(default_factory=lambda: dict(DEFAULT_TYPES),
                                           description="Letter types: title, classification code, fields, template. "
                                                       "Replaces the defaults (domisili, usaha, sktm, "
                                                       "pengantar_ktp_kk, kelahiran, kematian, pindah) when given.")
    rtlh_criteria: dict[str, Criterion] = Field(default_factory=lambda: dict(DEFAULT_CRITERIA),
                                                description="RTLH survey: criterion -> answers and their points.")
    rtlh_threshold: int = Field(12, ge=0, le=100, description="Survey score from which a house counts as "
                                                              "uninhabitable (shown to the approver).")


MODULE = Module(
    name="smart_kampung",
    version="0.1.0",
    service_kind="public",
    title={"id": "Smart Kampung", "en": "Smart Kampung"},
    description={"id": "Data penduduk desa dan layanan administrasi di kantor desa.",
                 "en": "The village population register and village services."},
    settings=SmartKampungSettings,
    permissions={
        "smart_kampung.residents.read": ("operator_desa", "kepala_desa", "camat"),
        "smart_kampung.residents.edit": ("operator_desa",),
        "smart_kampung.residents.import": ("operator_desa",),
        "smart_kampung.letters.request": ("citizen", "operator_desa"),
        "smart_kampung.letters.read": ("operator_desa", "kepala_desa", "camat"),
        "smart_kampung.rtlh.propose": ("operator_desa",),
        # Activate a resident's pending account / give a password reset code, having seen the KTP.
        "smart_kampung.accounts.activate": ("operator_desa",),
    },
    hooks={"identity.phone": "egovkit_modules.smart_kampung.views:register_phone",
           "register.person": "egovkit_modules.smart_kampung.views:register_person",
           "register.people": "egovkit_modules.smart_kampung.views:register_people"},
    workflows="egovkit_modules.smart_kampung.workflows:WORKFLOWS",
    documents=(DocumentType("smart_kampung.letter", "470", "{code}/{seq:03d}/{scope}/{year}"),),
    models="egovkit_modules.smart_kampung.models",
    blueprint="egovkit_modules.smart_kampung.register:bp",  # views.py's blueprint, with the register's routes
    api="egovkit_modules.smart_kampung.api:api",
    api_scopes=("kampung:read", "kampung:write"),
    cli="egovkit_modules.smart_kampung.cli:residents",
    # the mutation book (Buku Mutasi) from letters issued by this module (idempotent: keyed by event)
    events={"resident.born": "egovkit_modules.smart_kampung.register:on_born",
            "resident.died": "egovkit_modules.smart_kampung.register:on_died",
            "resident.moved": "egovkit_modules.smart_kampung.register:on_moved"},
    demo="egovkit_modules.smart_kampung.demo:seed",
    datasets=(
        Dataset("population", {"id": "Jumlah penduduk per desa, jenis kelamin dan kelompok umur",
                               "en": "Population by village, sex and age group"},
                {"id": "Penduduk hidup menurut register desa, per kelompok umur lima tahunan.",
                 "en": "Living residents in the village registers, in five-year age groups."},
                rows="egovkit_modules.smart_kampung.datasets:population",
                columns=(DatasetColumn("village_code", "string", {"id": "Kode desa", "en": "Village code"}),
                         DatasetColumn("village", "string", {"id": "Desa", "en": "Village"}),
                         DatasetColumn("district", "string", {"id": "Kecamatan", "en": "District"}),
                         DatasetColumn("sex", "string", {"id": "Jenis kelamin (L/P)", "en": "Sex (L/P)"}),
                         DatasetColumn("age_group", "string", {"id": "Kelompok umur", "en": "Age group"}),
                         DatasetColumn("residents", "count", {"id": "Jumlah penduduk", "en": "Residents"})),
                frequency="daily", keywords=("kependudukan", "penduduk", "desa")),
        Dataset("letters", {"id": "Surat desa yang diterbitkan per bulan dan jenis",
                            "en": "Village letters issued per month and type"},
                {"id": "Surat keterangan yang ditandatangani kantor desa.",
                 "en": "Letters signed by the village offices."},
                rows="egovkit_modules.smart_kampung.datasets:letters",
                columns=(DatasetColumn("month", "month", {"id": "Bulan", "en": "Month"}),
                         DatasetColumn("letter_type", "string", {"id": "Jenis surat", "en": "Letter type"}),
                         DatasetColumn("letters", "count", {"id": "Jumlah surat", "en": "Letters"})),
                frequency="daily", keywords=("layanan desa", "surat")),
    ),
    nav=(NavItem("smart_kampung.residents", {"id": "Penduduk", "en": "Residents"}, public=False,
                 permission="smart_kampung.residents.read"),
         NavItem("smart_kampung.letters", {"id": "Surat desa", "en": "Village letters"}, public=False),
         NavItem("smart_kampung.rtlh_list", {"id": "RTLH", "en": "Housing aid (RTLH)"}, public=False,
                 permission="smart_kampung.residents.read"),
         NavItem("smart_kampung.statistics", {"id": "Statistik", "en": "Statistics"},
                 public=False, permission="smart_kampung.residents.read"),
         NavItem("smart_kampung.dashboard", {"id": "Dasbor desa", "en": "Village dashboard"}, public=False,
                 permission="smart_kampung.residents.read"),
         NavItem("smart_kampung.track", {"id": "Lacak surat", "en": "Track a letter"})),
    derived_tables=("smart_kampung_population", "smart_kampung_family_count", "smart_kampung_stat"),  # counters kept by triggers
    tracking=Tracking("smart_kampung.track", "egovkit_modules.smart_kampung.views:tracked",
                      document="smart_kampung.letter"),
    tiles=(Tile("population", {"id": "Penduduk", "en": "Population"}, "egovkit_modules.smart_kampung.tiles:population"),
           Tile("letters", {"id": "Surat desa dilayani", "en": "Village letters served"}, "egovkit_modules.smart_kampung.tiles:letters"),),
)

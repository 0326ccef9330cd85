"""A complaint through the states of SP4N-LAPOR!: the verifying agency (the regency's LAPOR! administrator)
verifies it within 3 working days and routes it to the unit in charge (an OPD, or the desa where it
happened), or archives it (not a complaint about public service, unclear); the unit follows it up within 5
working days, or sends it back as not its own (bukan wewenang); the unit closes it with what was done; the
complainant rates it."""
from egovkit.i18n import N_
from egovkit.services.notifications import register_template
from egovkit.services.workflow import Notify, Transition, Workflow

HOOKS = "egovkit_modules.complaints.views"
VERIFIER = ("opd_staff", "opd_head")
UNIT = ("opd_staff", "opd_head", "operator_desa", "kepala_desa")


register_template("complaints.routed", N_("Your complaint was verified"),
                  N_("Your complaint (%(what)s, %(code)s) was verified and sent to the unit in charge, which "
                     "follows it up within 5 working days."))
register_template("complaints.in_progress", N_("Your complaint is being handled"),
                  N_("Your complaint (%(what)s, %(code)s) is being handled by the unit in charge."))
register_template("complaints.resolved", N_("Your complaint was resolved"),
                  N_("Your complaint (%(what)s, %(code)s) was resolved: %(note)s "
                     "Tell us how it was handled on its tracking page."))

COMPLAINT = Workflow(
    name="complaints.complaint",
    states={
        "unverified": {"id": "Belum Terverifikasi", "en": "Not yet verified"},
        "verified": {"id": "Belum Ditindaklanjuti", "en": "Not yet followed up"},
        "in_progress": {"id": "Proses", "en": "In progress"},
        "done": {"id": "Selesai", "en": "Resolved"},
        "archived": {"id": "Diarsipkan", "en": "Archived"},
    },
    initial="unverified",
    final=("done", "archived"),
    tones={"archived": "stopped"},
    transitions=(
        # Fired by the complaint page's form: the verifier confirms (or corrects) the category, which routes it.
        Transition("verify", ("unverified",), "verified", roles=VERIFIER, panel=False,
                   title={"id": "Verifikasi dan teruskan", "en": "Verify and route"}),
        Transition("archive", ("unverified",), "archived", roles=VERIFIER, requires=("note",),
                   title={"id": "Arsipkan: bukan pengaduan pelayanan publik", "en": "Archive: not a public "
                                                                                     "service complaint"}),
        Transition("follow_up", ("verified",), "in_progress", roles=UNIT,
                   title={"id": "Tindak lanjuti", "en": "Follow up"}),
        Transition("not_ours", ("verified", "in_progress"), "unverified", roles=UNIT, requires=("note",),
                   title={"id": "Bukan wewenang: kembalikan ke verifikator", "en": "Not ours: back to the "
                                                                                    "verifier"}),
        Transition("finish", ("in_progress",), "done", roles=UNIT, requires=("note",),
                   title={"id": "Selesai ditangani", "en": "Resolved"}),
    ),
    sla={"unverified": 3, "verified": 5},
    on_enter={"unverified": f"{HOOKS}:to_verifier", "verified": f"{HOOKS}:to_unit"},
    view="complaints.show",
    title={"id": "Pengaduan masyarakat", "en": "Public complaint"},
    notify=Notify(person=f"{HOOKS}:complainant", track="complaints.track",
                  on={"start": "case.received", "verify": "complaints.routed", "follow_up": "complaints.in_progress",
                      "archive": "case.refused", "finish": "complaints.resolved"}),
)

WORKFLOWS = [COMPLAINT]

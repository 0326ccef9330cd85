"""What social aid does when the register reports a death."""
from __future__ import annotations

from sqlalchemy import select

from egovkit.db import db
from egovkit.services import audit, workflow

from .models import Proposal


def release(proposal: Proposal, reason: str) -> None:
    """The proposal no longer stands: its person may be proposed again, its desa's quota place is free."""
    from .views import free_quota

    if proposal.active_key is not None:
        proposal.active_key = None
        free_quota(proposal)
    proposal.stopped = reason


def on_death(event) -> None:
    """``resident.died``: a death benefit case opens for the heirs (death.open_case); every proposal of the person not yet paid is stopped, its case closed, audited.
    (A payment attempt after the death is refused by the payment page, which asks the register.)"""
    nik = event.data.get("nik")
    if not nik:
        return
    from .death import open_case

    open_case(event)
    for proposal in db.session.scalars(select(Proposal).where(Proposal.nik == nik, Proposal.stopped.is_(None))):
        case = db.session.get(workflow.Case, proposal.case_id) if proposal.case_id else None
        if case is not None and case.state == "paid":
            continue  # paid before the death: history, not a mistake
        release(proposal, "died")
        if case is not None and not case.closed:  # a racing payment makes this a Conflict: retried, then skipped
            workflow.fire_system(case, "stop", actor="resident.died",
                                 note=f"Penerima meninggal dunia ({event.data.get('date_of_death') or '-'})")
        audit.record("proposal_stopped", "social_aid", "social_aid_proposal", proposal.id, reason="died",
                     programme=proposal.programme, period=proposal.period,
                     date_of_death=event.data.get("date_of_death"))

"""An application's state folded from its loan events, in any order (SPEC §7). Pure: no queries;
used by the event entry point and by the recompute."""

from __future__ import annotations

from ..models import STATUS_ORDER, Application, ApplicationStatus

# --- the fold --------------------------------------------------------------------------------------


def event_sort_key(event) -> tuple:
    return (event.occurred_at, STATUS_ORDER[event.status], event.event_id)


def application_fold(app: Application, events: list) -> bool:
    """Set `app`'s state from all its events (any order in, sorted here). Returns whether the
    submitted event is among them (otherwise `submitted_at` is the earliest event's time)."""
    events = sorted(events, key=event_sort_key)
    facts = {
        "product": "",
        "referral_code": "",
        "customer_id_hash": "",
        "customer_id_masked": "",
        "customer_name": "",
        "customer_mobile": "",
    }
    submitted = approved = None
    rejected = disbursed = withdrawn = None
    for ev in events:
        payload = ev.payload or {}
        for key, current in facts.items():
            if not current and payload.get(key):
                facts[key] = payload[key]
        if ev.status == ApplicationStatus.SUBMITTED and submitted is None:
            submitted = ev
        elif ev.status == ApplicationStatus.APPROVED and approved is None:
            approved = ev
        elif ev.status == ApplicationStatus.REJECTED:
            rejected = ev
        elif ev.status == ApplicationStatus.DISBURSED:
            disbursed = ev
        elif ev.status == ApplicationStatus.WITHDRAWN:
            withdrawn = ev
    last = events[-1]
    app.product = facts["product"]
    app.referral_token = facts["referral_code"]
    app.customer_id_hash = facts["customer_id_hash"]
    app.customer_id_masked = facts["customer_id_masked"]
    app.customer_name = facts["customer_name"]
    app.customer_mobile = facts["customer_mobile"]
    app.status = last.status
    app.status_at = last.occurred_at
    app.submitted_at = (submitted or events[0]).occurred_at
    app.approved_at = approved.occurred_at if approved else None
    app.rejected_at = rejected.occurred_at if rejected else None
    app.reject_reason = rejected.reason if rejected else ""
    app.disbursed_at = disbursed.occurred_at if disbursed else None
    app.disbursed_amount = disbursed.amount if disbursed else None
    app.withdrawn_at = withdrawn.occurred_at if withdrawn else None
    app.withdraw_reason = withdrawn.reason if withdrawn else ""
    return submitted is not None

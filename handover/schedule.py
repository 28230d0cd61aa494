"""What ``relais taches`` owes each record on a given day: reminders, escalation, expiry, and
the retention of personal data. Pure functions of (record, department's ``Delais``, day).

Timers (issue 10, "Time, reminders, notifications"; defaults in ``models.Delais``):

- a proposal still ``transmise`` ``relance_jours`` days after it was sent gets a reminder to
  its inbox, then one every ``relance_intervalle_jours`` days (a missed run sends one, not a
  backlog);
- still ``transmise`` after ``escalade_jours``: one escalation to the department admins;
- no decision (``transmise`` or ``prise_en_charge``) after ``expiration_jours``: expiry;
- ``acceptee`` and no entry ``ENTRY_REMINDER_DAYS`` (15) days after the decision: a reminder;
- ``entree``/``renouvelee``: a reminder ``END_REMINDER_DAYS`` (30) days before the planned
  end, again after a renewal (the planned end moved).

The days count from ``proposee_le``, which a redirect keeps (the délais count from the first
sending). ``HandOver.relances`` (kind → ISO day of the last reminder) makes each reminder
idempotent: it is due when its last occurrence's day is later than the last one sent.

Retention (issue 10, "Personal data"): free texts (the assessment, the diagnostics' summaries,
the typed part of a redirect's, re-orientation's or refusal's reason) purged
``purge_textes_mois`` months after closure; identity anonymised ``anonymisation_mois`` months after the end (or the closure), or
after as many months without activity.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from handover.dates import add_months, days_between
from handover.models import (
    ACCEPTEE,
    BEFORE_DECISION,
    CLOSED_STATUSES,
    ENTREE,
    RENOUVELEE,
    SIDE_CD,
    SIDE_FT,
    TRANSMISE,
    Delais,
    HandOver,
    HandOverError,
    StatRow,
)

# Reminder kinds (keys of ``HandOver.relances``), each with its French label.
RELANCE = "relance"
ESCALADE = "escalade"
ENTREE_MANQUANTE = "entree_manquante"
FIN_PROCHE = "fin_proche"
REMINDERS = {
    RELANCE: "Proposition non prise en charge",
    ESCALADE: "Proposition non prise en charge : escalade",
    ENTREE_MANQUANTE: "Entrée non enregistrée",
    FIN_PROCHE: "Fin d'accompagnement proche",
}
ENTRY_REMINDER_DAYS = 15  # issue 10: entry still missing 15 days after acceptance
END_REMINDER_DAYS = 30  # issue 10: 30 days before the end of the 12 months (or renewal)


def expires(record: HandOver, delais: Delais, today: date) -> bool:
    """No decision ``expiration_jours`` days after the proposal."""
    return record.status in BEFORE_DECISION and (
        today >= record.proposee_le + timedelta(days=delais.expiration_jours)
    )


def _last(record: HandOver, kind: str) -> date | None:
    value = (record.relances or {}).get(kind)
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _due(record: HandOver, kind: str, since: date, today: date) -> bool:
    last = _last(record, kind)
    return today >= since and (last is None or last < since)


def reminders_due(record: HandOver, delais: Delais, today: date) -> list[str]:
    """The reminder kinds ``record`` is owed on ``today`` (none when it expires today)."""
    if expires(record, delais, today):
        return []
    due = []
    if record.status == TRANSMISE:
        first = record.proposee_le + timedelta(days=delais.relance_jours)
        if today >= first:
            step = max(1, delais.relance_intervalle_jours)
            occurrence = first + timedelta(days=(today - first).days // step * step)
            if _due(record, RELANCE, occurrence, today):
                due.append(RELANCE)
        escalation = record.proposee_le + timedelta(days=delais.escalade_jours)
        if _due(record, ESCALADE, escalation, today):
            due.append(ESCALADE)
    elif record.status == ACCEPTEE and record.decidee_le is not None:
        since = record.decidee_le + timedelta(days=ENTRY_REMINDER_DAYS)
        if _due(record, ENTREE_MANQUANTE, since, today):
            due.append(ENTREE_MANQUANTE)
    elif record.status in (ENTREE, RENOUVELEE) and record.fin_prevue_le is not None:
        since = record.fin_prevue_le - timedelta(days=END_REMINDER_DAYS)
        if _due(record, FIN_PROCHE, since, today):
            due.append(FIN_PROCHE)
    return due


def with_reminder(record: HandOver, kind: str, today: date) -> HandOver:
    return replace(record, relances={**(record.relances or {}), kind: today.isoformat()})


# -- retention -------------------------------------------------------------------------------
def _last_activity(record: HandOver) -> date:
    """The later of the last event's day and every day the record holds (a moved clock
    writes the record's days, not the events' times)."""
    try:
        days = [date.fromisoformat(record.derniere_activite[:10])]
    except (TypeError, ValueError):
        days = []
    days += [d.date for d in record.diagnostics]
    days += [
        d
        for d in (
            record.proposee_le,
            record.prise_en_charge_le,
            record.decidee_le,
            record.entree_le,
            record.renouvelee_le,
            record.terminee_le,
            record.cloturee_le,
        )
        if d is not None
    ]
    return max(days)


def purge_cutoff(delais: Delais, today: date) -> date:
    """Records closed on or before this day have their free texts purged on ``today``:
    ``purge_textes_mois`` months back (the store applies it in SQL, per department)."""
    return add_months(today, -delais.purge_textes_mois)


def purge_due(record: HandOver, delais: Delais, today: date) -> bool:
    """Closed, texts still there, closed ``purge_textes_mois`` months ago or more."""
    return (
        record.status in CLOSED_STATUSES
        and record.textes_purges_le is None
        and record.cloturee_le is not None
        and record.cloturee_le <= purge_cutoff(delais, today)
    )


def anonymise_due(record: HandOver, delais: Delais, today: date) -> bool:
    """Identity still there, and ``anonymisation_mois`` months after the end (the closure for
    a refused, cancelled or expired record) or without activity."""
    if record.anonymisee_le is not None or record.person is None:
        return False
    months = delais.anonymisation_mois
    end = record.terminee_le or record.cloturee_le
    if record.status in CLOSED_STATUSES and end is not None and today >= add_months(end, months):
        return True
    return today >= add_months(_last_activity(record), months)


# Events whose reason ends with a text typed by someone (``handover.services``): the part
# after the separator goes with the free texts; the codes and the target stay.
FREE_TEXT_AFTER = {
    "rediriger": " : ",
    "reorienter": " : ",
    "refuser": " — ",
    "refuser_reception": " — ",
}


def reason_without_free_text(action: str, reason: str) -> str:
    """``("refuser", "capacite — Vu en entretien")`` → ``"capacite"``; other events as is."""
    separator = FREE_TEXT_AFTER.get(action)
    return reason.partition(separator)[0] if separator else reason


def stat_row(record: HandOver) -> StatRow:
    """The anonymous month-level row kept for the délais dashboard: durations in days from
    the proposal, the month of the proposal, no identity."""

    def since(day: date | None) -> int | None:
        return days_between(record.proposee_le, day)

    ft, cd = record.diagnostic(SIDE_FT), record.diagnostic(SIDE_CD)
    return StatRow(
        mois=record.proposee_le.strftime("%Y-%m"),
        departement=record.departement,
        territoire_id=record.territoire_id,
        agence=record.agence,
        axe=record.axe,
        status=record.status,
        motifs_refus=tuple(record.motifs_refus),
        redirections=record.redirections,
        jours_prise_en_charge=since(record.prise_en_charge_le),
        jours_diagnostic_ft=since(ft.date if ft else None),
        jours_diagnostic_cd=since(cd.date if cd else None),
        jours_decision=since(record.decidee_le),
        jours_entree=since(record.entree_le),
    )


# -- a department's timers, as the console edits them -----------------------------------------
# field → (French label, minimum, maximum); days for the timers, months for the retention.
DELAIS_FIELDS: dict[str, tuple[str, int, int]] = {
    "relance_jours": ("Première relance d'une proposition non prise en charge (jours)", 1, 90),
    "relance_intervalle_jours": ("Relances suivantes, tous les (jours)", 1, 90),
    "escalade_jours": ("Escalade aux administrateurs du département (jours)", 1, 180),
    "expiration_jours": ("Expiration sans décision (jours)", 7, 365),
    "purge_textes_mois": ("Purge des textes libres après la clôture (mois)", 1, 24),
    "anonymisation_mois": ("Anonymisation après la fin ou sans activité (mois)", 1, 120),
}


def read_delais(form, departement: str) -> Delais:
    """A department's ``Delais`` from a form (strings); raises ``HandOverError`` naming the
    first field out of its range (``DELAIS_FIELDS``) or an expiry not after the first
    reminder."""
    values: dict = {}
    for name, (label, low, high) in DELAIS_FIELDS.items():
        raw = str(form.get(name) or "").strip()
        try:
            number = int(raw)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise HandOverError(f"{label} : un nombre entier de {low} à {high}.", name)
        values[name] = number
    if values["expiration_jours"] <= values["relance_jours"]:
        raise HandOverError(
            "Expiration sans décision : après la première relance.", "expiration_jours"
        )
    coordinators = str(form.get("avec_coordinateurs") or "").lower() in {"oui", "on", "1", "true"}
    return Delais(departement, avec_coordinateurs=coordinators, **values)

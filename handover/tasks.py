"""``relais taches``: the scheduled work over every department, idempotent, safe every 10
minutes (cron). See ``handover.schedule`` for the rules and their sources.

``run_tasks(service, tasks_store, deliver, today, flush)`` does, in order:

0. ``flush()``: the e-mails an earlier run or action could not send are sent again;
1. expiry of proposals without a decision (``service.act(None, id, "expirer")``: an event by
   the system, and the service's ``notify`` hook tells the adviser);
2. reminders and escalation, each handed to ``deliver(kind, record)`` and written to
   ``HandOver.relances`` only when it was accepted (in the outbox: sent now or on the next
   run; refused: the reminder itself is due again on the next run);
3. purge of free texts (set-based: no record is loaded), then anonymisation (the anonymous
   ``StatRow`` written first, in the same transaction), in batches, each purge/anonymisation
   in the audit log as the system;
4. ``refresh(today)``: the délais dashboard's snapshot of cohort cells computed again.

The store is read through SQL prefilters (the loosest department's timers), then each
record is checked exactly against its own department's ``Delais``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from accounts.models import AuditEntry
from handover import schedule
from handover.dates import add_months, moment_on, today_in_france
from handover.models import Delais, HandOver, HandOverError, StatRow

log = logging.getLogger("relais.taches")

Deliver = Callable[[str, HandOver], bool]  # (kind, record) → False when it was not accepted
Flush = Callable[[], tuple[int, int]]  # the outbox sent again: (sent, failed)
SYSTEM_ACTOR = "relais-taches"  # the audit log's actor for the scheduled work
BATCH = 500
SLACK_DAYS = 3  # prefilters are loosened by a few days (month ends), the exact rule follows


class TaskStore(Protocol):
    """What ``run_tasks`` needs beyond ``HandOverStore`` (``persistence.handover_tasks``)."""

    def list_delais(self) -> list[Delais]:
        """Every department's stored timers (departments without a row use the defaults)."""

    def iter_timer_candidates(
        self,
        unclaimed_before: date,
        undecided_before: date,
        accepted_before: date,
        ending_before: date,
    ) -> Iterator[HandOver]:
        """Records that may owe something (without their diagnostics and events): unclaimed
        ones proposed on or before ``unclaimed_before``, claimed but undecided ones proposed on
        or before ``undecided_before``, accepted ones decided on or before
        ``accepted_before`` and not reminded yet, entered ones ending on or before
        ``ending_before`` and not reminded since their renewal."""

    def iter_anonymisation_candidates(self, before: date) -> Iterator[HandOver]:
        """Records with their identity, ended (or closed) or last active before ``before``
        (with their diagnostics)."""

    def purge_closed(
        self,
        departements: list[str],
        others_than: list[str] | None,
        closed_before: date,
        today: date,
        audit: Callable[[int, str], AuditEntry],
    ) -> int:
        """Purge the free texts of the closed records of ``departements`` (or of every
        department but ``others_than`` when it is not None) closed on or before
        ``closed_before``, by batches, writing ``audit(id, departement)`` for each; returns
        how many."""

    def mark_reminded(self, relances: dict[int, dict]) -> None:
        """Write each record's ``relances`` (id → kind → ISO day), in one transaction."""

    def anonymise(
        self, rows: list[tuple[int, StatRow]], today: date, audit: list[AuditEntry]
    ) -> int:
        """Write each ``StatRow``, then remove the identity and free texts of its record
        (``personne_cle`` kept) and write ``audit``, in one transaction."""


@dataclass
class TaskReport:
    """What one run did (counts), in French by ``summary()``."""

    jour: date
    expirees: int = 0
    relances: int = 0
    escalades: int = 0
    entrees_manquantes: int = 0
    fins_proches: int = 0
    textes_purges: int = 0
    anonymisees: int = 0
    statistiques: int = 0
    courriels_repris: int = 0
    envois_en_echec: int = 0
    courriels_en_attente: int = 0
    courriels_abandonnes: int = 0
    courriel: bool = True
    erreurs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        values = asdict(self)
        values["jour"] = self.jour.isoformat()
        return values

    def summary(self) -> str:
        lines = [
            f"Tâches du {self.jour.strftime('%d/%m/%Y')} :",
            f"- propositions expirées sans décision : {self.expirees}",
            f"- relances de propositions non prises en charge : {self.relances}",
            f"- escalades aux administrateurs départementaux : {self.escalades}",
            f"- relances d'entrée non enregistrée : {self.entrees_manquantes}",
            f"- rappels de fin d'accompagnement proche : {self.fins_proches}",
            f"- dossiers dont les textes libres ont été purgés : {self.textes_purges}",
            f"- dossiers anonymisés : {self.anonymisees} "
            f"(lignes de statistiques écrites : {self.statistiques})",
        ]
        if not self.courriel:
            lines.append("Courriel désactivé (RELAIS_SMTP_HOST vide) : aucun message envoyé.")
        if self.courriels_repris:
            lines.append(f"Courriels en attente envoyés : {self.courriels_repris}.")
        if self.envois_en_echec:
            lines.append(
                f"Courriels en échec : {self.envois_en_echec} (réessayés au prochain passage)."
            )
        if self.courriels_en_attente:
            lines.append(f"Courriels en attente d'envoi : {self.courriels_en_attente}.")
        if self.courriels_abandonnes:
            lines.append(
                f"Courriels abandonnés après toutes leurs tentatives : {self.courriels_abandonnes}"
                " (table mail_outbox)."
            )
        lines += [f"Erreur : {e} Voir le journal de relais taches." for e in self.erreurs]
        return "\n".join(lines)


COUNTERS = {
    schedule.RELANCE: "relances",
    schedule.ESCALADE: "escalades",
    schedule.ENTREE_MANQUANTE: "entrees_manquantes",
    schedule.FIN_PROCHE: "fins_proches",
}


def run_tasks(
    service,
    tasks_store: TaskStore,
    deliver: Deliver,
    today: date,
    flush: Flush | None = None,
    mail_enabled: bool = True,
    backlog: Callable[[], dict[str, int]] | None = None,
    refresh: Callable[[date], object] | None = None,
) -> TaskReport:
    """Run every scheduled task as of ``today`` (``relais taches --date`` moves it); returns
    the ``TaskReport``. ``service`` is the ``HandOverService`` (its clock is set to
    ``today`` for the expiries). A step that fails (the database went away…) is logged with
    its trace and named in ``report.erreurs`` in French; the next steps still run.
    ``backlog()``: the outbox's ``{"en_attente": …, "abandonnes": …}`` after the run.
    ``refresh(today)``, last: the délais dashboard's snapshot computed again
    (``persistence.dashboard_cells``), so that the page reads figures at most one run old."""
    report = TaskReport(jour=today, courriel=mail_enabled)
    clocked = copy.copy(service)
    clocked.today = lambda: today
    if today != today_in_france():  # a moved clock: its events are stamped on its day
        clocked.now = lambda: moment_on(today)

    def flushed():
        report.courriels_repris, report.envois_en_echec = flush()

    def book():
        return _DelaisBook(tasks_store.list_delais())

    steps = [
        ("envoi des courriels en attente", flushed if flush is not None else None),
        (
            "relances et expirations",
            lambda: _timers(clocked, tasks_store, deliver, today, book(), report),
        ),
        ("purge et anonymisation", lambda: _retention(tasks_store, today, book(), report)),
        ("tableau de bord des délais", (lambda: refresh(today)) if refresh is not None else None),
    ]
    for label, step in steps:
        if step is None:
            continue
        try:
            step()
        except Exception as exc:  # one failing step never hides what the others did
            log.exception("relais taches: step %s failed", label)
            report.erreurs.append(f"Étape « {label} » interrompue ({exc.__class__.__name__}).")
    if backlog is not None and not report.erreurs:
        counts = backlog()
        report.courriels_en_attente = counts.get("en_attente", 0)
        report.courriels_abandonnes = counts.get("abandonnes", 0)
    return report


class _DelaisBook:
    """Each department's ``Delais`` (the defaults without a stored row), and the loosest
    value of a timer over all of them (for the SQL prefilters)."""

    def __init__(self, stored: list[Delais]):
        self.known = {d.departement: d for d in stored}
        self.all = [*stored, Delais("")]  # the defaults apply to departments without a row

    def __call__(self, departement: str) -> Delais:
        return self.known.get(departement) or Delais(departement)

    def least(self, name: str) -> int:
        return min(getattr(d, name) for d in self.all)


def _timers(service, tasks_store, deliver, today, book, report) -> None:
    first = min(book.least(n) for n in ("relance_jours", "escalade_jours", "expiration_jours"))
    candidates = tasks_store.iter_timer_candidates(
        today - timedelta(days=first),
        today - timedelta(days=book.least("expiration_jours")),
        today - timedelta(days=schedule.ENTRY_REMINDER_DAYS),
        today + timedelta(days=schedule.END_REMINDER_DAYS),
    )
    reminded: dict[int, dict] = {}
    try:
        for record in candidates:
            if len(reminded) >= BATCH:
                tasks_store.mark_reminded(reminded)
                reminded = {}
            delais = book(record.departement)
            if schedule.expires(record, delais, today):
                try:
                    service.act(None, record.id, "expirer")
                except HandOverError as exc:  # someone acted meanwhile: nothing to expire
                    log.info("hand-over %s not expired: %s", record.id, exc)
                    continue
                report.expirees += 1
                continue
            relances = dict(record.relances or {})
            for kind in schedule.reminders_due(record, delais, today):
                if deliver(kind, record):
                    relances[kind] = today.isoformat()
                    counter = COUNTERS[kind]
                    setattr(report, counter, getattr(report, counter) + 1)
                else:
                    report.envois_en_echec += 1
            if relances != (record.relances or {}):
                reminded[record.id] = relances
    finally:  # what went out is written down, even if a later record failed
        if reminded:
            tasks_store.mark_reminded(reminded)


def _retention(tasks_store, today, book, report) -> None:
    def audit(handover_id: int, departement: str) -> AuditEntry:
        return _audit(
            handover_id,
            departement,
            "orientation_purge_textes",
            f"textes libres purgés le {today.isoformat()}",
        )

    # Set-based: one statement per batch and per distinct delay, no record loaded.
    custom = {}
    for delais in book.known.values():
        custom.setdefault(delais.purge_textes_mois, []).append(delais.departement)
    for months, departements in custom.items():
        cutoff = schedule.purge_cutoff(Delais("", purge_textes_mois=months), today)
        report.textes_purges += tasks_store.purge_closed(departements, None, cutoff, today, audit)
    default = schedule.purge_cutoff(Delais(""), today)
    report.textes_purges += tasks_store.purge_closed([], sorted(book.known), default, today, audit)

    before = add_months(today, -book.least("anonymisation_mois")) + timedelta(SLACK_DAYS)
    anonymise: list[HandOver] = []
    for record in tasks_store.iter_anonymisation_candidates(before):
        if schedule.anonymise_due(record, book(record.departement), today):
            anonymise.append(record)
        if len(anonymise) >= BATCH:
            _anonymise(tasks_store, anonymise, today, report)
            anonymise = []
    if anonymise:
        _anonymise(tasks_store, anonymise, today, report)


def _audit(handover_id: int, departement: str, action: str, details: str) -> AuditEntry:
    return AuditEntry(
        id=None,
        at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        actor_id=None,
        actor_email=SYSTEM_ACTOR,
        action=action,
        record=f"orientation:{handover_id}",
        departement=departement,
        details=details,
    )


def _anonymise(tasks_store, records: list[HandOver], today: date, report: TaskReport) -> None:
    rows = [(r.id, schedule.stat_row(r)) for r in records]
    details = f"identité anonymisée le {today.isoformat()}"
    audit = [_audit(r.id, r.departement, "orientation_anonymisation", details) for r in records]
    done = tasks_store.anonymise(rows, today, audit)
    report.anonymisees += done
    report.statistiques += done

"""E-mails of the hand-over: who is told of each step, and what the message says.

``HandOverNotifier(mailer, accounts_store, public_url)`` is the ``notify(kind, record)`` hook of
``handover.services.HandOverService`` (wired in ``relais.runtime``) and the reminder sender of
``relais taches``. ``kind`` is a transition's action (``transmise`` for a new proposal) or a
reminder kind of ``handover.schedule``. Every message is first written to the outbox
(``notifications.outbox``), then sent: at once (``relais taches``, scripts), or after the
response when ``later`` is set (the app: ``notifications.sender.BackgroundSender``, so that a
web request never waits on SMTP); one the SMTP server did not take is sent again by
``flush()`` on the next ``relais taches``.

Issue 10: **e-mails carry no personal data**. A message holds the reference, the axe, the
territory, the status (and for a refusal, the reason codes' labels when the decision says they
may be shared), and a link to the record that requires login; never the person's name,
identifiant, birth date, commune, phone, e-mail or any free text. A failed send is logged (without
the content) and never raises: the action it follows is already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from accounts import roles
from accounts.models import User
from handover.models import REFUSAL_REASONS, HandOver
from handover.schedule import ENTREE_MANQUANTE, ESCALADE, FIN_PROCHE, RELANCE
from notifications.mailer import Mailer, MailError
from notifications.outbox import Message, Outbox, Queued

log = logging.getLogger("relais.mail")

INBOX = "inbox"  # the territory's mailbox and coordinateurs, or the department's team
ADMINS = "admins"  # the department's admins
ADVISER = "adviser"  # the France Travail adviser who proposed
WORKER = "worker"  # the assigned travailleur social
REFERENTS = "referents"  # the social worker and the dedicated adviser (else the inbox)

# kind → (recipients, subject, first sentence). Kinds not listed send nothing.
MESSAGES: dict[str, tuple[str, str, str]] = {
    "transmise": (
        INBOX,
        "Nouvelle proposition d'orientation",
        "Une nouvelle proposition d'orientation attend votre prise en charge.",
    ),
    "rediriger": (
        INBOX,
        "Proposition d'orientation redirigée vers votre territoire",
        "Une proposition d'orientation a été redirigée vers votre territoire.",
    ),
    "attribuer": (
        WORKER,
        "Orientation qui vous est attribuée",
        "Une orientation vous a été attribuée : le diagnostic est à réaliser.",
    ),
    "accepter": (
        ADVISER,
        "Décision : entrée en accompagnement acceptée",
        "L'entrée en accompagnement de votre proposition est décidée.",
    ),
    "refuser": (ADVISER, "Décision : refus", "Votre proposition d'orientation est refusée."),
    "refuser_reception": (
        ADVISER,
        "Proposition refusée à la réception",
        "Votre proposition d'orientation a été refusée à la réception.",
    ),
    "reorienter": (
        ADVISER,
        "Proposition réorientée",
        "Votre proposition d'orientation a été réorientée vers l'autre accompagnement.",
    ),
    "expirer": (
        ADVISER,
        "Proposition expirée",
        "Votre proposition d'orientation a expiré faute de décision dans le délai du département.",
    ),
    "annuler": (
        REFERENTS,
        "Proposition annulée",
        "Une proposition d'orientation a été annulée par France Travail.",
    ),
    RELANCE: (
        INBOX,
        "Relance : proposition non prise en charge",
        "Une proposition d'orientation attend toujours sa prise en charge.",
    ),
    ESCALADE: (
        ADMINS,
        "Escalade : proposition non prise en charge",
        "Une proposition d'orientation de votre département n'est toujours pas prise en "
        "charge ; le délai d'escalade est dépassé.",
    ),
    ENTREE_MANQUANTE: (
        REFERENTS,
        "Relance : entrée non enregistrée",
        "L'entrée en accompagnement a été décidée il y a plus de 15 jours et n'est pas "
        "encore enregistrée.",
    ),
    FIN_PROCHE: (
        REFERENTS,
        "Rappel : fin d'accompagnement proche",
        "L'accompagnement arrive à son terme dans moins de 30 jours : renouvellement ou fin "
        "à préparer.",
    ),
}


class HandOverNotifier:
    """``notifier(kind, record)`` → True when the message is in the outbox (sent now or
    later), or when there is nothing to send (e-mail off, a kind without message, nobody to
    tell); False when it could not even be composed or written."""

    def __init__(
        self,
        mailer: Mailer,
        accounts_store,
        outbox: Outbox,
        public_url: str = "",
        later: Callable[[Queued], None] | None = None,
    ):
        self.mailer = mailer
        self.accounts = accounts_store  # accounts.repository.AccountStore
        self.outbox = outbox
        self.public_url = (public_url or "").rstrip("/")
        # None: send now; else hands the written message over (the app's background sender).
        self.later = later

    def __call__(self, kind: str, record: HandOver) -> bool:
        if not self.mailer.enabled or kind not in MESSAGES:
            return True
        try:  # a notification never breaks the action it follows
            message = self.message(kind, record)
            if not message.to:
                log.warning("notification %s of hand-over %s: nobody to tell", kind, record.id)
                return True
            queued = Queued(self.outbox.add(kind, record.id, message), kind, record.id, message, 0)
        except Exception:
            log.exception("notification %s of hand-over %s not written", kind, record.id)
            return False
        if self.later is not None:
            self.later(queued)
        else:
            self.deliver(queued)
        return True

    def flush(self) -> tuple[int, int]:
        """Send the outbox's unsent messages again (``relais taches``): (sent, failed)."""
        sent = failed = 0
        if not self.mailer.enabled:
            return sent, failed
        for queued in self.outbox.pending():
            outcome = self.deliver(queued)
            sent += outcome is True
            failed += outcome is False
        return sent, failed

    def backlog(self) -> dict[str, int]:
        """The outbox's unsent messages: ``{"en_attente": …, "abandonnes": …}``."""
        return self.outbox.counts()

    def deliver(self, queued: Queued) -> bool | None:
        """One attempt at sending ``queued`` (an outbox message): True sent, False failed (kept for the next run), None taken by another run."""
        if not self.outbox.claim(queued.id, queued.attempts):
            return None
        message = queued.message
        try:
            self.mailer.send(list(message.to), message.subject, message.text)
        except MailError as exc:
            log.warning("e-mail %s (%s) not sent: %s", queued.id, queued.kind, exc)
            self.outbox.mark_failed(queued.id, str(exc))
            return False
        self.outbox.mark_sent(queued.id)
        return True

    # -- composing ---------------------------------------------------------------------------
    def message(self, kind: str, record: HandOver) -> Message:
        """The message for ``kind`` (a key of ``MESSAGES``): recipients, subject, text."""
        audience, subject, sentence = MESSAGES[kind]
        lines = [
            "Bonjour,",
            "",
            sentence,
            "",
            f"Dossier : {record.reference}",
            f"Accompagnement : {record.axe_label} (axe {record.axe})",
            f"Territoire : {self.territory_name(record)}",
            f"Statut : {record.status_label}",
        ]
        if kind in ("refuser", "refuser_reception"):
            if record.refus_communicable and record.motifs_refus:
                labels = [REFUSAL_REASONS.get(c, c) for c in record.motifs_refus]
                lines.append(f"Motif (communicable à la personne) : {', '.join(labels)}")
            else:
                lines.append("Motif : à consulter dans Relais (non communicable à la personne).")
        lines.append("")
        if self.public_url:
            lines += [
                "Consultez le dossier dans Relais (connexion requise) :",
                f"{self.public_url}/accompagnements/{record.id}",
            ]
        else:
            lines.append(
                f"Consultez le dossier {record.reference} dans Relais (connexion requise)."
            )
        lines += [
            "",
            "Ce message ne contient aucune donnée personnelle ; merci de ne pas y répondre.",
            "— Relais",
        ]
        return Message(
            to=self.recipients(audience, record),
            subject=f"Relais – {subject} – {record.reference}",
            text="\n".join(lines) + "\n",
        )

    def territory_name(self, record: HandOver) -> str:
        if record.territoire_id is not None:
            for territory in self.accounts.list_territories(record.departement):
                if territory.id == record.territoire_id:
                    return f"{territory.nom} (département {record.departement})"
        return f"équipe départementale (département {record.departement})"

    def recipients(self, audience: str, record: HandOver) -> tuple[str, ...]:
        """E-mail addresses of ``audience`` for ``record`` (active accounts only, no doubles)."""
        if audience == ADVISER:
            found = [self._user(record.proposee_par)]
        elif audience == WORKER:
            found = [self._user(record.referent_cd_id)]
        elif audience == ADMINS:
            found = self._members(record.departement, roles.ADMIN_DEPARTEMENTAL)
        elif audience == REFERENTS:
            found = [self._user(record.referent_cd_id), self._user(record.referent_ft_id)]
            if not any(found):
                return self.recipients(INBOX, record)
        else:
            return self._inbox(record)
        return _addresses(u.email for u in found if u is not None)

    def _inbox(self, record: HandOver) -> tuple[str, ...]:
        coordinators = self._members(record.departement, roles.COORDINATEUR)
        if record.territoire_id is not None:
            mailbox = [
                t.courriel
                for t in self.accounts.list_territories(record.departement)
                if t.id == record.territoire_id and t.courriel
            ]
            own = [u.email for u in coordinators if u.territoire_id == record.territoire_id]
            if mailbox or own:
                return _addresses([*mailbox, *own])
        # The department's team: its coordinateurs without a territory, else its admins.
        team = [u.email for u in coordinators if u.territoire_id is None]
        if not team:
            team = [u.email for u in self._members(record.departement, roles.ADMIN_DEPARTEMENTAL)]
        return _addresses(team)

    def _user(self, user_id: int | None) -> User | None:
        if user_id is None:
            return None
        user = self.accounts.get_user(user_id)
        return user if user is not None and user.active else None

    def _members(self, departement: str, role: str) -> list[User]:
        return [u for u in self.accounts.list_users(departement) if u.role == role and u.active]


def _addresses(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))

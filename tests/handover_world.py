"""A department with a territory, its people and a hand-over service on a given store, with the
clock in the test's hands and the e-mails going to the real SMTP server of the tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from accounts.models import Territory
from accounts.services import AccountService
from handover.services import HandOverService
from handover.tasks import run_tasks
from notifications.handover import HandOverNotifier
from notifications.mailer import Mailer
from persistence.accounts import SqlAccountStore
from persistence.handover_tasks import SqlHandOverTaskStore
from persistence.handovers import SqlHandOverStore
from persistence.outbox import SqlOutbox

PUBLIC_URL = "https://relais.example.fr"
TERRITORY = "MDS Champagne Nord"
MAILBOX = "accueil-mds-nord@cd51.example.fr"
# The person: every value here must stay out of every e-mail.
PERSON = {
    "identifiant_ft": "7654321Z",
    "nom": "Brunehilde",
    "prenom": "Zéphyrine",
    "date_naissance": "1985-04-12",
    "code_commune": "51454",
    "telephone": "06 12 34 56 78",
    "courriel": "zephyrine.brunehilde@exemple.fr",
}
SECRET_TEXT = "Dettes de loyer confiées en entretien"
PERSONAL = [
    "Brunehilde",
    "Zéphyrine",
    "Zephyrine",
    "7654321Z",
    "612345678",
    "12 34 56 78",
    "1985-04-12",
    "12/04/1985",
    "51454",
    "zephyrine",
    SECRET_TEXT,
    "Synthèse confidentielle",
]


@dataclass
class World:
    database: object
    smtp: object
    today: date
    accounts: AccountService = field(init=False)
    service: HandOverService = field(init=False)
    tasks_store: SqlHandOverTaskStore = field(init=False)
    notifier: HandOverNotifier = field(init=False)
    people: dict = field(init=False)

    def __post_init__(self):
        self.accounts = AccountService(SqlAccountStore(self.database))
        self.accounts.set_departement(None, "51", True)
        self.accounts.store.replace_territories(
            "51", [Territory(None, "51", TERRITORY, "MDS", MAILBOX)], {"51454": TERRITORY}
        )
        (territory,) = self.accounts.store.list_territories("51")
        self.territory = territory
        make = self.accounts.create_user
        self.people = {
            "conseiller": make(None, "conseiller@ft51.example.fr", "conseiller", "51", "AG51"),
            "conseiller_ag": make(None, "dedie@ft51.example.fr", "conseiller_ag", "51", "AG51"),
            "coordinateur": make(
                None, "coord@cd51.example.fr", "coordinateur", "51", territoire_id=territory.id
            ),
            "travailleur_social": make(
                None, "ts@cd51.example.fr", "travailleur_social", "51", territoire_id=territory.id
            ),
            "admin": make(None, "admin@cd51.example.fr", "admin_departemental", "51"),
        }
        self.outbox = SqlOutbox(self.database)
        self.notifier = self.notifier_on(self.smtp.port)
        self.service = HandOverService(
            SqlHandOverStore(self.database),
            self.accounts,
            lambda code: "51" if code.startswith("51") else None,
            lambda ident: hashlib.sha256(ident.encode()).hexdigest(),
            today=lambda: self.today,
            notify=lambda kind, record: self.notifier(kind, record),
        )
        self.tasks_store = SqlHandOverTaskStore(self.database)

    def notifier_on(self, port: int) -> HandOverNotifier:
        return HandOverNotifier(
            Mailer(host="127.0.0.1", port=port, sender="relais@cd51.example.fr"),
            self.accounts.store,
            self.outbox,
            PUBLIC_URL,
        )

    def propose(self, axe: int = 2, **extra):
        form = {
            **PERSON,
            "axe": str(axe),
            "freins": ["logement-hebergement", "difficultes-financieres"],
            "appreciations": ["freins_multiples"],
            "appreciation_texte": SECRET_TEXT,
            "consentement_portees": ["transmission", "diagnostic", "entree"],
            "consentement_methode": "oral",
            "consentement_date": self.today.isoformat(),
            **extra,
        }
        return self.service.propose(self.people["conseiller"], form)

    def act(self, who: str, record, action: str, **form):
        return self.service.act(self.people[who], record.id, action, form)

    def accept(self, axe: int = 2, **extra):
        """A proposal taken through assignment, diagnostics and the decision to enter."""
        record = self.propose(axe, **extra)
        record = self.act(
            "coordinateur",
            record,
            "attribuer",
            travailleur_social_id=str(self.people["travailleur_social"].id),
        )
        day = self.today.isoformat()
        if axe == 2:
            record = self.act(
                "conseiller_ag",
                record,
                "diagnostic_ft",
                date=day,
                synthese="Synthèse confidentielle",
            )
        record = self.act(
            "travailleur_social",
            record,
            "diagnostic_cd",
            date=day,
            synthese="Synthèse confidentielle",
        )
        return self.act("travailleur_social", record, "accepter", entree_prevue_le=day)

    def run(self, day: date | None = None):
        if day is not None:
            self.today = day
        return run_tasks(
            self.service,
            self.tasks_store,
            self.notifier,
            self.today,
            flush=self.notifier.flush,
            backlog=self.notifier.backlog,
        )

    def sent(self) -> list:
        return list(self.smtp.messages)

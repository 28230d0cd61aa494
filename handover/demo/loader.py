"""Load the demonstration: departments, territories, accounts, hand-overs.

Idempotent, so that ``scripts/run`` may call it at every start: a department already declared
keeps its sharing, territories an administrator changed stay, an existing account is left as
it is, and the hand-overs are created only while the store has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from accounts import passwords, roles
from accounts.models import Territory, User
from accounts.services import AccountService
from accounts.territories import default_name
from handover.access import Scope
from handover.dates import moment_on, today_in_france
from handover.demo import scenarios as sc
from handover.demo.territories import DEPARTEMENTS, DemoTerritory, read
from handover.services import HandOverService
from resource_base.geo import CommuneDirectory

DOMAIN = "demo.relais.fr"
SHARING = {"51": True, "52": False, "48": True}  # the CD of 52 does not share the base
# (e-mail, role, department, agence, name): the accounts of before issue 10, then the new roles.
ACCOUNTS = (
    ("conseiller", roles.CONSEILLER, "51", "FT51001", "Camille Conseil"),
    ("travailleur-social", roles.TRAVAILLEUR_SOCIAL, "51", None, "Sam Social"),
    ("admin-51", roles.ADMIN_DEPARTEMENTAL, "51", None, "Alex Admin (Marne)"),
    ("admin-48", roles.ADMIN_DEPARTEMENTAL, "48", None, "Dominique Admin (Lozère)"),
    ("admin-national", roles.ADMIN_NATIONAL, None, None, "Claude National"),
    ("conseiller-ag", roles.CONSEILLER_AG, "51", "FT51001", "Morgan Accompagnement global"),
    ("conseiller-48", roles.CONSEILLER, "48", "FT48001", "Lou Conseil (Lozère)"),
    ("travailleur-social-48", roles.TRAVAILLEUR_SOCIAL, "48", None, "Eden Social (Lozère)"),
)
IDENTIFIANT = "DEMO{:05d}"  # fictional identifiants France Travail (7 to 11 letters or digits)
PHONES = {"51": "+33353019{:03d}", "48": "+33465719{:03d}"}  # ARCEP ranges kept for fiction


@dataclass
class Report:
    """What a load did, for the command to print."""

    accounts: list[tuple[str, str]] = field(default_factory=list)  # (e-mail, description)
    territories: dict[str, int] = field(default_factory=dict)  # department → territories
    handovers: dict[str, int] = field(default_factory=dict)  # status → records created
    skipped: str = ""  # why no hand-over was created (French), if none was


def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


def load(
    accounts: AccountService,
    handovers: HandOverService,
    directory: CommuneDirectory,
    folder: Path,
    password: str,
    today: date | None = None,
) -> Report:
    """Declare 51, 52 and 48, give them their territories (``handover.demo.territories``),
    create the accounts (all with ``password``) and the hand-overs of
    ``handover.demo.scenarios`` through ``handovers``' store and rules, dated before
    ``today``. Raises ``FileNotFoundError`` without the demonstration files in ``folder``."""
    report = Report()
    today = today or today_in_france()
    territories: dict[str, list[DemoTerritory]] = {}
    for code in DEPARTEMENTS:
        if accounts.store.get_departement(code) is None:
            accounts.set_departement(None, code, SHARING[code])
        territories[code] = read(folder, code, directory)
        _territories(accounts, code, territories[code])
        report.territories[code] = len(accounts.store.list_territories(code))
    people = _accounts(accounts, territories, password, report)
    ids = {}
    for code, demo in territories.items():
        by_name = {t.nom: t.id for t in accounts.store.list_territories(code)}
        ids.update({(code, t.slug): by_name[t.nom] for t in demo if t.nom in by_name})
    if handovers.store.counts(Scope(everything=True)):
        report.skipped = "des orientations existent déjà"
    elif len(ids) < sum(len(demo) for demo in territories.values()):
        # The scenarios name the demonstration's territories and their coordinators.
        report.skipped = "les territoires d'action sociale ne sont plus ceux de la démonstration"
    else:
        _handovers(handovers, people, ids, today, report)
    return report


def _territories(accounts: AccountService, code: str, wanted: list[DemoTerritory]) -> None:
    current = {t.nom for t in accounts.store.list_territories(code)}
    if current - {default_name(code)}:
        return  # an administrator (or an earlier load) set them
    accounts.store.replace_territories(
        code,
        [
            Territory(None, code, t.nom, t.kind, f"{t.kind.lower()}-{t.slug}@example.org")
            for t in wanted
        ],
        {commune: t.nom for t in wanted for commune in t.communes},
    )
    accounts.audit(None, "territoires", f"departement:{code}", code, "démonstration")


def _accounts(accounts, territories, password, report) -> dict[tuple[str, str], User]:
    """Create the missing accounts; return them by (department, role) and, for the
    coordinators, by (department, "coordinateur:<territory id>")."""
    people: dict[tuple[str, str], User] = {}
    hashed: list[str] = []

    def ensure(local, role, departement, agence, nom, territoire_id=None, where=""):
        user = accounts.store.find_user_by_email(email(local))
        if user is None:
            user = accounts.create_user(
                None, email(local), role, departement, agence, None, nom, territoire_id
            )
            # One Argon2 hash for the demonstration's one password (about 0.1 s each).
            if not hashed:
                hashed.append(passwords.hash_password(password))
            user = accounts.store.update_user(replace(user, password_hash=hashed[0]))
        report.accounts.append((user.email, where or _describe(user)))
        return user

    for local, role, departement, agence, nom in ACCOUNTS:
        user = ensure(local, role, departement, agence, nom)
        people.setdefault((departement or "", role), user)
    for code in ("51", "48"):  # the CD of 52 does not share the base: no CD account there
        by_name = {t.nom: t for t in accounts.store.list_territories(code)}
        for demo in territories[code]:
            territory = by_name.get(demo.nom)
            if territory is None:
                continue  # an administrator renamed or replaced the territories
            user = ensure(
                f"coordination-{demo.slug}",
                roles.COORDINATEUR,
                code,
                None,
                f"Coordination {demo.nom}",
                territory.id,
                f"Coordinateur ({code}), {territory.nom}",
            )
            people[(code, f"{roles.COORDINATEUR}:{territory.id}")] = user
    return people


def _describe(user: User) -> str:
    where = f", agence {user.agence}" if user.agence else ""
    dep = f" ({user.departement})" if user.departement else ""
    return f"{user.role_label}{dep}{where}"


class Clock:
    """The service's ``today`` while a scenario is replayed; ``now()``, the time its events
    are stamped with: that day, at the load's time of day in Paris."""

    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> date:
        return self.day

    def now(self) -> str:
        return moment_on(self.day)


def _handovers(handovers: HandOverService, people, territory_ids, today: date, report: Report):
    clock = Clock(today)
    service = replace_clock(handovers, clock)
    for index, scenario in enumerate(sc.SCENARIOS, start=1):
        start = today - timedelta(days=scenario.days_ago)
        clock.day = start
        adviser = people[(scenario.departement, roles.CONSEILLER)]
        record = service.propose(adviser, _proposal(scenario, index, start))
        for step in scenario.steps:
            clock.day = start + timedelta(days=step.day)
            actor = _actor(step.who, scenario.departement, record, people)
            form = _form(step.form, clock.day, scenario.departement, people, territory_ids)
            record = service.act(actor, record.id, step.action, form)
        report.handovers[record.status] = report.handovers.get(record.status, 0) + 1


def replace_clock(handovers: HandOverService, clock: Callable[[], date]) -> HandOverService:
    """The same service (store, accounts, routing, person key) on ``clock``, without its
    notifications: the demonstration replays a past that no one is to be told of. Its events
    are stamped by ``clock.now()`` when the clock has one (``Clock``), so that each history
    reads on its scenario's days."""
    return HandOverService(
        handovers.store,
        handovers.accounts,
        handovers.commune_departement,
        handovers.person_key,
        today=clock,
        now=getattr(clock, "now", handovers.now),
    )


def _proposal(scenario: sc.Scenario, index: int, day: date) -> dict:
    return {
        "axe": str(scenario.axe),
        "identifiant_ft": IDENTIFIANT.format(index),
        "nom": scenario.nom,
        "prenom": scenario.prenom,
        "date_naissance": scenario.naissance,
        "code_commune": scenario.code_commune,
        "telephone": PHONES[scenario.departement].format(index),
        "beneficiaire_rsa": "oui" if scenario.rsa else "",
        "freins": list(scenario.freins),
        "appreciations": list(scenario.appreciations),
        "appreciation_texte": scenario.texte,
        "modalite": scenario.modalite,
        "consentement_portees": ["transmission", "diagnostic", "entree"],
        "consentement_date": day.isoformat(),
        "consentement_methode": "oral" if index % 3 else "ecrit",
    }


def _actor(who: str, departement: str, record, people) -> User | None:
    if who == sc.SYSTEME:
        return None
    if who == sc.COORDINATEUR:
        return people[(departement, f"{roles.COORDINATEUR}:{record.territoire_id}")]
    return people[(departement, who)]


PLACEHOLDER = re.compile(r"^\{(date|date\+(\d+)|ts|territoire:([a-z-]+))\}$")


def _form(form: dict, day: date, departement: str, people, territory_ids) -> dict:
    out = {}
    for name, value in form.items():
        match = PLACEHOLDER.match(value) if isinstance(value, str) else None
        if match is None:
            out[name] = value
        elif match[1] == "date":
            out[name] = day.isoformat()
        elif match[2]:
            out[name] = (day + timedelta(days=int(match[2]))).isoformat()
        elif match[1] == "ts":
            out[name] = str(people[(departement, roles.TRAVAILLEUR_SOCIAL)].id)
        else:
            out[name] = str(territory_ids[(departement, match[3])])
    return out

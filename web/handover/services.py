"""What the hand-over pages show, built from ``handover`` records and the accounts store.

Pure view helpers (no request handling): the proposal form's values and its commune, the
inbox's filters and pages, the person's file with the choices of each transition's form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from accounts import roles
from accounts.models import ACTIVE, Territory, User
from handover import transitions
from handover.models import (
    APPRECIATIONS,
    AXE_GLOBAL,
    AXES,
    CANCEL_REASONS,
    CONSENT_METHODS,
    CONSENT_SCOPES,
    END_REASONS,
    MAX_TEXT,
    MODALITES,
    NOTICE_VERSION,
    REFUSAL_REASONS,
    SIDE_CD,
    SIDE_FT,
    SIDES,
    STATUSES,
    HandOver,
    HandOverError,
)
from resource_base import vocabulary
from resource_base.geo import CommuneDirectory, name_key
from web.helpers import french_date
from web.search.services import commune_label

PARIS = ZoneInfo("Europe/Paris")

PAGE_SIZE = 20
# The roles that see the hand-over pages, and the ones that send proposals.
USERS = frozenset(roles.ROLES)
PROPOSERS = transitions.BY_ACTION["proposer"].roles
# Multi-valued fields of the proposal form (everything else is one string).
LIST_FIELDS = ("freins", "appreciations", "consentement_portees")
# Fields of the transition forms whose values come back after an error.
ACTION_FIELDS = {
    "attribuer": ("travailleur_social_id",),
    "rediriger": ("territoire_id", "motif"),
    "refuser_reception": ("motifs_refus", "refus_communicable", "commentaire"),
    "refuser": ("motifs_refus", "refus_communicable", "commentaire"),
    "diagnostic_ft": ("date", "tripartite", "synthese"),
    "diagnostic_cd": ("date", "tripartite", "synthese"),
    "accepter": ("entree_prevue_le",),
    "reorienter": ("motif",),
    "entrer": ("entree_le",),
    "terminer": ("terminee_le", "motif_fin"),
    "annuler": ("motif_annulation",),
}

VOCABULARIES = {
    "AXES": AXES,
    "STATUSES": STATUSES,
    "MODALITES": MODALITES,
    "APPRECIATIONS": APPRECIATIONS,
    "CONSENT_SCOPES": CONSENT_SCOPES,
    "CONSENT_METHODS": CONSENT_METHODS,
    "REFUSAL_REASONS": REFUSAL_REASONS,
    "CANCEL_REASONS": CANCEL_REASONS,
    "END_REASONS": END_REASONS,
    "SIDES": SIDES,
    "SIDE_FT": SIDE_FT,
    "SIDE_CD": SIDE_CD,
    "MAX_TEXT": MAX_TEXT,
    "NOTICE_VERSION": NOTICE_VERSION,
    "FREINS": vocabulary.CATEGORIES,
    "ACTIONS": {t.action: t.label for t in transitions.TABLE},
}


def local_time(iso: str) -> str:
    """``"2026-11-30T21:05:00Z"`` → ``"30 novembre 2026 à 22 h 05"`` (Europe/Paris)."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(PARIS)
    except ValueError:
        return iso
    return f"{french_date(moment.date())} à {moment.hour} h {moment.minute:02d}"


def freins_from(thematiques: list[str]) -> list[str]:
    """Ticked needs (categories or sub-themes) → their categories, in order, without repeats:
    ``["logement-hebergement--louer", "sante"]`` → ``["logement-hebergement", "sante"]``."""
    found = [vocabulary.category_of(t) for t in thematiques if vocabulary.is_thematique(t)]
    return list(dict.fromkeys(found))


def _search_args(retour: str | None) -> dict[str, list[str]]:
    query = urlsplit(retour or "").query
    found: dict[str, list[str]] = {}
    for key, value in parse_qsl(query):
        found.setdefault(key, []).append(value)
    return found


def search_needs(retour: str | None) -> list[str]:
    """The needs ticked in the search a resource page was opened from (its ``retour``)."""
    return _search_args(retour).get("thematiques", [])


def search_commune(retour: str | None) -> str:
    """The commune (INSEE code) of that search, or ``""``."""
    return (_search_args(retour).get("code_commune") or [""])[0]


@dataclass
class ProposalForm:
    """The proposal form's values as typed (every value kept after an error)."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    commune: str = ""  # what the commune field shows
    choices: list = field(default_factory=list)  # communes to choose between

    @classmethod
    def from_request(cls, form) -> ProposalForm:
        values = {k: (form.get(k) or "").strip() for k in form if k not in LIST_FIELDS}
        values.pop("csrf_token", None)
        # The hidden field of the autocomplete, then a commune chosen among a postal code's.
        codes = [c.strip() for c in form.getlist("code_commune") if c.strip()]
        values["code_commune"] = codes[-1] if codes else ""
        lists = {k: [v for v in form.getlist(k) if v.strip()] for k in LIST_FIELDS}
        return cls(values, lists, values.get("commune", ""))

    @classmethod
    def from_search(cls, args, directory: CommuneDirectory, today: str) -> ProposalForm:
        """Pre-filled from a search (``?thematiques=…&code_commune=…`` or ``commune=``)."""
        code = (args.get("code_commune") or args.get("commune") or "").strip()
        commune = directory.get(code) if code else None
        values = {
            "axe": str(AXE_GLOBAL) if args.get("axe") != "3" else "3",
            "modalite": "entretiens_separes",
            "consentement_date": today,
            "consentement_methode": "oral",
        }
        if commune is not None:
            values["code_commune"] = commune.code_insee
        form = cls(values, {"freins": freins_from(args.getlist("thematiques"))})
        form.commune = commune_label(commune) if commune else ""
        return form

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def getlist(self, name: str) -> list[str]:
        return self.lists.get(name, [])

    def __contains__(self, name: str) -> bool:
        return name in self.values or name in self.lists

    def __iter__(self):
        yield from self.values
        yield from self.lists

    def resolve_commune(self, directory: CommuneDirectory) -> None:
        """Turn the typed commune (name, postal code, or the autocomplete's code) into
        ``code_commune``; raises ``HandOverError`` on ``code_commune`` when it means nothing
        or several communes (``choices`` then lists them)."""
        code = self.values.get("code_commune", "")
        chosen = directory.get(code) if code else None
        text = self.commune
        same = not text or text in (commune_label(chosen) if chosen else "", code)
        if chosen is not None and (
            same or text in chosen.codes_postaux or name_key(text) == name_key(chosen.nom)
        ):
            self.commune = commune_label(chosen)
            return
        self.values["code_commune"] = ""
        if not text:
            raise HandOverError("Commune de résidence : obligatoire.", "code_commune")
        match = directory.resolve(text, 20)
        if not match.communes:
            raise HandOverError(
                f"Commune de résidence : « {text} » ne correspond à aucune commune.",
                "code_commune",
            )
        if match.choose:
            self.choices = list(match.communes)
            raise HandOverError(
                "Commune de résidence : ce code postal couvre plusieurs communes, "
                "choisissez la bonne dans la liste.",
                "code_commune",
            )
        best = match.communes[0]
        self.values["code_commune"] = best.code_insee
        self.commune = commune_label(best)


@dataclass(frozen=True)
class InboxFilter:
    """``?territoire=<id>&statut=<s>&page=<n>`` of the list page, checked."""

    territoire_id: int | None
    statut: str
    page: int

    @classmethod
    def from_args(cls, args, actor: User) -> InboxFilter:
        raw = (args.get("territoire") or "").strip()
        territoire_id = int(raw) if raw.isdigit() else None
        if territoire_id is None and actor.role in roles.CD_ROLES:
            territoire_id = actor.territoire_id  # a coordinateur's own inbox by default
        statut = (args.get("statut") or "").strip()
        page = args.get("page", 1, type=int) or 1
        return cls(territoire_id, statut if statut in STATUSES else "", max(1, min(page, 10_000)))

    @property
    def statuses(self) -> frozenset[str] | None:
        return frozenset({self.statut}) if self.statut else None

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def total(self, counts: dict[str, int]) -> int:
        return counts.get(self.statut, 0) if self.statut else sum(counts.values())

    def pages(self, counts: dict[str, int]) -> int:
        return max(1, -(-self.total(counts) // PAGE_SIZE))

    def args(self, **changes) -> dict:
        """Query arguments for a link that changes some of the filter."""
        values = {"territoire": self.territoire_id, "statut": self.statut, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "") and (k, v) != ("page", 1)}


def territories_of(accounts, departement: str | None) -> list[Territory]:
    return accounts.store.list_territories(departement) if departement else []


def territory_names(accounts, departements) -> dict[int, str]:
    """Territory id → name for every department in ``departements`` (codes; None and repeats
    are skipped): one query per department, never one per row of a list."""
    names: dict[int, str] = {}
    for departement in sorted({d for d in departements if d}):
        names.update((t.id, t.nom) for t in accounts.store.list_territories(departement))
    return names


def social_workers(accounts, departement: str) -> list[User]:
    """The department's active travailleurs sociaux (the assignment's select)."""
    return [
        u
        for u in accounts.store.list_users(departement, ACTIVE)
        if u.role == roles.TRAVAILLEUR_SOCIAL
    ]


def people_names(accounts, record: HandOver) -> dict[int, str]:
    """Name (or e-mail) of each person the file names: proposer, referents, claimer."""
    ids = {
        record.proposee_par,
        record.prise_en_charge_par,
        record.referent_cd_id,
        record.referent_ft_id,
        record.consent.recueilli_par,
    }
    names = {}
    for user_id in ids - {None}:
        user = accounts.store.get_user(user_id)
        if user is not None:
            names[user_id] = user.nom or user.email
    return names


def action_values(action: str | None, form) -> dict:
    """The values a transition form sent, to show them again after an error."""
    if not action or form is None:
        return {}
    return {
        name: (form.getlist(name) if name == "motifs_refus" else form.get(name, ""))
        for name in ACTION_FIELDS.get(action, ())
    }

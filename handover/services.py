"""Hand-over operations: propose, read, list, and every transition of ``transitions.TABLE``.

Each operation checks the row-level scope (``handover.access``) and the status table
(``handover.transitions``), writes one event per transition and one audit entry per read of a
person's file. Raises ``HandOverError`` (bad input, 400, naming the field),
``IllegalTransition`` / ``HandOverConflict`` (409) and ``accounts.scoping.AccessDenied`` (403),
all with a French message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import NoReturn

from accounts import roles
from accounts.models import Territory, User
from accounts.scoping import AccessDenied
from accounts.services import AccountService
from handover import access, transitions
from handover.dates import add_months, today_in_france
from handover.models import (
    AXE_GLOBAL,
    AXE_SOCIAL,
    AXES,
    CANCEL_REASONS,
    CLOSED_STATUSES,
    DURATION_MONTHS,
    END_REASONS,
    REFUSAL_REASONS,
    RENEWAL_MONTHS,
    SIDE_CD,
    SIDE_FT,
    TRANSMISE,
    Diagnostic,
    Event,
    HandOver,
    HandOverConflict,
    HandOverError,
    conflict_message,
)
from handover.proposal import check_text, parse_date, read_proposal
from handover.repository import HandOverStore

Notify = Callable[[str, HandOver], None]  # (kind, record): e-mails without personal data
MAX_REASON = 300


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Routing:
    """Where a proposal from a commune goes: the department, and its territory (None: the
    department's team, "à router")."""

    departement: str
    territoire: Territory | None

    @property
    def label(self) -> str:
        if self.territoire is None:
            return f"Conseil départemental {self.departement}, équipe départementale (à router)"
        return f"{self.territoire.nom}, coordination du territoire (département {self.departement})"


class HandOverService:
    def __init__(
        self,
        store: HandOverStore,
        accounts: AccountService,
        commune_departement: Callable[[str], str | None],
        person_key: Callable[[str], str],
        today: Callable[[], date] = today_in_france,
        notify: Notify | None = None,
        departement_name: Callable[[str], str | None] = lambda _code: None,
        now: Callable[[], str] = now_iso,
    ):
        # ``departement_name``: code → name ("52" → "Haute-Marne"), for the messages.
        self.departement_name = departement_name
        self.store = store
        self.accounts = accounts
        self.commune_departement = commune_departement
        self.person_key = person_key
        self.today = today
        self.now = now  # the UTC ISO time of events; moved with ``today`` by a moved clock
        self.notify = notify or (lambda _kind, _record: None)

    # -- routing and proposal --------------------------------------------------------------
    def routing(self, code_commune: str) -> Routing:
        """Where a proposal for a person living in ``code_commune`` goes.

        Raises ``HandOverError`` when the commune is unknown or its Conseil départemental does
        not receive hand-overs through Relais (it does not share the base)."""
        departement = self.commune_departement(code_commune)
        if departement is None:
            raise HandOverError(
                f"Commune de résidence : « {code_commune} » n'est pas un code INSEE connu.",
                "code_commune",
            )
        shared = self.accounts.store.get_departement(departement)
        if shared is None or not shared.partage:
            name = self.departement_name(departement)
            council = f"({name}, {departement})" if name else departement
            raise HandOverError(
                f"Le Conseil départemental {council} ne reçoit pas encore les orientations "
                "par Relais : orientez la personne selon la procédure locale.",
                "code_commune",
            )
        delais = self.store.get_delais(departement)
        territory = (
            self.accounts.store.territory_of(code_commune) if delais.avec_coordinateurs else None
        )
        return Routing(departement, territory)

    def check_proposal(self, form, found: HandOverError) -> NoReturn:
        """Raise ``found`` (an error the caller met first, e.g. on the typed commune) with every
        other bad field of the proposal ``form``: ``ProposalErrors``, or ``found`` alone."""
        read_proposal(
            form,
            self.today(),
            lambda code: self.commune_departement(code) is not None,
            None,
            {found.field or "code_commune": str(found)},
        )
        raise found

    def propose(self, actor: User, form) -> HandOver:
        """Create a proposal from a form (see ``handover.proposal``) by a France Travail
        adviser; returns the stored record (status ``transmise``)."""
        transitions.check("proposer", None, _role(actor))
        if not actor.agence:
            raise AccessDenied("Votre compte n'est rattaché à aucune agence.")
        today = self.today()
        proposal = read_proposal(
            form, today, lambda code: self.commune_departement(code) is not None, actor.id
        )
        routing = self.routing(proposal.person.code_commune)
        key = self.person_key(proposal.person.identifiant_ft)
        self._check_unique(key, proposal.axe)
        record = HandOver(
            id=None,
            reference="",
            axe=proposal.axe,
            status=TRANSMISE,
            person=proposal.person,
            personne_cle=key,
            freins=proposal.freins,
            appreciations=proposal.appreciations,
            appreciation_texte=proposal.appreciation_texte,
            modalite=proposal.modalite,
            consent=proposal.consent,
            departement=routing.departement,
            territoire_id=routing.territoire.id if routing.territoire else None,
            agence=actor.agence,
            proposee_par=actor.id,
            proposee_le=today,
            derniere_activite=self.now(),
        )
        stored = self.store.add(record, self._event(actor, "proposer", "", TRANSMISE))
        self.accounts.audit(
            actor, "orientation_creation", f"orientation:{stored.id}", stored.departement
        )
        self.notify("transmise", stored)
        return stored

    def _check_unique(self, key: str, axe: int, ignore: int | None = None) -> None:
        """The friendly check before the database's own (same French message)."""
        existing = self.store.find_open(key, axe)
        if existing is not None and existing.id != ignore:
            raise HandOverConflict(conflict_message(existing, self._territory_name(existing)))
        if axe == AXE_GLOBAL:
            entered = self.store.find_axe2_entry(key)
            if entered is not None and entered.id != ignore:
                raise HandOverConflict(conflict_message(entered, self._territory_name(entered)))

    def _territory_name(self, record: HandOver) -> str:
        if record.territoire_id is None:
            return f"équipe du département {record.departement}"
        for territory in self.accounts.store.list_territories(record.departement):
            if territory.id == record.territoire_id:
                return territory.nom
        return f"département {record.departement}"

    # -- reads --------------------------------------------------------------------------------
    def read(self, actor: User, handover_id: int) -> HandOver:
        """The person's file; the read is written to the audit log. ``AccessDenied`` out of
        scope, ``HandOverError`` if there is no such record."""
        record = self._get(actor, handover_id)
        self.accounts.audit(
            actor, "orientation_lecture", f"orientation:{record.id}", record.departement
        )
        return record

    def inbox(
        self,
        actor: User,
        territoire_id: int | None = None,
        statuses: frozenset[str] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[HandOver], dict[str, int]]:
        """The records ``actor`` may read (a territory's inbox when ``territoire_id``), and the
        counters per status. Asking for another territory than one's own is refused (403)."""
        scope = access.scope_of(actor)
        if (
            territoire_id is not None
            and scope.territoire_id is not None
            and territoire_id != scope.territoire_id
        ):
            raise AccessDenied("Cette boîte de réception n'est pas celle de votre territoire.")
        if territoire_id is not None and not scope.everything:
            own = {t.id for t in self.accounts.store.list_territories(actor.departement or "")}
            if territoire_id not in own:
                raise AccessDenied("Ce territoire n'est pas dans votre département.")
        records = self.store.list(scope, statuses, territoire_id, limit, offset)
        counts = self.store.counts(scope, territoire_id)
        self.accounts.audit(
            actor,
            "orientation_liste",
            f"territoire:{territoire_id}" if territoire_id else "orientations",
            actor.departement,
            f"{len(records)} dossiers affichés",
        )
        return records, counts

    def _get(self, actor: User | None, handover_id: int) -> HandOver:
        record = self.store.get(handover_id)
        if record is None:
            raise HandOverError("Orientation introuvable.", "id")
        if actor is not None:
            access.require(actor, record)
        return record

    # -- transitions --------------------------------------------------------------------------
    def act(self, actor: User | None, handover_id: int, action: str, form=None) -> HandOver:
        """Take ``action`` (a ``transitions.TABLE`` action other than ``proposer``) on the
        record; ``actor`` None is the system (``relais taches``). ``form``: the action's fields
        (a mapping), see each ``_do_<action>``."""
        form = form or {}
        record = self._get(actor, handover_id)
        role = _role(actor)
        transition = transitions.check(action, record, role)
        handler = getattr(self, f"_do_{action}")
        updated, reason = handler(actor, record, form)
        updated = replace(updated, status=transition.target, derniere_activite=self.now())
        if transition.target in CLOSED_STATUSES and updated.cloturee_le is None:
            updated = replace(updated, cloturee_le=self.today())
        event = self._event(actor, action, record.status, transition.target, reason)
        stored = self.store.save(updated, event, expected_status=record.status)
        self.accounts.audit(
            actor, f"orientation_{action}", f"orientation:{record.id}", record.departement
        )
        self.notify(action, stored)
        return stored

    def _event(
        self, actor: User | None, action: str, before: str, after: str, reason: str = ""
    ) -> Event:
        label = "Relais (tâche programmée)" if actor is None else actor.nom or actor.email
        return Event(
            at=self.now(),
            action=action,
            from_status=before or None,
            to_status=after,
            actor_id=actor.id if actor else None,
            actor_label=f"{label} — {roles.label(actor.role)}" if actor else label,
            reason=reason[:MAX_REASON],
        )

    def _do_prendre_en_charge(self, actor, record, form):
        fields = {"prise_en_charge_le": self.today(), "prise_en_charge_par": actor.id}
        if actor.role == roles.TRAVAILLEUR_SOCIAL:
            fields["referent_cd_id"] = actor.id
        return replace(record, **fields), ""

    def _do_attribuer(self, actor, record, form):
        worker = self._member(form.get("travailleur_social_id"), record, roles.TRAVAILLEUR_SOCIAL)
        return (
            replace(
                record,
                referent_cd_id=worker.id,
                prise_en_charge_le=record.prise_en_charge_le or self.today(),
                prise_en_charge_par=record.prise_en_charge_par or actor.id,
            ),
            f"attribuée à {worker.nom or worker.email}",
        )

    def _member(self, value, record: HandOver, role: str) -> User:
        try:
            user = self.accounts.store.get_user(int(value))
        except (TypeError, ValueError):
            user = None
        if (
            user is None
            or not user.active
            or user.role != role
            or user.departement != record.departement
        ):
            raise HandOverError(
                f"Choisissez un {roles.label(role).lower()} actif du département "
                f"{record.departement}.",
                "travailleur_social_id",
            )
        return user

    def _do_rediriger(self, actor, record, form):
        try:
            target = int(form.get("territoire_id"))
        except (TypeError, ValueError):
            target = None
        territories = {t.id: t for t in self.accounts.store.list_territories(record.departement)}
        if target not in territories or target == record.territoire_id:
            raise HandOverError(
                "Choisissez un autre territoire du même département.", "territoire_id"
            )
        reason = _required_text(form, "motif", "Motif de la redirection")
        return (
            replace(
                record,
                territoire_id=target,
                prise_en_charge_le=None,
                prise_en_charge_par=None,
                referent_cd_id=None,
                redirections=record.redirections + 1,
            ),
            f"vers {territories[target].nom} : {reason}",
        )

    def _refusal(self, record, form):
        codes = _codes(form, "motifs_refus", REFUSAL_REASONS, "Motifs du refus")
        shareable = str(form.get("refus_communicable", "")).lower() in {"oui", "on", "true", "1"}
        comment = check_text(str(form.get("commentaire") or ""), "commentaire", "Commentaire")
        updated = replace(
            record,
            motifs_refus=codes,
            refus_communicable=shareable,
            decidee_le=self.today(),
        )
        return updated, ", ".join(codes) + (f" — {comment}" if comment else "")

    def _do_refuser_reception(self, actor, record, form):
        return self._refusal(record, form)

    def _do_refuser(self, actor, record, form):
        return self._refusal(record, form)

    def _diagnostic(self, actor, record, form, side):
        when = parse_date(str(form.get("date") or ""), "date", "Date de l'entretien")
        if when > self.today() or when < record.proposee_le:
            raise HandOverError(
                "Date de l'entretien : entre la proposition et aujourd'hui.", "date"
            )
        summary = check_text(str(form.get("synthese") or ""), "synthese", "Synthèse")
        if not summary:
            raise HandOverError("Synthèse : obligatoire.", "synthese")
        tripartite = str(form.get("tripartite", "")).lower() in {"oui", "on", "true", "1"}
        diagnostic = Diagnostic(
            side=side,
            auteur_id=actor.id,
            auteur_nom=actor.nom or actor.email,
            date=when,
            tripartite=tripartite,
            synthese=summary,
            enregistre_le=self.now(),
        )
        others = tuple(d for d in record.diagnostics if d.side != side)
        referent = "referent_ft_id" if side == SIDE_FT else "referent_cd_id"
        fields = {"diagnostics": (*others, diagnostic)}
        if getattr(record, referent) is None:
            fields[referent] = actor.id
        label = "entretien à trois" if tripartite else "entretien séparé"
        return replace(record, **fields), f"{label} du {when.isoformat()}"

    def _do_diagnostic_ft(self, actor, record, form):
        return self._diagnostic(actor, record, form, SIDE_FT)

    def _do_diagnostic_cd(self, actor, record, form):
        return self._diagnostic(actor, record, form, SIDE_CD)

    def _do_accepter(self, actor, record, form):
        planned = parse_date(
            str(form.get("entree_prevue_le") or ""), "entree_prevue_le", "Date d'entrée prévue"
        )
        if planned < record.proposee_le:
            raise HandOverError(
                "Date d'entrée prévue : après la date de la proposition.", "entree_prevue_le"
            )
        return replace(record, decidee_le=self.today(), entree_prevue_le=planned), ""

    def _do_reorienter(self, actor, record, form):
        target = AXE_SOCIAL if record.axe == AXE_GLOBAL else AXE_GLOBAL
        self._check_unique(record.personne_cle, target, ignore=record.id)
        reason = _required_text(form, "motif", "Motif de la réorientation")
        return replace(record, axe=target), f"vers l'{AXES[target].lower()} : {reason}"

    def _do_entrer(self, actor, record, form):
        entered = parse_date(str(form.get("entree_le") or ""), "entree_le", "Date d'entrée")
        if entered > self.today() or entered < record.proposee_le:
            raise HandOverError("Date d'entrée : entre la proposition et aujourd'hui.", "entree_le")
        if record.axe == AXE_GLOBAL:
            self._check_unique(record.personne_cle, AXE_GLOBAL, ignore=record.id)
        return (
            replace(record, entree_le=entered, fin_prevue_le=add_months(entered, DURATION_MONTHS)),
            "",
        )

    def _do_renouveler(self, actor, record, form):
        end = add_months(record.fin_prevue_le or self.today(), RENEWAL_MONTHS)
        return replace(record, renouvelee_le=self.today(), fin_prevue_le=end), ""

    def _do_terminer(self, actor, record, form):
        ended = parse_date(str(form.get("terminee_le") or ""), "terminee_le", "Date de fin")
        if ended > self.today() or (record.entree_le and ended < record.entree_le):
            raise HandOverError("Date de fin : entre l'entrée et aujourd'hui.", "terminee_le")
        (reason,) = _codes(form, "motif_fin", END_REASONS, "Motif de fin", single=True)
        return replace(record, terminee_le=ended, motif_fin=reason), END_REASONS[reason]

    def _do_annuler(self, actor, record, form):
        (reason,) = _codes(form, "motif_annulation", CANCEL_REASONS, "Motif", single=True)
        updated = replace(record, motif_annulation=reason)
        if reason == "retrait_consentement":
            # Issue 10: a withdrawal purges the free texts at once.
            updated = purge_texts(updated, self.today())
            updated = replace(updated, consent=replace(updated.consent, retire_le=self.today()))
        return updated, CANCEL_REASONS[reason]

    def _do_expirer(self, actor, record, form):
        return record, "sans décision dans le délai du département"


def purge_texts(record: HandOver, today: date) -> HandOver:
    """The record without its free texts (assessment, diagnostics' summaries)."""
    return replace(
        record,
        appreciation_texte="",
        diagnostics=tuple(replace(d, synthese="") for d in record.diagnostics),
        textes_purges_le=today,
    )


def _role(actor: User | None) -> str:
    return transitions.SYSTEM if actor is None else actor.role


def _required_text(form, name: str, label: str) -> str:
    value = check_text(str(form.get(name) or ""), name, label)
    if not value:
        raise HandOverError(f"{label} : obligatoire.", name)
    return value[:MAX_REASON]


def _codes(form, name, allowed: dict, label: str, single: bool = False) -> tuple[str, ...]:
    getlist = getattr(form, "getlist", None)
    raw = getlist(name) if getlist else form.get(name, [])
    values = [raw] if isinstance(raw, str) else list(raw or [])
    values = [v.strip() for v in values if v and v.strip()]
    bad = [v for v in values if v not in allowed]
    if bad or not values or (single and len(values) != 1):
        # The person reads the labels; an API caller finds the codes in parentheses.
        how = "un motif" if single else "au moins un motif"
        codes = ", ".join(allowed)
        raise HandOverError(f"{label} : choisissez {how} de la liste (codes : {codes}).", name)
    return tuple(dict.fromkeys(values))

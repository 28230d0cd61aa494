"""Account operations, each checked against ``accounts.scoping`` and written to the audit log.

Called by the web console, the CLI (``actor=None``: the operator of the machine, logged as
``ligne-de-commande``) and the login views. Every method raises ``AccountError`` (bad input)
or ``AccessDenied`` (out of scope), both with a French message.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from accounts import passwords, roles, scoping, territories
from accounts.audit_labels import CLI_ACTOR
from accounts.models import (
    ACTIVE,
    AGENCE,
    CONSEIL_DEPARTEMENTAL,
    DEACTIVATED,
    PENDING,
    TERRITORY_KINDS,
    AccountError,
    AuditEntry,
    Departement,
    Organisation,
    PendingAccount,
    Territory,
    User,
    check_departement,
    check_email,
)
from accounts.repository import AccountStore

LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AccountService:
    def __init__(self, store: AccountStore):
        self.store = store

    # -- audit ---------------------------------------------------------------------------
    def audit(
        self,
        actor: User | None,
        action: str,
        record: str,
        departement: str | None,
        details: str = "",
    ) -> None:
        """Write one audit entry: who (``actor``, None for the CLI), what, which record."""
        self.store.add_audit(
            AuditEntry(
                id=None,
                at=now_iso(),
                actor_id=actor.id if actor else None,
                actor_email=actor.email if actor else CLI_ACTOR,
                action=action,
                record=record,
                departement=departement,
                details=details[:500],
            )
        )

    def audit_log(self, actor: User, departement: str, limit: int = 200) -> list[AuditEntry]:
        scoping.require(actor, roles.READ_AUDIT, departement)
        entries = self.store.list_audit(departement, limit)
        self.audit(actor, "lecture_journal", f"departement:{departement}", departement)
        return entries

    # -- departments and organisations ---------------------------------------------------
    def set_departement(self, actor: User | None, code: str, partage: bool) -> Departement:
        code = check_departement(code)
        if actor is not None:
            scoping.require(actor, roles.MANAGE_ALL)
        departement = self.store.save_departement(Departement(code, partage))
        self.store.save_organisation(
            Organisation(None, CONSEIL_DEPARTEMENTAL, code, f"Conseil départemental {code}", code)
        )
        self.audit(actor, "departement", f"departement:{code}", code, f"partage={partage}")
        return departement

    def ensure_agence(self, code: str, departement: str, nom: str = "") -> Organisation:
        code = (code or "").strip().upper()
        if not code or len(code) > 20:
            raise AccountError(f"Code d'agence invalide : « {code} ».")
        existing = self.store.find_organisation(AGENCE, code)
        if existing is not None:
            if existing.departement != departement:
                raise AccountError(
                    f"L'agence {code} relève du département {existing.departement}, "
                    f"pas du {departement}."
                )
            return existing
        return self.store.save_organisation(
            Organisation(None, AGENCE, code, nom or f"Agence France Travail {code}", departement)
        )

    # -- people --------------------------------------------------------------------------
    def create_user(
        self,
        actor: User | None,
        email: str,
        role: str,
        departement: str | None,
        agence: str | None = None,
        password: str | None = None,
        nom: str = "",
        territoire_id: int | None = None,
    ) -> User:
        """Create an active local account. ``actor`` None: the CLI."""
        email = check_email(email)
        self._check_assignment(actor, role, departement, agence)
        departement = check_departement(departement) if departement else None
        if self.store.find_user_by_email(email) is not None:
            raise AccountError(f"Un compte existe déjà pour « {email} ».")
        if agence:
            agence = self.ensure_agence(agence, departement or "").code
        user = self.store.add_user(
            User(
                id=None,
                email=email,
                nom=nom.strip()[:120],
                role=role,
                departement=departement,
                agence=agence or None,
                territoire_id=territoire_id,
                status=ACTIVE,
                password_hash=passwords.hash_password(password) if password else None,
                created_at=now_iso(),
            )
        )
        self.audit(actor, "creation_compte", f"compte:{user.id}", departement, f"role={role}")
        return user

    def _check_assignment(
        self, actor: User | None, role: str, departement: str | None, agence: str | None
    ) -> None:
        if not roles.is_role(role):
            raise AccountError(
                f"Rôle inconnu : « {role} » (valeurs possibles : {', '.join(roles.ROLES)})."
            )
        if role != roles.ADMIN_NATIONAL and not departement:
            raise AccountError("Un département est nécessaire pour ce rôle.")
        if role in roles.FRANCE_TRAVAIL_ROLES and not agence:
            raise AccountError("Un conseiller France Travail est rattaché à une agence (--agence).")
        if actor is not None:
            scoping.require(actor, roles.MANAGE_MEMBERS, departement)
            if role == roles.ADMIN_NATIONAL and actor.role != roles.ADMIN_NATIONAL:
                raise scoping.AccessDenied(
                    "Seul un administrateur national peut nommer un administrateur national."
                )

    def _member(self, actor: User | None, user_id: int) -> User:
        user = self.store.get_user(user_id)
        if user is None:
            raise AccountError("Compte introuvable.")
        if actor is not None:
            if user.departement is None:
                scoping.require(actor, roles.MANAGE_ALL)
            else:
                scoping.require(actor, roles.MANAGE_MEMBERS, user.departement)
        return user

    def members(self, actor: User, departement: str) -> list[User]:
        """The department's accounts (personal data of professionals: the read is logged)."""
        scoping.require(actor, roles.MANAGE_MEMBERS, departement)
        self.audit(actor, "lecture_membres", f"departement:{departement}", departement)
        return self.store.list_users(departement)

    def pending(self, actor: User, departement: str) -> list[User]:
        scoping.require(actor, roles.MANAGE_MEMBERS, departement)
        return self.store.list_users(departement, PENDING)

    def update_member(
        self,
        actor: User | None,
        user_id: int,
        role: str,
        agence: str | None = None,
        territoire_id: int | None = None,
        departement: str | None = None,
    ) -> User:
        """Set the role (and agence, territory); validates a pending account."""
        user = self._member(actor, user_id)
        departement = departement or user.departement
        self._check_assignment(actor, role, departement, agence)
        if territoire_id is not None and territoire_id not in {
            t.id for t in self.store.list_territories(departement or "")
        }:
            raise AccountError("Ce territoire n'appartient pas au département.")
        if agence:
            agence = self.ensure_agence(agence, departement or "").code
        status = ACTIVE if user.status == PENDING else user.status
        updated = self.store.update_user(
            replace(
                user,
                role=role,
                departement=departement,
                agence=agence or None,
                territoire_id=territoire_id,
                status=status,
            )
        )
        action = "validation_compte" if user.status == PENDING else "modification_compte"
        self.audit(actor, action, f"compte:{user.id}", departement, f"role={role}")
        return updated

    def deactivate(self, actor: User | None, user_id: int) -> User:
        user = self._member(actor, user_id)
        if actor is not None and actor.id == user.id:
            raise AccountError("Vous ne pouvez pas désactiver votre propre compte.")
        updated = self.store.update_user(replace(user, status=DEACTIVATED))
        self.audit(actor, "desactivation_compte", f"compte:{user.id}", user.departement)
        return updated

    def reset_password(self, actor: User | None, user_id: int, password: str) -> User:
        """An admin (or the CLI) sets a new password; the person changes it after."""
        user = self._member(actor, user_id)
        updated = self.store.update_user(
            replace(user, password_hash=passwords.hash_password(password))
        )
        self.audit(actor, "reinitialisation_mot_de_passe", f"compte:{user.id}", user.departement)
        return updated

    def set_password_by_invitation(self, user_id: int, password: str) -> User:
        """The invited person chooses their password (the link was checked by the caller).

        Raises ``AccountError`` for a password too short or an account closed meanwhile."""
        user = self.store.get_user(user_id)
        if user is None or not user.active:
            raise AccountError("Ce compte n'est pas ouvert.")
        passwords.check_strength(password)
        updated = self.store.update_user(
            replace(user, password_hash=passwords.hash_password(password))
        )
        self.audit(user, "mot_de_passe_choisi", f"compte:{user.id}", user.departement)
        return updated

    # -- logging in ----------------------------------------------------------------------
    def authenticate(self, email: str, password: str) -> User:
        """The local account for these credentials; ``AccountError`` with one message for
        every failure (unknown e-mail, wrong password), and the reason for a closed account."""
        try:
            email = check_email(email)
        except AccountError:
            passwords.verify_password(None, password)
            raise AccountError(LOGIN_FAILED) from None
        user = self.store.find_user_by_email(email)
        if user is None or not passwords.verify_password(user.password_hash, password):
            raise AccountError(LOGIN_FAILED)
        return self.open_session(user)

    def open_session(self, user: User) -> User:
        departement = self.store.get_departement(user.departement) if user.departement else None
        reason = scoping.may_log_in(user, departement)
        if reason:
            raise (PendingAccount if user.status == PENDING else AccountError)(reason)
        user = self.store.update_user(replace(user, last_login_at=now_iso()))
        self.audit(user, "connexion", f"compte:{user.id}", user.departement)
        return user

    def login_from_identity(self, claims: dict) -> User:
        """The account for a ProConnect identity (``sub``, ``email``…); an unknown person gets a
        pending account that an admin validates (``AccountError`` says so)."""
        subject = str(claims.get("sub") or "")
        if not subject:
            raise AccountError("Le fournisseur d'identité n'a pas donné d'identifiant.")
        user = self.store.find_user_by_subject(subject)
        if user is None and claims.get("email"):
            user = self.store.find_user_by_email(check_email(claims["email"]))
            if user is not None:
                user = self.store.update_user(replace(user, oidc_subject=subject))
        if user is None:
            user = self.store.add_user(
                User(
                    id=None,
                    email=check_email(claims.get("email") or f"{subject}@inconnu.invalid"),
                    nom=" ".join(
                        str(claims.get(k) or "") for k in ("given_name", "usual_name")
                    ).strip()[:120],
                    role=suggest_role(claims),
                    departement=None,
                    status=PENDING,
                    oidc_subject=subject,
                    claims={k: claims[k] for k in SUGGESTION_CLAIMS if k in claims},
                    created_at=now_iso(),
                )
            )
            self.audit(None, "compte_en_attente", f"compte:{user.id}", None, "ProConnect")
        return self.open_session(user)

    def pending_without_department(self, actor: User) -> list[User]:
        """Pending ProConnect accounts that no department claims yet (national admins)."""
        scoping.require(actor, roles.MANAGE_ALL)
        return [u for u in self.store.list_users(None, PENDING) if u.departement is None]

    # -- territories ---------------------------------------------------------------------
    def territories(self, actor: User, departement: str) -> list[Territory]:
        scoping.require(actor, roles.MANAGE_TERRITORIES, departement)
        return self.store.list_territories(departement)

    def upload_territories(
        self, actor: User | None, departement: str, data: bytes, communes: dict[str, str]
    ) -> territories.TerritoryUpload:
        """Replace the department's territories with a CSV ``code_insee;territoire``.

        Nothing changes when a line is rejected: the admin corrects the file and sends it
        again (the rejects say which line and why).
        """
        if actor is not None:
            scoping.require(actor, roles.MANAGE_TERRITORIES, departement)
        upload = territories.parse_csv(territories.decode(data), departement, communes)
        if not upload.assignments and not upload.rejects:
            upload.rejects.append(territories.Reject(1, "Le fichier ne contient aucune ligne."))
        if upload.rejects:
            return upload
        kept = {t.nom: t for t in self.store.list_territories(departement)}
        names = upload.territories
        self.store.replace_territories(
            departement,
            [kept.get(name) or Territory(None, departement, name) for name in names],
            upload.assignments,
        )
        self.audit(
            actor,
            "territoires",
            f"departement:{departement}",
            departement,
            f"{len(names)} territoires, {len(upload.assignments)} communes",
        )
        return upload

    def edit_territory(
        self, actor: User, departement: str, territory_id: int, nom: str, kind: str, courriel: str
    ) -> Territory:
        """Rename a territory, set its kind (MDS, CMS…) and functional mailbox."""
        scoping.require(actor, roles.MANAGE_TERRITORIES, departement)
        current = {t.id: t for t in self.store.list_territories(departement)}.get(territory_id)
        if current is None:
            raise AccountError("Ce territoire n'appartient pas au département.")
        nom = (nom or "").strip()
        if not nom or len(nom) > territories.MAX_NAME:
            raise AccountError(
                f"Le nom d'un territoire compte de 1 à {territories.MAX_NAME} caractères."
            )
        if kind not in TERRITORY_KINDS:
            raise AccountError(f"Type de territoire inconnu : « {kind} ».")
        courriel = check_email(courriel) if (courriel or "").strip() else ""
        updated = self.store.update_territory(
            replace(current, nom=nom, kind=kind, courriel=courriel)
        )
        self.audit(actor, "territoire", f"territoire:{territory_id}", departement, nom)
        return updated

    def coverage(
        self, actor: User, departement: str, communes: dict[str, str]
    ) -> tuple[list[Territory], dict[str, int], list[str]]:
        """The territories, commune → territory id, and the communes without a territory."""
        scoping.require(actor, roles.MANAGE_TERRITORIES, departement)
        self.ensure_default_territory(departement, communes)
        assignments = self.store.territory_assignments(departement)
        return (
            self.store.list_territories(departement),
            assignments,
            territories.uncovered(communes, assignments),
        )

    def ensure_default_territory(self, departement: str, communes: dict[str, str]) -> None:
        """One territory covering the whole department, until an admin sets others."""
        if not self.store.list_territories(departement):
            name = territories.default_name(departement)
            self.store.replace_territories(
                departement,
                [Territory(None, departement, name)],
                dict.fromkeys(communes, name),
            )


SUGGESTION_CLAIMS = ("siret", "idp_id", "email", "given_name", "usual_name", "agence", "custom")


def suggest_role(claims: dict) -> str:
    """France Travail identities (an agency code in the claims) suggest ``conseiller``; others
    ``travailleur_social``. The admin who validates decides."""
    custom = claims.get("custom") if isinstance(claims.get("custom"), dict) else {}
    if claims.get("agence") or custom.get("agence"):
        return roles.CONSEILLER
    return roles.TRAVAILLEUR_SOCIAL

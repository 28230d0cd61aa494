"""Invitation links and e-mails.

A link carries the account id and a fingerprint of its current password hash, signed with the
service's secret key (itsdangerous) and valid ``INVITATION_HOURS`` hours: it serves once, since
choosing a password changes the fingerprint. The e-mail holds nothing personal beyond the
invitee's own address and links built from ``RELAIS_PUBLIC_URL`` (``web.helpers.external_url``);
neither the inviting admin, the role nor the department appear in it (issue 9).

Sent in the request, not through the hand-over's outbox (``notifications.outbox``), by
choice: the e-mail carries a bearer secret (the link sets the account's password), which an
outbox row would keep in clear for the retries' hours, and the admin who invites is at the
console, able to pass the link on at once when the server fails. So the request waits on the
SMTP server ``SMTP_WAIT_S`` seconds at most (the mailer's own timeout is 10 s), then the
console says why in French and shows the link; nothing about the invitation is stored but
the account itself.
"""

from __future__ import annotations

import hashlib
import smtplib
import socket
from dataclasses import dataclass, replace

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from accounts.models import User
from notifications.mailer import Mailer, MailError

INVITATION_HOURS = 72
SALT = "relais-invitation"
SUBJECT = "Votre accès à Relais"
SMTP_WAIT_S = 3.0  # per connection and exchange: a relay answers in milliseconds


class InvitationError(ValueError):
    """The link cannot be used (French message for the person)."""


@dataclass(frozen=True)
class Sent:
    """What became of an invitation: ``envoye`` (e-mail sent), ``non_configure`` (no SMTP
    server: the admin passes the link on) or ``echec`` (the server refused; same)."""

    outcome: str
    link: str
    message: str = ""


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_token(secret_key: str, user: User) -> str:
    """A signed token for ``user``'s invitation link."""
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(
        {"id": user.id, "h": _fingerprint(user)}
    )


def read_token(secret_key: str, token: str, store) -> User:
    """The active account the token was made for. Raises ``InvitationError`` when it is
    forged, over ``INVITATION_HOURS`` old, already used or the account is closed."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SALT).loads(
            token, max_age=INVITATION_HOURS * 3600
        )
    except SignatureExpired:
        raise InvitationError(
            f"Ce lien d'invitation a expiré (il vaut {INVITATION_HOURS} heures) : demandez-en "
            "un nouveau à l'administrateur de votre département."
        ) from None
    except BadSignature:
        raise InvitationError("Ce lien d'invitation n'est pas valide.") from None
    user = store.get_user(int(data.get("id") or 0)) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("h") != _fingerprint(user):
        raise InvitationError(
            "Ce lien d'invitation a déjà servi ou ne correspond à aucun compte ouvert : "
            "connectez-vous, ou demandez un nouveau lien à l'administrateur de votre département."
        )
    return user


def invitation_text(email: str, link: str, login_link: str) -> str:
    """The e-mail's French text: the invitee's address and two links, nothing else personal."""
    return (
        "Bonjour,\n\n"
        f"Un compte Relais vient d'être ouvert pour l'adresse {email}. Relais est la base de "
        "ressources sociales partagée par France Travail et les conseils départementaux.\n\n"
        f"Pour choisir votre mot de passe, ouvrez ce lien (valable {INVITATION_HOURS} heures, "
        f"une seule fois) :\n{link}\n\n"
        "Si votre organisation utilise ProConnect, vous pouvez aussi vous connecter avec "
        f"ProConnect depuis la page de connexion :\n{login_link}\n\n"
        "Si vous n'attendiez pas ce message, ignorez-le : sans votre mot de passe, personne ne "
        "peut utiliser ce compte.\n\n"
        "— Relais\n"
    )


def _why(exc: BaseException | None) -> str:
    """The French reason of an SMTP failure, for the admin (no message content). smtplib
    turns a read that timed out into ``SMTPServerDisconnected``: the timeout is its context."""
    causes = [exc, getattr(exc, "__context__", None)]
    if any(isinstance(e, TimeoutError) for e in causes):
        return f"le serveur de courriel n'a pas répondu en {SMTP_WAIT_S:g} secondes"
    if isinstance(exc, ConnectionRefusedError):
        return "le serveur de courriel refuse la connexion"
    if isinstance(exc, socket.gaierror):
        return "le nom du serveur de courriel est inconnu"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "le serveur de courriel a refusé l'identifiant ou le mot de passe"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "le serveur de courriel a refusé l'adresse"
    return "le serveur de courriel est injoignable ou a refusé le message"


def send_invitation(mailer: Mailer, user: User, link: str, login_link: str) -> Sent:
    """E-mail the invitation to ``user`` when an SMTP server is set, waiting on it
    ``SMTP_WAIT_S`` seconds at most; otherwise (or when it fails or does not answer) the admin
    gets the link to pass on by hand, with the reason in French (``Sent.message``). Never
    raises for the mail."""
    if not mailer.enabled:
        return Sent("non_configure", link)
    try:
        replace(mailer, timeout=min(mailer.timeout, SMTP_WAIT_S)).send(
            user.email, SUBJECT, invitation_text(user.email, link, login_link)
        )
    except MailError as exc:
        where = f"{mailer.host}:{mailer.port}"
        return Sent("echec", link, f"Raison : {_why(exc.__cause__)} ({where}).")
    return Sent("envoye", link)

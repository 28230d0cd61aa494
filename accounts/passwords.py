"""Password hashing with Argon2id (argon2-cffi's recommended parameters, RFC 9106)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from accounts.models import AccountError

_HASHER = PasswordHasher()
MIN_LENGTH = 12  # ANSSI's recommendation for a password alone is 12 characters or more


def check_strength(password: str) -> None:
    """Raise ``AccountError`` if ``password`` is shorter than ``MIN_LENGTH`` characters."""
    if len(password or "") < MIN_LENGTH:
        raise AccountError(f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères.")


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; False for an account without a local password."""
    if not password_hash:
        # Same work as a real check, so that timing does not tell which e-mails exist.
        _HASHER.hash("relais-no-password")
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

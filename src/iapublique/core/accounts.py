"""Accounts: users, their administrations, argon2 passwords and API tokens for scripts.

A user sees a service when they are an admin or a member of the service's administration. API
tokens are shown once in clear (``iap_…``); only their SHA-256 is stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from iapublique.core.service import Service
from iapublique.core.store.models import ApiToken, Membership, User

MIN_PASSWORD = 10
TOKEN_PREFIX = "iap_"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("mot de passe factice pour égaliser les temps")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def normalise_email(email: str) -> str:
    """E-mail as stored: trimmed and lower-case, so look-ups ignore case."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """Argon2id hash of a password, after checking it is long enough."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"Mot de passe trop court : {MIN_PASSWORD} caractères au moins sont exigés.")
    return _hasher.hash(password)


def get_user(s: Session, email: str) -> User | None:
    """The user with this e-mail (case ignored), or None."""
    return s.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(s: Session) -> list[User]:
    """Every user, by e-mail."""
    return list(s.scalars(select(User).order_by(User.email)))


def create_user(
    s: Session,
    email: str,
    password: str,
    *,
    name: str = "",
    administrations: Iterable[str] = (),
    is_admin: bool = False,
) -> User:
    """Create a user with an argon2-hashed password and their administrations."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise ValueError(f"Adresse électronique invalide : « {email} ».")
    if get_user(s, email) is not None:
        raise ValueError(f"Un compte existe déjà pour l'adresse « {email} ».")
    user = User(email=email, name=name, password_hash=hash_password(password), is_admin=is_admin, is_active=True)
    s.add(user)
    for code in dict.fromkeys(administrations):
        user.memberships.append(Membership(administration=code, scope=""))
    s.flush()
    return user


def set_password(s: Session, user: User, password: str) -> None:
    """Replace a user's password."""
    user.password_hash = hash_password(password)
    s.flush()


def add_membership(s: Session, user: User, administration: str, scope: str = "") -> Membership:
    """Attach a user to an administration (idempotent)."""
    for m in user.memberships:
        if m.administration == administration and m.scope == scope:
            return m
    membership = Membership(administration=administration, scope=scope)
    user.memberships.append(membership)
    s.flush()
    return membership


def remove_membership(s: Session, user: User, administration: str, scope: str = "") -> bool:
    """Detach a user from an administration; True when a membership was removed."""
    for m in list(user.memberships):
        if m.administration == administration and m.scope == scope:
            user.memberships.remove(m)
            s.flush()
            return True
    return False


def authenticate(s: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work whether the e-mail exists or not)."""
    user = get_user(s, email)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        s.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(s: Session, user: User, label: str = "") -> str:
    """Create an API token for ``user``; the clear value is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=user.id, label=label, prefix=token[:12], token_hash=_token_hash(token)))
    s.flush()
    return token


def list_tokens(s: Session, user: User) -> list[ApiToken]:
    """A user's tokens (hashes and prefixes only), newest first."""
    return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_token(s: Session, token_id: int) -> None:
    """Revoke a token by id; a French error when it does not exist."""
    token = s.get(ApiToken, token_id)
    if token is None:
        raise ValueError(f"Jeton n° {token_id} introuvable.")
    if token.revoked_at is None:
        token.revoked_at = _now()
        s.flush()


def user_for_token(s: Session, token: str) -> User | None:
    """The active user owning this unrevoked token, or None; records its last use."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    user = s.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    row.last_used_at = _now()
    s.flush()
    return user


def can_access(user: User | None, service: Service) -> bool:
    """Whether ``user`` may open ``service``: an active admin or member of its administration."""
    if user is None or not user.is_active:
        return False
    return user.is_admin or service.info.administration in user.administrations

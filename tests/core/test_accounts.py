"""Accounts: argon2 passwords, memberships, API tokens and access to services."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from toy_service import ToyService

from iapublique.core import accounts
from iapublique.core.store.models import ApiToken


def test_passwords_are_argon2_hashed_and_verified(db: Session) -> None:
    """The stored hash is argon2id, never the password; only the right password authenticates."""
    user = accounts.create_user(db, " Agent@Douane.Gouv.FR ", "correct horse battery", name="Agent")
    assert user.email == "agent@douane.gouv.fr"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    assert accounts.authenticate(db, "AGENT@douane.gouv.fr", "correct horse battery") is user
    assert accounts.authenticate(db, "agent@douane.gouv.fr", "wrong horse battery") is None
    assert accounts.authenticate(db, "personne@douane.gouv.fr", "correct horse battery") is None
    user.is_active = False
    assert accounts.authenticate(db, "agent@douane.gouv.fr", "correct horse battery") is None


def test_duplicate_email_and_weak_password_are_refused_in_french(db: Session) -> None:
    """Duplicate e-mails (any case) and passwords under 10 characters give French errors."""
    accounts.create_user(db, "a@exemple.fr", "0123456789")
    with pytest.raises(ValueError, match="existe déjà"):
        accounts.create_user(db, "A@EXEMPLE.FR", "0123456789")
    with pytest.raises(ValueError, match="trop court"):
        accounts.create_user(db, "b@exemple.fr", "court")
    with pytest.raises(ValueError, match="invalide"):
        accounts.create_user(db, "pas-une-adresse", "0123456789")
    assert [u.email for u in accounts.list_users(db)] == ["a@exemple.fr"]


def test_access_follows_administration_membership(db: Session, toy_service: ToyService) -> None:
    """Members of the service's administration and admins get in; others do not, and removal takes effect."""
    member = accounts.create_user(db, "m@essai.fr", "0123456789", administrations=["ESSAI"])
    other = accounts.create_user(db, "o@autre.fr", "0123456789", administrations=["DGDDI"])
    admin = accounts.create_user(db, "admin@essai.fr", "0123456789", is_admin=True)
    assert accounts.can_access(member, toy_service)
    assert not accounts.can_access(other, toy_service)
    assert accounts.can_access(admin, toy_service)
    assert not accounts.can_access(None, toy_service)

    accounts.add_membership(db, other, "ESSAI")
    accounts.add_membership(db, other, "ESSAI")  # idempotent
    assert other.administrations == {"DGDDI", "ESSAI"}
    assert accounts.can_access(other, toy_service)
    assert accounts.remove_membership(db, other, "ESSAI")
    assert not accounts.remove_membership(db, other, "ESSAI")
    assert not accounts.can_access(other, toy_service)
    db.commit()
    db.expunge_all()
    reloaded = accounts.get_user(db, "o@autre.fr")
    assert reloaded is not None and reloaded.administrations == {"DGDDI"}


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(db: Session) -> None:
    """A token authenticates its owner; only its hash is stored; revoked or forged tokens do not."""
    user = accounts.create_user(db, "script@essai.fr", "0123456789")
    token = accounts.issue_token(db, user, "traitement nocturne")
    assert token.startswith("iap_") and len(token) > 40
    stored = db.query(ApiToken).one()
    assert token not in (stored.token_hash, stored.prefix) and stored.token_hash != token
    assert accounts.user_for_token(db, token) is user
    assert stored.last_used_at is not None
    assert accounts.user_for_token(db, token + "x") is None
    assert accounts.user_for_token(db, "Bearer " + token) is None
    accounts.revoke_token(db, stored.id)
    assert accounts.user_for_token(db, token) is None
    with pytest.raises(ValueError, match="introuvable"):
        accounts.revoke_token(db, 9999)

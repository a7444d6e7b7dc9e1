"""Writes of the API app: personal access tokens."""

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Person
from portal.exceptions import ApplicationError

from .models import TOKEN_PREFIX, ApiToken, TokenScope, token_digest

# How long a new token lives, in days: the choices of the form. No token lives for ever.
TOKEN_LIFETIMES = (7, 30, 90, 365)
MAX_TOKENS = 20
# last_used_at is written at most this often per token, not on every request.
USE_RECORDED_EVERY = dt.timedelta(minutes=5)


class TokenError(ApplicationError):
    pass


@transaction.atomic
def token_create(
    *, person: Person, name: str, scope: str, days: int, now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``person``; returns it with the raw token, which is never stored."""
    now = now or timezone.now()
    name = name.strip()
    if not name:
        raise TokenError(_("Give the token a name, so you know later what uses it."))
    if scope not in TokenScope.values:
        raise TokenError(_("Choose read or read and write."))
    if days not in TOKEN_LIFETIMES:
        raise TokenError(_("Choose how long the token lasts."))
    # Lock the person's row: two forms sent at once cannot pass the limit together.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if ApiToken.objects.usable(now=now).filter(person=person).count() >= MAX_TOKENS:
        raise TokenError(
            _("You have %(n)d tokens already. Revoke one you no longer use first.")
            % {"n": MAX_TOKENS}
        )
    secret = secrets.token_urlsafe(32)
    raw = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken.objects.create(
        person=person,
        name=name[:100],
        scope=scope,
        digest=token_digest(raw),
        hint=secret[:6],
        expires_at=now + dt.timedelta(days=days),
    )
    return token, raw


def token_revoke(*, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    """Revoke at once: the next request with it fails. Revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_used(*, token: ApiToken, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORDED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now

"""The secret token of a person's calendar feed (/me/calendar/<token>.ics).

The token is the feed's only protection: calendar apps fetch it without signing in. It is made
on first use and can be replaced at any time, which makes the old address answer 404.
"""

import secrets

from django.conf import settings
from django.urls import reverse

from .models import Person


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def calendar_token_ensure(*, person: Person) -> str:
    """The person's token, made now if they have none. Two first uses at once agree on one."""
    if not person.calendar_token:
        Person.objects.filter(pk=person.pk, calendar_token__isnull=True).update(
            calendar_token=_new_token()
        )
        person.calendar_token = (
            Person.objects.filter(pk=person.pk).values_list("calendar_token", flat=True).get()
        )
    return person.calendar_token


def calendar_token_regenerate(*, person: Person) -> str:
    """Replace the token: the old feed address stops working at once."""
    person.calendar_token = _new_token()
    person.save(update_fields=["calendar_token"])
    return person.calendar_token


def calendar_feed_url(*, person: Person) -> str:
    token = calendar_token_ensure(person=person)
    return settings.SITE_URL + reverse("trainings:my_calendar", kwargs={"token": token})

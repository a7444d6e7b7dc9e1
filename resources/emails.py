"""Builders of the library's emails (``portal.notifications.build``); services queue them."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from portal import languages
from portal.notifications import build


def resource_submitted(
    *, resource, person, curators: list[str], language: str
) -> EmailMultiAlternatives:
    """Tell the curators that a member shared a resource, with a link to review it (in the
    ``language`` of this group of curators: ``portal.notifications.by_language``)."""
    return build(
        "resource_submitted",
        to=curators,
        language=language,
        context={
            "resource": resource,
            "person": person,
            "review_url": settings.SITE_URL
            + reverse("admin:resources_resource_change", args=[resource.pk]),
        },
    )


def resource_reviewed(*, resource, name: str) -> EmailMultiAlternatives:
    """Tell the contributor that their resource was published (``resource_published``) or
    declined (``resource_declined``)."""
    person = resource.contributed_by
    return build(
        name,
        to=[person.user.email],
        language=languages.for_person(person.language),
        context={
            "resource": resource,
            "person": person,
            "resource_url": settings.SITE_URL + resource.get_absolute_url(),
        },
    )

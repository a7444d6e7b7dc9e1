"""The token's person: their registrations (register, cancel), credentials and certificates."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from members import selectors as member_selectors
from trainings import selectors as training_selectors
from trainings import services as training_services

from .. import selectors
from ..auth import write_token
from ..schemas import (
    CertificatePage,
    CredentialPage,
    Error,
    Paging,
    RegisterIn,
    RegistrationOut,
    RegistrationPage,
)
from .lists import paged

router = Router(tags=["me"], auth=write_token)
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 429: Error}


@router.get(
    "registrations/", response={200: RegistrationPage, **ERRORS}, summary="My registrations"
)
def my_registrations(request, paging: Query[Paging]):
    return paged(request, selectors.my_registrations(person=request.person), order=("pk",))


@router.post("registrations/", response={201: RegistrationOut, 200: RegistrationOut, **ERRORS},
             summary="Register for a training")  # fmt: skip
def my_register(request, body: RegisterIn):
    """A seat if one is free, otherwise the waitlist (`status`). Registering again for a
    training you hold a place in answers 200 with that registration, unchanged. Someone in
    several agencies says which one the seat is for (`agency`, its slug)."""
    training = training_selectors.registrable_training(slug=body.training)
    person = request.person
    held = training_selectors.active_registration(training=training, person=person)
    if held:
        return Status(200, held)
    memberships = list(member_selectors.my_active_memberships(person=person))
    if body.agency:
        matching = [m for m in memberships if m.agency.slug == body.agency]
        if not matching:
            raise training_services.RegistrationError(
                _("You are not a member of this agency."), extra={"field": "agency"}
            )
        agency = matching[0].agency
    elif len(memberships) > 1:
        raise training_services.RegistrationError(
            _("Choose the agency the seat is for."), extra={"field": "agency"}
        )
    else:
        agency = memberships[0].agency if memberships else None
    registration = training_services.registration_create(
        training=training, person=person, agency=agency, registered_by=request.user
    )
    return Status(201, registration)


@router.post("registrations/{registration_id}/cancel/", response={200: RegistrationOut, **ERRORS},
             summary="Cancel my registration")  # fmt: skip
def my_registration_cancel(request, registration_id: int):
    registration = get_object_or_404(
        selectors.my_registrations(person=request.person), pk=registration_id
    )
    return training_services.registration_cancel(
        registration=registration, cancelled_by=request.user
    )


@router.get("credentials/", response={200: CredentialPage, **ERRORS}, summary="My credentials")
def my_credentials(request, paging: Query[Paging]):
    return paged(request, selectors.my_credentials(person=request.person), order=("pk",))


@router.get("certificates/", response={200: CertificatePage, **ERRORS}, summary="My certificates")
def my_certificates(request, paging: Query[Paging]):
    return paged(request, selectors.my_certificates(person=request.person), order=("pk",))

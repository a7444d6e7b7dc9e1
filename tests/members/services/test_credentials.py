"""members.services.credentials: recording and verifying credentials."""

import datetime as dt

import pytest
from django.utils import timezone

from members import services
from members.models import (
    Credential,
    CredentialLevel,
    CredentialSource,
    PracticeModel,
)
from portal.exceptions import ApplicationError
from tests.factories import (
    CredentialFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Credentials ------------------------------------------------------------------------------


def test_credential_record_refuses_a_date_in_the_future():
    person = PersonFactory()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ApplicationError, match="future"):
        services.credential_record(
            person=person,
            level=CredentialLevel.PHASE_1,
            model=PracticeModel.NMT,
            earned_on=tomorrow,
            source=CredentialSource.COORDINATOR,
        )
    assert not Credential.objects.exists()


def test_credential_record_by_a_coordinator_is_unverified_and_by_an_admin_verified():
    person = PersonFactory()
    recorder = UserFactory()
    today = timezone.localdate()
    by_coordinator = services.credential_record(
        person=person,
        level=CredentialLevel.CONCEPTS,
        model=PracticeModel.NMT,
        earned_on=today,
        source=CredentialSource.COORDINATOR,
        recorded_by=recorder,
    )
    by_admin = services.credential_record(
        person=person,
        level=CredentialLevel.PHASE_1,
        model=PracticeModel.NMT,
        earned_on=today,
        source=CredentialSource.ADMIN,
    )
    assert by_coordinator.verified is False
    assert by_coordinator.recorded_by == recorder
    assert by_admin.verified is True


def test_credential_record_again_updates_the_one_credential_of_that_level_and_model():
    person = PersonFactory()
    for earned_on in (dt.date(2023, 5, 1), dt.date(2024, 6, 2)):
        services.credential_record(
            person=person,
            level=CredentialLevel.PHASE_1,
            model=PracticeModel.NME,
            earned_on=earned_on,
            source=CredentialSource.COORDINATOR,
        )
    assert list(Credential.objects.values_list("earned_on", flat=True)) == [dt.date(2024, 6, 2)]


def test_credential_verify_marks_it_verified():
    credential = CredentialFactory(verified=False)
    curator = UserFactory(is_staff=True)
    services.credential_verify(credential=credential, verified_by=curator)
    credential.refresh_from_db()
    assert credential.verified is True
    assert credential.recorded_by == curator

"""What the API answers with: plain fields, the values of the URL contract (PRODUCT.md), times
in ISO 8601 with their offset, absolute links to the pages."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from ninja import Field, Schema


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


class Paging(Schema):
    """Every list's paging. The values are checked again by the list (a 400 with a reason)."""

    cursor: str | None = Field(None, description="`next_cursor` of the page before.")
    limit: int | None = Field(None, description="Rows a page, 1 to 100 (25 if left out).")


class TrainingQuery(Paging):
    """The catalogue's filters (PRODUCT.md): the same values, the same messages."""

    q: str | None = None
    kind: str | None = Field(
        None, description="concepts, phase_1, phase_2, community_of_practice, other"
    )
    model: str | None = Field(None, description="nmt, nme")
    format: str | None = Field(None, description="in_person, online, hybrid")
    county: str | None = None
    start_after: str | None = Field(None, description="YYYY-MM-DD")
    start_before: str | None = Field(None, description="YYYY-MM-DD")
    open: str | None = Field(None, description="1: only trainings with a free seat")


class ResourceQuery(Paging):
    """The library's filters."""

    q: str | None = None
    topic: str | None = None
    kind: str | None = None
    audience: str | None = None
    model: str | None = None


class AgencyQuery(Paging):
    """The directory's filters."""

    q: str | None = None
    county: str | None = None
    status: str | None = None
    kind: str | None = None
    model: str | None = None


class Error(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class AgencyRef(Schema):
    slug: str
    name: str


class SessionOut(Schema):
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class TrainingOut(Schema):
    slug: str
    title: str
    summary: str
    kind: str
    model: str
    format: str
    language: str
    status: str
    county: str
    venue_name: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    capacity: int
    seats_left: int
    host_agency: AgencyRef | None
    sessions: list[SessionOut]
    url: str

    @staticmethod
    def resolve_sessions(training) -> list:
        return list(training.sessions.all())

    @staticmethod
    def resolve_url(training) -> str:
        return absolute(training.get_absolute_url())


class TrainingPage(Schema):
    items: list[TrainingOut]
    next_cursor: str | None


class AgencyOut(Schema):
    slug: str
    name: str
    kind: str
    county: str
    city: str
    website: str
    nmt_status: str
    url: str

    @staticmethod
    def resolve_url(agency) -> str:
        return absolute(agency.get_absolute_url())


class AgencyPage(Schema):
    items: list[AgencyOut]
    next_cursor: str | None


class ResourceOut(Schema):
    slug: str
    title: str
    summary: str
    kind: str
    model: str
    language: str
    visibility: str
    published_at: dt.datetime | None
    url: str

    @staticmethod
    def resolve_url(resource) -> str:
        return absolute(resource.get_absolute_url())


class ResourcePage(Schema):
    items: list[ResourceOut]
    next_cursor: str | None


class Count(Schema):
    value: str
    count: int


class FiguresOut(Schema):
    year: int
    agencies: int
    agencies_by_status: list[Count]
    agencies_by_county: list[Count]
    people_by_stage: dict[str, int]
    trainings_held: int
    meetings_held: int
    meeting_attendance: int


class AgencyFiguresOut(Schema):
    staff: int
    concepts: int
    phase_1: int
    phase_2: int
    mentor: int


class RegistrationOut(Schema):
    id: int
    training: str
    training_title: str
    person: int | None
    status: str
    agency: str | None
    attendance: str
    arrived_at: dt.datetime
    cancelled_at: dt.datetime | None

    @staticmethod
    def resolve_training(registration) -> str:
        return registration.training.slug

    @staticmethod
    def resolve_training_title(registration) -> str:
        return registration.training.title

    @staticmethod
    def resolve_person(registration) -> int | None:
        return registration.person_id

    @staticmethod
    def resolve_agency(registration) -> str | None:
        return registration.agency.slug if registration.agency_id else None


class RegistrationPage(Schema):
    items: list[RegistrationOut]
    next_cursor: str | None


class RegisterIn(Schema):
    training: str
    agency: str | None = None


class CredentialOut(Schema):
    id: int
    person: int
    level: str
    model: str
    earned_on: dt.date | None
    source: str

    @staticmethod
    def resolve_person(credential) -> int:
        return credential.person_id


class CredentialPage(Schema):
    items: list[CredentialOut]
    next_cursor: str | None


class CertificateOut(Schema):
    code: str
    person: int | None
    training: str
    name: str
    training_title: str
    first_date: dt.date
    last_date: dt.date
    sessions_attended: int
    sessions_total: int
    hours: Decimal
    ce_hours: Decimal | None
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    verify_url: str

    @staticmethod
    def resolve_person(certificate) -> int | None:
        return certificate.person_id

    @staticmethod
    def resolve_training(certificate) -> str:
        return certificate.training.slug

    @staticmethod
    def resolve_code(certificate) -> str:
        return certificate.display_code


class CertificatePage(Schema):
    items: list[CertificateOut]
    next_cursor: str | None


class MemberOut(Schema):
    id: int
    person: int
    display_name: str
    email: str
    job_title: str
    role: str
    credentials: list[str]

    @staticmethod
    def resolve_person(membership) -> int:
        return membership.person_id

    @staticmethod
    def resolve_display_name(membership) -> str:
        return membership.person.display_name

    @staticmethod
    def resolve_email(membership) -> str:
        return membership.person.user.email

    @staticmethod
    def resolve_job_title(membership) -> str:
        return membership.person.job_title

    @staticmethod
    def resolve_credentials(membership) -> list[str]:
        return [f"{c.model}:{c.level}" for c in membership.person.credentials.all()]


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None

"""Every URL of the project, and a ``world`` of objects to fill in their arguments.

Shared by the permission matrix (tests/members/test_permissions.py) and the CSRF test
(tests/portal/test_csrf.py). ``ROUTES`` walks the resolver once, so a URL added anywhere (the
portal's apps, allauth, a ModelAdmin's ``get_urls``) shows up in both; ``url_for`` and
``admin_urls`` build each URL from the ``world`` fixture, and fail for an argument they don't
know, so a new URL can't be left out quietly.

Test modules use the fixtures by naming them at module level: ``world = url_world.world``.
"""

import datetime as dt
import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from api.models import TokenScope
from api.services import token_create
from members import services
from members.models import (
    AgencyMilestone,
    AgencyStatusRequest,
    DigestSubscription,
    MembershipState,
    SiteMilestone,
)
from portal.models import OutboxEmail
from resources.models import Audience, Resource, ResourceStatus, Topic
from tests.factories import (
    CredentialFactory,
    InvitationFactory,
    MembershipFactory,
    PersonFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.models import (
    AttendanceRule,
    Certificate,
    PracticeReport,
    Reminder,
    ReminderPolicy,
    Series,
)
from trainings.services import registration_create

PROJECT, ALLAUTH, ADMIN = "project", "allauth", "admin"


@dataclass(frozen=True)
class Route:
    """One URL pattern of the whole project."""

    name: str | None  # "namespace:name"; None for an unnamed pattern
    pattern: URLPattern
    route: str  # the full route, e.g. "admin/trainings/training/<path:object_id>/change/"
    group: str  # PROJECT, ALLAUTH or ADMIN
    model: type | None = None  # ADMIN: the model of the ModelAdmin that serves it

    @property
    def params(self) -> list[str]:
        pattern = self.pattern.pattern
        if isinstance(pattern, RoutePattern):
            return list(pattern.converters)
        return list(pattern.regex.groupindex)

    def __str__(self) -> str:
        return self.name or self.route


def _group_of(resolver: URLResolver, group: str) -> str:
    module = getattr(resolver.urlconf_module, "__name__", "")
    if resolver.namespace == "admin":
        return ADMIN
    if module.startswith("allauth"):
        return ALLAUTH
    return group


def _model_of(resolver: URLResolver, group: str, model):
    """A ModelAdmin's URLs are included under "<app_label>/<model_name>/"."""
    if group != ADMIN or model is not None:
        return model
    match = re.fullmatch(r"(\w+)/(\w+)/", str(resolver.pattern))
    if not match:
        return None
    try:
        return apps.get_model(*match.groups())
    except LookupError:
        return None


def _routes(patterns=None, namespace="", prefix="", group=PROJECT, model=None):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner_group = _group_of(entry, group)
            yield from _routes(
                entry.url_patterns,
                ":".join(part for part in (namespace, entry.namespace or "") if part),
                prefix + str(entry.pattern),
                inner_group,
                _model_of(entry, inner_group, model),
            )
        elif isinstance(entry, URLPattern):
            entry_group = group
            if group == PROJECT and getattr(entry.callback, "__module__", "").startswith("allauth"):
                entry_group = ALLAUTH
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(name, entry, prefix + str(entry.pattern), entry_group, model)


ROUTES: list[Route] = list(_routes())
PROJECT_URLS: dict[str, URLPattern] = {r.name: r.pattern for r in ROUTES if r.group == PROJECT}
ALLAUTH_URLS: dict[str, URLPattern] = {r.name: r.pattern for r in ROUTES if r.group == ALLAUTH}
ADMIN_ROUTES: list[Route] = [r for r in ROUTES if r.group == ADMIN]


# --- The world ----------------------------------------------------------------------------------


@pytest.fixture
def world(agency_a, agency_b, member, staff_a, coordinator_a, coordinator_b, curator, superuser):
    """Every role, and agency A's objects the URLs name."""
    invited = PersonFactory(user=UserFactory(email="invited@example.org"))
    invitation = InvitationFactory(agency=agency_a, email="invitee@example.org")
    training = TrainingFactory(host_agency=agency_a)
    registration = registration_create(
        training=training, person=staff_a.person, agency=agency_a, registered_by=staff_a
    )
    return SimpleNamespace(
        agency=agency_a,
        training=training,
        registration=registration,
        # Staff of A's certificate of attendance (made directly: the training is ahead).
        certificate=Certificate.objects.create(
            registration=registration,
            person=staff_a.person,
            training=training,
            name="Sam Staff",
            training_title=training.title,
            first_date=dt.date(2026, 1, 5),
            last_date=dt.date(2026, 1, 5),
            sessions_attended=1,
            sessions_total=1,
            hours=3,
            issued_at=training.created_at,
        ),
        staff_membership=staff_a.person.memberships.get(),
        join_request=MembershipFactory(agency=agency_a, state=MembershipState.REQUESTED),
        invited_membership=MembershipFactory(
            agency=agency_a, person=invited, state=MembershipState.INVITED
        ),
        invitation=invitation,
        token=services.invitation_token(invitation),
        # Staff of A's personal access token (the API's).
        api_token=token_create(
            person=staff_a.person, name="HR sync", scope=TokenScope.WRITE, days=30
        )[0],
        # Created here: a transactional test's flush removes the data migration's milestones.
        milestone=SiteMilestone.objects.create(title="A milestone", order=99),
        series=Series.objects.create(
            title="Peer consultation, first Tuesday",
            slug="peer-consultation",
            summary="Monthly.",
            host_agency=agency_a,
            rule="FREQ=MONTHLY;BYDAY=1TU",
            start_time=dt.time(12),
            first_date=dt.date(2026, 1, 1),
        ),
        resource=Resource.objects.create(
            title="A public guide",
            slug="a-public-guide",
            summary="For everyone.",
            kind="guide",
            status=ResourceStatus.PUBLISHED,
            file=ContentFile(b"%PDF-1.4 test", name="guide.pdf"),
            file_type="application/pdf",
        ),
    )


TRAINING_PAGES = {"trainings:detail", "trainings:ics", "trainings:register", "api:training"}
RESOURCE_PAGES = {"resources:detail", "resources:download"}
SERIES_PAGES = {"trainings:series_feed"}


def url_for(name: str, world) -> str:
    """The URL of a project URL name, its arguments naming objects of ``world``."""
    membership = {
        "members:manage_request_decide": world.join_request,
        "members:me_invitation": world.invited_membership,
    }.get(name, world.staff_membership)
    values = {
        "slug": world.training.slug
        if name in TRAINING_PAGES
        else world.resource.slug
        if name in RESOURCE_PAGES
        else world.series.slug
        if name in SERIES_PAGES
        else world.agency.slug,
        "training_slug": world.training.slug,
        "session_id": world.training.sessions.first().pk,
        "registration_id": world.registration.pk,
        "membership_id": membership.pk,
        "invitation_id": world.invitation.pk,
        "milestone_id": world.milestone.pk,
        "token": world.token,
        "token_id": world.api_token.pk,
        # A certificate's code; as a check-in code (8 characters) it opens nothing.
        "code": world.certificate.display_code,
    }
    params = PROJECT_URLS[name].pattern.converters
    return reverse(name, kwargs={param: values[param] for param in params})


# allauth's URL arguments: keys that open nothing (an unknown confirmation, a stale reset link).
ALLAUTH_ARGS = {"key": "no-such-key", "uidb36": "zz"}


def allauth_url(name: str) -> str:
    route = next(r for r in ROUTES if r.name == name)
    return reverse(name, kwargs={param: ALLAUTH_ARGS[param] for param in route.params})


# --- The admin's world: one object of every registered model -------------------------------------


@pytest.fixture
def admin_world(world):
    """``world`` plus one object of every model registered in the admin, by model."""
    reminder_policy = ReminderPolicy.objects.first() or ReminderPolicy.objects.create(
        kind="concepts", offsets="7d"
    )
    objects = {
        Group: Group.objects.create(name="Editors"),
        EmailAddress: EmailAddress.objects.create(
            user=world.registration.person.user,
            email=world.registration.person.user.email,
            verified=True,
            primary=True,
        ),
        Authenticator: Authenticator.objects.create(
            user=world.registration.person.user,
            type=Authenticator.Type.RECOVERY_CODES,
            data={"seed": "x"},
        ),
        OutboxEmail: OutboxEmail.objects.create(
            kind="test", to=["someone@example.org"], subject="Hello", body_text="Hello."
        ),
        DigestSubscription: DigestSubscription.objects.create(email="reader@example.org"),
        AgencyStatusRequest: AgencyStatusRequest.objects.create(
            agency=world.agency,
            changes={"nmt_status": "implementing"},
            previous={"nmt_status": "interested"},
            note="We started in March.",
        ),
        AgencyMilestone: AgencyMilestone.objects.create(
            agency=world.agency, milestone=world.milestone, done_on=dt.date(2026, 1, 5)
        ),
        PracticeReport: PracticeReport.objects.create(registration=world.registration),
        ReminderPolicy: reminder_policy,
        # Registering scheduled the training's reminders already.
        Reminder: Reminder.objects.first()
        or Reminder.objects.create(
            registration=world.registration, kind="7d", due_at=world.training.starts_at
        ),
        Topic: Topic.objects.first() or Topic.objects.create(name="Regulation", slug="regulation"),
        Audience: Audience.objects.first()
        or Audience.objects.create(name="Teachers", slug="teachers"),
        CredentialFactory._meta.model: CredentialFactory(person=world.registration.person),
        AttendanceRule: AttendanceRule.objects.create(kind="phase_1", minimum_percent=75),
        Certificate: world.certificate,
    }
    for model, obj in (
        (type(world.agency), world.agency),
        (type(world.training), world.training),
        (type(world.registration), world.registration),
        (type(world.staff_membership), world.staff_membership),
        (type(world.invitation), world.invitation),
        (type(world.milestone), world.milestone),
        (type(world.series), world.series),
        (type(world.resource), world.resource),
        (type(world.registration.person), world.registration.person),
        (type(world.registration.person.user), world.registration.person.user),
    ):
        objects.setdefault(model, obj)
    missing = [m.__name__ for m in admin.site._registry if m not in objects]
    assert missing == [], f"add an object of each of these models to admin_world: {missing}"
    return SimpleNamespace(world=world, objects=objects)


# A made-up path under /admin/, for the admin's catch-all pattern.
ADMIN_UNKNOWN_PATH = "no-such-page/"


def admin_urls(route: Route, admin_world) -> list[str]:
    """The URLs of an admin route: one per app for ``app_list``, one otherwise.

    Fails for an argument it doesn't know: teach it (and the matrix) about the new URL.
    """
    world, objects = admin_world.world, admin_world.objects
    if route.name == "admin:app_list":
        labels = sorted({model._meta.app_label for model in admin.site._registry})
        return [reverse(route.name, kwargs={"app_label": label}) for label in labels]
    if route.name == "admin:view_on_site":
        content_type = ContentType.objects.get_for_model(world.training)
        return [
            reverse(
                route.name,
                kwargs={"content_type_id": content_type.pk, "object_id": world.training.pk},
            )
        ]
    values = {
        "training_id": world.training.pk,
        "session_id": world.training.sessions.first().pk,
        "resource_id": world.resource.pk,
        "certificate_id": world.certificate.pk,
        "url": ADMIN_UNKNOWN_PATH,
    }
    if route.model is not None:
        values["object_id"] = objects[route.model].pk
        values["id"] = objects[route.model].pk
    unknown = [param for param in route.params if param not in values]
    assert unknown == [], f"no value for {unknown} in {route}: teach tests/url_world.py"
    kwargs = {param: values[param] for param in route.params}
    if route.name:
        return [reverse(route.name, kwargs=kwargs)]
    # An unnamed pattern (the admin's old-style "<object_id>/" redirect, its catch-all).
    if route.params == ["url"]:
        return [reverse("admin:index") + ADMIN_UNKNOWN_PATH]
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route.route)
    return ["/" + path]

"""Helpers of the members services' tests."""

import re
from urllib.parse import urlsplit

from members.models import Membership, Role
from tests.factories import MembershipFactory, PersonFactory, UserFactory

INVITATION_LINK = re.compile(r"https?://\S+/invitations/[^/\s]+/")


def coordinator(agency, email=None):
    user = UserFactory(**({"email": email} if email else {}))
    return MembershipFactory(agency=agency, person=PersonFactory(user=user), role=Role.COORDINATOR)


def coordinator_count(agency) -> int:
    return Membership.objects.filter(agency=agency).coordinators().count()


def link_path(message) -> str:
    match = INVITATION_LINK.search(message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def token(message) -> str:
    return link_path(message).rstrip("/").rsplit("/", 1)[1]

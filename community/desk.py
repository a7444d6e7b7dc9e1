"""The curators' desk, the admin's home page: what waits for the signed-in staff member, each
item with its count and a link to the changelist filtered to it.

Only what their model permissions let them see (view or change), and only what waits (a count
of 0 is left out). Each count is one query, made only for a permitted item; the outbox's two
counts share one.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model
from django.urls import reverse
from django.utils.translation import ngettext

from members.models import AgencyMilestone, AgencyStatusRequest, Credential
from members.selectors import (
    credentials_unverified_count,
    milestone_ticks_waiting_count,
    status_requests_waiting_count,
)
from portal.models import OutboxEmail
from portal.selectors import outbox_trouble_counts
from resources.models import Resource
from resources.selectors import submissions_waiting_count
from trainings.models import Training
from trainings.selectors import proposals_waiting_count


@dataclass(frozen=True)
class DeskItem:
    count: int
    label: str
    url: str


@dataclass(frozen=True)
class _Kind:
    model: type[Model]
    # The changelist's query string that shows exactly the rows counted.
    query: str
    label: Callable[[int], str]


def _may_view(user, model: type[Model]) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )


def _item(kind: _Kind, count: int) -> DeskItem | None:
    if not count:
        return None
    opts = kind.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + kind.query
    return DeskItem(count=count, label=kind.label(count), url=url)


RESOURCES = _Kind(
    Resource,
    "?queue=waiting",
    lambda n: ngettext("resource submitted for review", "resources submitted for review", n),
)
# ``when=all``: the changelist shows upcoming trainings only by default, and a proposal may have
# dates already past.
PROPOSALS = _Kind(
    Training,
    "?queue=proposed&when=all",
    lambda n: ngettext("training proposed by an agency", "trainings proposed by agencies", n),
)
STATUS_REQUESTS = _Kind(
    AgencyStatusRequest,
    "?state=pending",
    lambda n: ngettext("agency status request to decide", "agency status requests to decide", n),
)
MILESTONES = _Kind(
    AgencyMilestone,
    "?verified=no",
    lambda n: ngettext(
        "milestone an agency ticked, to verify", "milestones agencies ticked, to verify", n
    ),
)
CREDENTIALS = _Kind(
    Credential,
    "?verified__exact=0",
    lambda n: ngettext("credential to verify", "credentials to verify", n),
)
FAILED_EMAILS = _Kind(
    OutboxEmail,
    "?state__exact=failed",
    lambda n: ngettext("email that failed to send", "emails that failed to send", n),
)
STUCK_EMAILS = _Kind(
    OutboxEmail,
    "?delivery=stuck",
    lambda n: ngettext(
        "email stuck in the outbox (nothing is sending)",
        "emails stuck in the outbox (nothing is sending)",
        n,
    ),
)

COUNTS: list[tuple[_Kind, Callable[[], int]]] = [
    (RESOURCES, submissions_waiting_count),
    (PROPOSALS, proposals_waiting_count),
    (STATUS_REQUESTS, status_requests_waiting_count),
    (MILESTONES, milestone_ticks_waiting_count),
    (CREDENTIALS, credentials_unverified_count),
]


def curator_desk(*, user) -> list[DeskItem]:
    """What waits for ``user``, in the order of COUNTS, then the outbox's troubles."""
    items = [_item(kind, count()) for kind, count in COUNTS if _may_view(user, kind.model)]
    if _may_view(user, OutboxEmail):
        trouble = outbox_trouble_counts()
        items += [_item(FAILED_EMAILS, trouble["failed"]), _item(STUCK_EMAILS, trouble["stuck"])]
    return [item for item in items if item is not None]

"""The rows of a session's sign-in sheet and of a training's name badges (trainings/printouts.py):
the confirmed people, alphabetically. Names and agencies only: no email address is read."""

import unicodedata

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from portal.dates import time_range

from ..models import Format, Registration, RegistrationStatus, Session, Training
from ..printouts import Badge, SignInRow, SignInSheet


def name_order(name: str) -> tuple[str, str]:
    """A name's place in an alphabetical list, case and accents aside: "Álvarez" among the A's,
    "de la Cruz" among the D's."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)), name


def _confirmed(training: Training) -> list[Registration]:
    return list(
        Registration.objects.filter(
            training=training, status=RegistrationStatus.CONFIRMED, person__isnull=False
        ).select_related("person", "agency")
    )


def training_session(*, training: Training, session_id: int) -> Session:
    """One of the training's sessions, or 404."""
    return get_object_or_404(Session.objects.filter(training=training), pk=session_id)


def _venue(training: Training) -> str:
    place = ", ".join(filter(None, [training.venue_name, training.venue_address]))
    if training.format == Format.ONLINE:
        return _("Online")
    if training.format == Format.HYBRID:
        return _("%(place)s, and online") % {"place": place} if place else _("Online")
    return place


def session_sign_in_sheet(*, training: Training, session: Session) -> SignInSheet:
    """The sheet of one session: everyone confirmed, by name (printed as on certificates), with
    the agency they registered through. Two queries (with ``host_agency`` selected)."""
    order = list(training.sessions.order_by("starts_at", "pk").values_list("pk", flat=True))
    label = _("Session %(number)d of %(count)d") % {
        "number": order.index(session.pk) + 1,
        "count": len(order),
    }
    if session.title:
        label = f"{label}: {session.title}"
    rows = sorted(
        (
            SignInRow(name=r.person.printed_name, agency=r.agency.name if r.agency else "")
            for r in _confirmed(training)
        ),
        key=lambda row: name_order(row.name),
    )
    return SignInSheet(
        training_title=training.title,
        session=label,
        when=time_range(session.starts_at, session.ends_at),
        venue=_venue(training),
        host=training.host_agency.name if training.host_agency else "",
        rows=rows,
    )


def name_badges(*, training: Training) -> list[Badge]:
    """A badge for everyone confirmed, by the name they go by, alphabetically. One query."""
    return sorted(
        (
            Badge(name=r.person.display_name, agency=r.agency.name if r.agency else "")
            for r in _confirmed(training)
        ),
        key=lambda badge: name_order(badge.name),
    )

"""Community-of-practice series: each date of a series' rule becomes an ordinary training."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

from ..models import Kind, Series, Status, Training
from ..recurrence import MAX_OCCURRENCES, local_moment, occurrence_dates
from .catalogue import training_create, unique_slug


class SeriesError(ApplicationError):
    pass


def meeting_title(series: Series, day: dt.date) -> str:
    return f"{series.title} — {date_format(day, 'SHORT_DATE_FORMAT')}"


@transaction.atomic
def series_generate(
    *, series: Series, until: dt.date, since: dt.date | None = None
) -> list[Training]:
    """Create the series' meetings up to ``until`` (inclusive), and return the new ones.

    One published training of kind community of practice per date of the rule, with one
    session at the series' start time, computed in local time (12:00 stays 12:00 across DST).
    Idempotent: meetings are keyed by (series, date), so dates that already have a meeting
    (even a cancelled one) are skipped; a unique constraint backs that up, and the series' row
    is locked so two runs at once cannot race. Dates before ``since`` (default: today, Pacific)
    are not created.
    """
    series = Series.objects.select_for_update().get(pk=series.pk)
    since = since or timezone.localdate()
    dates = occurrence_dates(
        rule=series.rule,
        first_date=series.first_date,
        since=since,
        until=min(until, series.until) if series.until else until,
        count=series.count,
    )
    if len(dates) > MAX_OCCURRENCES:
        raise SeriesError(
            _("This rule makes more than %(n)d meetings in that period; check the rule.")
            % {"n": MAX_OCCURRENCES}
        )
    existing = set(series.meetings.values_list("series_date", flat=True))
    duration = dt.timedelta(minutes=series.duration_minutes)
    created = []
    for day in dates:
        if day in existing:
            continue
        start = local_moment(day, series.start_time)
        created.append(
            training_create(
                sessions=[(start, start + duration)],
                slug=unique_slug(f"{series.slug}-{day:%Y-%m-%d}"),
                title=meeting_title(series, day),
                kind=Kind.COMMUNITY_OF_PRACTICE,
                model=series.model,
                summary=series.summary,
                description=series.description,
                format=series.format,
                venue_name=series.venue_name,
                venue_address=series.venue_address,
                county=series.county,
                online_url=series.online_url,
                capacity=series.capacity,
                contact_email=series.contact_email,
                host_agency=series.host_agency,
                status=Status.PUBLISHED,
                series=series,
                series_date=day,
            )
        )
    return created

"""The month calendar: parsing ``?month=YYYY-MM`` and laying sessions out in weeks."""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .filters import EARLIEST_DATE, LATEST_DATE, local_midnight
from .models import Session


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        error_messages={"invalid": _("Enter a month as YYYY-MM, for example 2026-12.")},
    )

    def clean_month(self) -> dt.date | None:
        value = self.cleaned_data["month"]
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(_("Enter a month between 2000-01 and 2100-12."))
        return value


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    sessions: list[Session] = field(default_factory=list)


@dataclass
class Month:
    first: dt.date
    weeks: list[list[Day]]

    @property
    def previous(self) -> dt.date:
        return (self.first - dt.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> dt.date:
        return (self.first + dt.timedelta(days=32)).replace(day=1)

    @property
    def has_previous(self) -> bool:
        return self.previous >= EARLIEST_DATE

    @property
    def has_next(self) -> bool:
        return self.next <= LATEST_DATE

    @property
    def days_with_sessions(self) -> list[Day]:
        return [day for week in self.weeks for day in week if day.in_month and day.sessions]

    @property
    def grid_start(self) -> dt.datetime:
        return local_midnight(self.weeks[0][0].date)

    @property
    def grid_end(self) -> dt.datetime:
        return local_midnight(self.weeks[-1][-1].date + dt.timedelta(days=1))


def month_grid(first: dt.date, *, today: dt.date | None = None) -> Month:
    """Weeks (Sunday first, as US calendars are) covering the month of ``first``."""
    today = today or timezone.localdate()
    cal = calendar.Calendar(firstweekday=calendar.SUNDAY)
    weeks = [
        [Day(date=day, in_month=day.month == first.month, is_today=day == today) for day in week]
        for week in cal.monthdatescalendar(first.year, first.month)
    ]
    return Month(first=first.replace(day=1), weeks=weeks)


def place_sessions(month: Month, sessions) -> Month:
    """Put each session on the local day it starts."""
    by_date = {day.date: day for week in month.weeks for day in week}
    for session in sessions:
        day = by_date.get(timezone.localtime(session.starts_at).date())
        if day is not None:
            day.sessions.append(session)
    return month

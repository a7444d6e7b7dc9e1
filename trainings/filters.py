import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import County
from portal.content_language import LanguageFilter

from .models import Format, Kind, Model, RegistrationStatus, Status, Training

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the portal's zone, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# Dates outside this range are refused with a message: they are typos, and a far date would
# overflow when turned into a datetime.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class FlagCheckbox(forms.CheckboxInput):
    """A checkbox that also reads the URL forms ``0``/``false``/``off`` as unticked."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str) and value.strip().lower() in {"", "0", "false", "off", "no"}:
            return False
        return super().value_from_datadict(data, files, name)


class TrainingFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        for name in ("start_after", "start_before"):
            value = data.get(name)
            if value and not EARLIEST_DATE <= value <= LATEST_DATE:
                self.add_error(name, _("Enter a date between 2000 and 2100."))
                data.pop(name, None)
        after, before = data.get("start_after"), data.get("start_before")
        if after and before and before < after:
            self.add_error("start_before", _("“Until” must be on or after “From”."))
        return data


class TrainingFilter(django_filters.FilterSet):
    """The catalogue filters of the URL contract (PRODUCT.md): q, kind, model, format, county,
    language, start_after, start_before, open. An unknown value makes the form invalid, never
    a 500."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title, topic or venue")}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Kind.choices, empty_label=_("Any kind")
    )
    model = django_filters.ChoiceFilter(
        label=_("Model"), choices=Model.choices, empty_label=_("NMT or NME")
    )
    format = django_filters.ChoiceFilter(
        label=_("Format"), choices=Format.choices, empty_label=_("Any format")
    )
    county = django_filters.ChoiceFilter(
        label=_("County"), choices=County.choices, empty_label=_("Any county")
    )
    language = LanguageFilter(
        help_text=_("Bilingual trainings are listed under English and under Spanish.")
    )
    start_after = django_filters.DateFilter(
        label=_("From"), method="filter_start_after", widget=DATE_INPUT
    )
    start_before = django_filters.DateFilter(
        label=_("Until"), method="filter_start_before", widget=DATE_INPUT
    )
    open = django_filters.BooleanFilter(
        label=_("Only with free seats"), method="filter_open", widget=FlagCheckbox
    )

    class Meta:
        model = Training
        fields: list[str] = []
        form = TrainingFilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(summary__icontains=value)
            | Q(description__icontains=value)
            | Q(venue_name__icontains=value)
            | Q(venue_address__icontains=value)
        )

    def filter_start_after(self, queryset, name, value):
        # Inclusive: trainings starting on that day or later.
        return queryset.filter(starts_at__gte=local_midnight(value))

    def filter_start_before(self, queryset, name, value):
        # Inclusive: trainings starting on that day or earlier.
        return queryset.filter(starts_at__lt=local_midnight(value + dt.timedelta(days=1)))

    def filter_open(self, queryset, name, value):
        return queryset.with_free_seats() if value else queryset


class ArchiveFilter(TrainingFilter):
    """The archive's filters: the catalogue's, without "free seats" (past trainings have none
    to offer). ``open`` in a URL is ignored, as any unknown parameter."""

    open = None


class AgencyRegistrationFilter(django_filters.FilterSet):
    """Filters of a coordinator's registrations page: a training of theirs, a status, when."""

    training = django_filters.ModelChoiceFilter(
        label=_("Training"), queryset=Training.objects.none(), empty_label=_("Any training")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RegistrationStatus.choices, empty_label=_("Any status")
    )
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("Upcoming and past"))],
        empty_label=None,
        method="filter_when",
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["training"].queryset = (
            Training.objects.filter(registrations__agency=agency).distinct().order_by("-starts_at")
        )

    def filter_when(self, queryset, name, value):
        now = timezone.now()
        if value == "past":
            return queryset.filter(training__ends_at__lt=now)
        if value == "all":
            return queryset
        return queryset.filter(training__ends_at__gte=now)


class HostedTrainingFilter(django_filters.FilterSet):
    """The trainings an agency hosts: upcoming (and proposals without dates), past, or all."""

    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("Upcoming and past"))],
        empty_label=None,
        method="filter_when",
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Status.choices, empty_label=_("Any status")
    )

    class Meta:
        model = Training
        fields: list[str] = []

    def filter_when(self, queryset, name, value):
        now = timezone.now()
        if value == "past":
            return queryset.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
        if value == "all":
            return queryset.order_by("-starts_at", "-pk")
        return queryset.filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True))

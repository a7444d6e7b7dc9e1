import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import ServedLanguage

from .models import (
    Agency,
    AgencyKind,
    County,
    Credential,
    CredentialLevel,
    NmtStatus,
    PracticeModel,
    levels_from,
)


class AgencyFilter(django_filters.FilterSet):
    """The directory's filters. An unknown value makes the form invalid, never a 500."""

    q = django_filters.CharFilter(
        label=_("Name"),
        method="filter_q",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Agency name or city")}),
    )
    county = django_filters.ChoiceFilter(
        label=_("County"), choices=County.choices, empty_label=_("Any county")
    )
    status = django_filters.ChoiceFilter(
        label=_("NMT status"),
        field_name="nmt_status",
        choices=NmtStatus.choices,
        empty_label=_("Any status"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=AgencyKind.choices, empty_label=_("Any kind")
    )
    model = django_filters.ChoiceFilter(
        label=_("Model"),
        choices=PracticeModel.choices,
        empty_label=_("NMT or NME"),
        method="filter_model",
    )
    # One row per agency and language (a unique constraint), so the join repeats no agency.
    language = django_filters.ChoiceFilter(
        label=_("Language served"),
        field_name="languages__language",
        choices=ServedLanguage.choices,
        empty_label=_("Any language"),
    )

    class Meta:
        model = Agency
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(city__icontains=value))

    def filter_model(self, queryset, name, value):
        return queryset.practising(value)


class RosterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search staff"),
        method="filter_q",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, email or job title")}
        ),
    )

    stage = django_filters.ChoiceFilter(
        label=_("Stage reached"),
        choices=CredentialLevel.choices,
        empty_label=_("Any stage"),
        method="filter_stage",
    )

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(person__display_name__icontains=value)
            | Q(person__user__email__icontains=value)
            | Q(person__job_title__icontains=value)
        )

    def filter_stage(self, queryset, name, value):
        """People who reached this stage or a later one (as the dashboard's figures count)."""
        levels = levels_from(value)
        return queryset.filter(
            person__in=Credential.objects.filter(level__in=levels).values("person")
        )

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.content_language import LanguageFilter

from .models import Audience, Resource, ResourceKind, ResourceModel, Topic


class ResourceFilter(django_filters.FilterSet):
    """Library filters; ``q`` and ``sort`` are applied by the selector (full-text search)."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_noop",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. sensory room or “co-regulation”")}
        ),
    )
    topic = django_filters.ModelChoiceFilter(
        label=_("Topic"),
        field_name="topics",
        queryset=Topic.objects.all(),
        to_field_name="slug",
        empty_label=_("Any topic"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=ResourceKind.choices, empty_label=_("Any kind")
    )
    audience = django_filters.ModelChoiceFilter(
        label=_("For"),
        field_name="audiences",
        queryset=Audience.objects.all(),
        to_field_name="slug",
        empty_label=_("Anyone"),
    )
    model = django_filters.ChoiceFilter(
        label=_("Model"),
        choices=ResourceModel.choices[:2],
        empty_label=_("NMT or NME"),
        method="filter_model",
    )
    language = LanguageFilter(
        help_text=_("Bilingual resources are listed under English and under Spanish.")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[("newest", _("Newest first"))],
        empty_label=_("Best match"),
        method="filter_noop",
    )

    class Meta:
        model = Resource
        fields: list[str] = []

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_model(self, queryset, name, value):
        # A resource for both models matches either.
        return queryset.filter(model__in=[value, ResourceModel.BOTH])

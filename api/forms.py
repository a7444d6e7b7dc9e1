from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import TokenScope
from .services import TOKEN_LIFETIMES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, for example “HR system nightly import”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        choices=lambda: [
            (days, ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
            for days in TOKEN_LIFETIMES
        ],
        initial=90,
    )

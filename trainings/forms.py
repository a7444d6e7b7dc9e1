import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import PRACTICE_NOTE_MAX_LENGTH, Obstacle, Practice


class PracticeReportForm(forms.Form):
    """The practice follow-up's questions. The rules between answers (practices or "not
    started", "nothing" alone) are the service's; the view puts its message beside the field."""

    practices = forms.MultipleChoiceField(
        label=_("What have you put into practice since the training?"),
        help_text=_("Tick all that apply."),
        choices=Practice.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    not_started = forms.BooleanField(label=_("I haven't started yet"), required=False)
    obstacles = forms.MultipleChoiceField(
        label=_("What got in the way?"),
        help_text=_("Tick all that apply."),
        choices=Obstacle.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(
        label=_("Anything else you'd like to tell us? (optional)"),
        help_text=ngettext_lazy(
            "At most %(n)d character. Only the portal's curators read it.",
            "At most %(n)d characters. Only the portal's curators read it.",
            "n",
        )
        % {"n": PRACTICE_NOTE_MAX_LENGTH},
        max_length=PRACTICE_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


# At most 18 digits: a bigger id would be a database error, not a mark that matches nothing.
ATTENDANCE_FIELD = re.compile(r"^attendance-(\d{1,18})$")


def attendance_marks(data) -> dict[int, str]:
    """The roster form's marks, ``attendance-<registration id>`` → value, for
    ``attendance_mark`` (which checks the values and ignores other trainings' registrations)."""
    marks = {}
    for key, value in data.items():
        match = ATTENDANCE_FIELD.match(key)
        if match:
            marks[int(match.group(1))] = value
    return marks

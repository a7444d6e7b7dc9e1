import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import PRACTICE_NOTE_MAX_LENGTH, Obstacle, Practice
from .services.evaluations import COMMENTS_MAX


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


SESSION_ATTENDANCE_FIELD = re.compile(r"^attendance-(\d{1,18})-(\d{1,18})$")
ID = re.compile(r"^\d{1,18}$")


def session_attendance_marks(data, *, confirmed_ids=()) -> dict[tuple[int, int], str]:
    """The roster grid's marks, ``attendance-<registration id>-<session id>`` → value; and the
    whole list at once: ``mark-all-session`` and ``mark-all-value`` mark every confirmed
    registration (``confirmed_ids``) for that session. ``attendance_mark`` checks the values
    and ignores other trainings' registrations and sessions."""
    marks = {}
    for key, value in data.items():
        match = SESSION_ATTENDANCE_FIELD.match(key)
        if match:
            marks[(int(match.group(1)), int(match.group(2)))] = value
    session = data.get("mark-all-session", "")
    if ID.match(session) and "mark-all-value" in data:
        for registration_id in confirmed_ids:
            marks[(registration_id, int(session))] = data["mark-all-value"]
    return marks


def attendance_marks(data) -> dict[int, str]:
    """The roster form's marks, ``attendance-<registration id>`` → value, for
    ``attendance_mark`` (which checks the values and ignores other trainings' registrations)."""
    marks = {}
    for key, value in data.items():
        match = ATTENDANCE_FIELD.match(key)
        if match:
            marks[int(match.group(1))] = value
    return marks


RATINGS = [
    (5, _("5 — strongly agree")),
    (4, "4"),
    (3, "3"),
    (2, "2"),
    (1, _("1 — strongly disagree")),
]


class EvaluationForm(forms.Form):
    content_rating = forms.TypedChoiceField(
        label=_("The content was useful"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    trainer_rating = forms.TypedChoiceField(
        label=_("The trainer explained it well"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    practice_rating = forms.TypedChoiceField(
        label=_("I can apply it in my work"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label=_("Comments (optional)"),
        help_text=_("Shared with the host without your name, once five people have answered."),
        max_length=COMMENTS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CertificateRevokeForm(forms.Form):
    """The reason a curator revokes or reissues a certificate: kept in its audit trail."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the certificate's history, e.g. “name change” or “issued in error”."),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required

"""Forms of the trainings an agency hosts: proposing one, and the notes kept for members."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Agency, County, Person
from portal.forms import ContentLanguageField

from .models import Format, Kind, Model
from .recurrence import local_moment
from .services.proposals import PROPOSAL_HORIZON

# A proposal has up to this many sessions (rows left blank are ignored); curators can add more.
SESSION_ROWS = 4
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def trainer_label(person: Person) -> str:
    held = ", ".join(
        f"{credential.get_level_display()} ({credential.get_model_display()})"
        for credential in getattr(person, "trainer_credentials", [])
    )
    return f"{person.display_name} — {held}" if held else person.display_name


class ProposalForm(forms.Form):
    """A training the coordinator's agency would host. ``trainers`` are the agency's trainers
    (``selectors.agency_trainers``); the lead trainer is chosen among them only, so any other
    id is refused as an invalid choice."""

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.CONCEPTS)
    model = forms.ChoiceField(label=_("Model"), choices=Model.choices, initial=Model.NMT)
    language = ContentLanguageField(help_text=_("The language the training is delivered in."))
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences shown in the catalog."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What people will learn and who it is for. Markdown is allowed."),
    )
    lead_trainer = forms.ChoiceField(
        label=_("Lead trainer"),
        help_text=_("One of your agency's Phase II / Train-the-Trainer or Mentor staff."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.IN_PERSON)
    venue_name = forms.CharField(label=_("Venue name"), max_length=200, required=False)
    venue_address = forms.CharField(label=_("Venue address"), max_length=300, required=False)
    county = forms.ChoiceField(
        label=_("County"), choices=[("", _("None (online)")), *County.choices], required=False
    )
    online_url = forms.URLField(
        label=_("Online join link"),
        required=False,
        assume_scheme="https",
        help_text=_("Never shown publicly; sent only to confirmed participants."),
    )
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500, initial=24)
    contact_email = forms.EmailField(
        label=_("Contact email"),
        required=False,
        help_text=_("Shown on the training's page for questions."),
    )

    def __init__(self, *args, agency: Agency, trainers: list[Person], **kwargs):
        super().__init__(*args, **kwargs)
        self.trainers = {str(person.pk): person for person in trainers}
        self.fields["lead_trainer"].choices = [("", _("Choose a trainer"))] + [
            (pk, trainer_label(person)) for pk, person in self.trainers.items()
        ]
        self.fields["county"].initial = agency.county
        self.fields["contact_email"].initial = agency.contact_email
        for row in range(1, SESSION_ROWS + 1):
            self.fields[f"session_{row}_date"] = forms.DateField(
                label=_("Date"), required=False, widget=DATE_INPUT
            )
            self.fields[f"session_{row}_start"] = forms.TimeField(
                label=_("Starts"), required=False, widget=TIME_INPUT
            )
            self.fields[f"session_{row}_end"] = forms.TimeField(
                label=_("Ends"), required=False, widget=TIME_INPUT
            )

    def detail_fields(self):
        return [field for field in self if not field.name.startswith("session_")]

    def session_rows(self):
        """[(row number, [date, start, end bound fields])] for the template."""
        return [
            (row, [self[f"session_{row}_{part}"] for part in ("date", "start", "end")])
            for row in range(1, SESSION_ROWS + 1)
        ]

    def _clean_sessions(self, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        sessions = []
        rows_with_errors = 0
        for row in range(1, SESSION_ROWS + 1):
            names = [f"session_{row}_{part}" for part in ("date", "start", "end")]
            session = self._clean_session_row(names, now)
            if session is not None:
                sessions.append(session)
            elif any(self.has_error(name) for name in names):
                rows_with_errors += 1
        if not sessions and not rows_with_errors:
            self.add_error("session_1_date", _("Give at least one session."))
        return sorted(set(sessions))

    def _clean_session_row(self, names, now):
        """The row's (start, end), or None when it is blank or wrong (with its errors added)."""
        if any(self.has_error(name) for name in names):
            return None
        day, start, end = (self.cleaned_data.get(name) for name in names)
        if day is None and start is None and end is None:
            return None  # a blank row
        missing = [
            name for name, value in zip(names, (day, start, end), strict=True) if value is None
        ]
        for name in missing:
            self.add_error(
                name, _("Fill in the date, start and end, or leave the whole row empty.")
            )
        if missing:
            return None
        if end <= start:
            self.add_error(names[2], _("The session must end after it starts."))
            return None
        starts_at, ends_at = local_moment(day, start), local_moment(day, end)
        if starts_at <= now:
            self.add_error(names[0], _("This date has passed."))
            return None
        if starts_at > now + PROPOSAL_HORIZON:
            self.add_error(names[0], _("Sessions can be proposed up to two years ahead."))
            return None
        return starts_at, ends_at

    def clean(self):
        data = super().clean()
        data["sessions"] = self._clean_sessions(timezone.now())
        if data.get("format") in (Format.IN_PERSON, Format.HYBRID) and not (
            data.get("venue_name") or data.get("venue_address")
        ):
            self.add_error("venue_address", _("Say where the training takes place."))
        person = self.trainers.get(data.get("lead_trainer") or "")
        model = data.get("model")
        if person is not None and model:
            models_held = {c.model for c in getattr(person, "trainer_credentials", [])}
            if model not in models_held:
                self.add_error(
                    "lead_trainer",
                    _("%(name)s is not a trainer in %(model)s.")
                    % {"name": person.display_name, "model": dict(Model.choices)[model]},
                )
        data["lead_trainer"] = person
        return data

    def proposal(self) -> dict:
        """The service's keyword arguments."""
        data = self.cleaned_data
        names = [
            "title", "kind", "model", "language", "summary", "description", "format",
            "venue_name", "venue_address", "county", "online_url", "capacity", "contact_email",
        ]  # fmt: skip
        return {
            **{name: data[name] for name in names},
            "lead_trainer": data["lead_trainer"],
            "sessions": data["sessions"],
        }


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes for members"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Markdown. Shown on the training's page to signed-in members only: what was "
            "discussed, links, next steps. Never client information."
        ),
    )

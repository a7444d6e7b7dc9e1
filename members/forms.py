from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from portal import languages
from portal.forms import https_urls
from portal.models import ServedLanguage

from .models import (
    Agency,
    CredentialLevel,
    NmtStatus,
    PracticeModel,
    Role,
    User,
    validate_practice_year,
    validate_sensory_spaces,
)
from .selectors import agency_languages
from .services import person_for_user, person_update


class SignupExtraForm(forms.Form):
    """Added to allauth's sign-up form: the name others will see."""

    display_name = forms.CharField(
        label=_("Your name"), max_length=150, help_text=_("As colleagues know you.")
    )

    def signup(self, request, user):
        """The person's name, and the language they signed up in as their saved language."""
        person = person_for_user(user=user)
        person_update(
            person=person,
            display_name=self.cleaned_data["display_name"],
            language=languages.current(),
        )


class PersonForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=150)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    discipline = forms.CharField(
        label=_("Discipline"),
        max_length=150,
        required=False,
        help_text=_("For example clinician, teacher, case manager, supervisor."),
    )
    certificate_name = forms.CharField(
        label=_("Name on certificates"),
        max_length=150,
        required=False,
        help_text=_("Your full name as it should print on certificates. Empty: your display name."),
    )
    licence_type = forms.CharField(
        label=_("License type"),
        max_length=40,
        required=False,
        help_text=_("For example LMFT, LCSW, LPCC, PsyD. Printed on certificates with CE hours."),
    )
    licence_number = forms.CharField(label=_("License number"), max_length=60, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        # Each language named in itself, as in the header's switch.
        choices=[("", _("As my browser asks")), *settings.LANGUAGES],
        required=False,
        help_text=_("The portal's pages once you sign in, and every email it sends you."),
    )


class AgencyProfileForm(forms.ModelForm):
    """What the agency says about itself, saved at once. The verified claims (NMT status,
    practising since, sensory spaces) are not here: see ``AgencyStatusRequestForm``.
    ``languages`` is saved by the same service (``agency_update(languages=...)``)."""

    languages = forms.MultipleChoiceField(
        label=_("Languages served"),
        choices=ServedLanguage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages your staff work with children and families in."),
    )

    class Meta:
        model = Agency
        fields = [
            "name", "kind", "county", "city", "website", "description", "practises_nmt",
            "practises_nme", "languages", "sensory_spaces_note", "contact_email", "logo",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["languages"].initial = agency_languages(agency=self.instance)

    def profile(self) -> dict:
        """The service's keyword arguments: the model's fields, and the languages apart."""
        fields = dict(self.cleaned_data)
        return {"fields": fields, "languages": fields.pop("languages")}


class AgencyStatusRequestForm(forms.Form):
    """The values a coordinator asks curators to show publicly, with a note for them. The
    model's own validators check the values, so the messages match the admin's."""

    nmt_status = forms.ChoiceField(label=_("NMT status"), choices=NmtStatus.choices)
    practising_since = forms.IntegerField(
        label=_("Practicing since"),
        required=False,
        validators=[validate_practice_year],
        help_text=_("The year the agency started using NMT or NME. Leave empty if unsure."),
    )
    sensory_spaces = forms.IntegerField(
        label=_("Sensory-sensitive spaces"),
        min_value=0,
        validators=[validate_sensory_spaces],
        help_text=_("How many the agency has, across all its sites (at most 500)."),
    )
    note = forms.CharField(
        label=_("Note for the curators"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How they can confirm it: a certificate, a letter, someone to contact. Only the "
            "curators read it."
        ),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)


class CredentialForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=CredentialLevel.choices)
    model = forms.ChoiceField(label=_("Model"), choices=PracticeModel.choices)
    earned_on = forms.DateField(
        label=_("Date earned"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, first_name, last_name, job_title, with a header row. UTF-8, "
            "at most 2,000 people and 1 MB."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return upload


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class AcceptInvitationForm(forms.Form):
    """For someone without an account: their name and a password."""

    display_name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class DigestSubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class WeeklyDigestForm(forms.Form):
    enabled = forms.TypedChoiceField(
        choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda value: value == "1"
    )


class MilestoneForm(forms.Form):
    done = forms.BooleanField(required=False)
    done_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.forms import ContentLanguageField, WebLinkField

from . import uploads
from .models import Audience, ResourceKind, ResourceModel, Topic


class ShareForm(forms.Form):
    """A member proposes a resource or an implementation practice."""

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("What is it?"), choices=ResourceKind.choices)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences: what it is and who it helps."),
    )
    body = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "For a practice: what you did, what it took and what changed. Markdown is allowed."
        ),
    )
    model = forms.ChoiceField(label=_("Model"), choices=ResourceModel.choices)
    language = ContentLanguageField(help_text=_("The language it is written or recorded in."))
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    audiences = forms.ModelMultipleChoiceField(
        label=_("For"),
        queryset=Audience.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, DOCX, PPTX, XLSX, PNG or JPEG, up to 25 MB."),
    )
    external_url = WebLinkField(label=_("Or a link"), required=False, max_length=500)
    agency = forms.ChoiceField(label=_("Shared on behalf of"), required=False, choices=())

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {str(agency.pk): agency for agency in agencies}
        self.fields["agency"].choices = [("", _("Myself"))] + [
            (pk, agency.name) for pk, agency in self.agencies.items()
        ]
        if not self.agencies:
            del self.fields["agency"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            uploads.detect(upload)  # raises a ValidationError with the reason
        return upload

    def clean(self):
        data = super().clean()
        has_file = bool(data.get("file"))
        has_link = bool(data.get("external_url"))
        if has_file and has_link:
            raise ValidationError(_("Give either a file or a link, not both."))
        # A refused file or link has its own message beside it already.
        if not has_file and not has_link and not self.errors.keys() & {"file", "external_url"}:
            self.add_error("file", _("Attach a file or give a link."))
        data["agency"] = self.agencies.get(data.get("agency") or "")
        return data


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the contributor"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say why, and what would make it publishable."),
    )

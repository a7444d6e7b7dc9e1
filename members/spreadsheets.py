"""Spreadsheets of members and agencies: the coordinator's roster export, the admin's staff by
stage, and the agencies' import/export (django-import-export).

The CSVs are for people: labels, not codes, and dates on the portal's (Pacific) calendar. Each
``*_sheet`` returns ``(header, rows)`` for ``portal.spreadsheets.csv_response``, which escapes
the cells. The agencies' import/export keeps the codes, since it is read back.
"""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.spreadsheets import FormulaSafeResourceMixin, ImportResource

from . import services
from .models import LEVEL_ORDER, Agency, Credential, CredentialLevel, Membership


class AgencyResource(FormulaSafeResourceMixin, ImportResource):
    """CSV/XLSX import and export of agencies, matched by slug. Saves go through the service,
    which validates every row like the profile form does."""

    class Meta:
        model = Agency
        import_id_fields = ["slug"]
        fields = [
            "slug", "name", "kind", "county", "city", "website", "description", "nmt_status",
            "practises_nmt", "practises_nme", "practising_since", "sensory_spaces",
            "sensory_spaces_note", "contact_email",
        ]  # fmt: skip
        skip_unchanged = True
        report_skipped = True

    def save_instance(self, instance, is_create, row, **kwargs):
        # A dry run (the preview) saves inside a transaction that import-export rolls back.
        services.agency_save(agency=instance)


def credential_label(credential: Credential) -> str:
    """“Phase I certified (NMT), 2024-03-15”, and “(unverified)” until someone checked it."""
    text = _("%(level)s (%(model)s), %(date)s") % {
        "level": credential.get_level_display(),
        "model": credential.get_model_display(),
        "date": credential.earned_on.isoformat(),
    }
    return text if credential.verified else _("%(credential)s (unverified)") % {"credential": text}


def roster_sheet(memberships: Iterable[Membership]) -> tuple[list, Iterable[list]]:
    """The roster export: one row per membership (from ``selectors.roster``, which prefetches
    the people, accounts and credentials). Credentials are listed stage by stage."""
    header = [
        _("Email"), _("Name"), _("Job title"), _("Discipline"), _("Role"), _("Member since"),
        _("Credentials"),
    ]  # fmt: skip

    def rows():
        for membership in memberships:
            person = membership.person
            credentials = sorted(
                person.credentials.all(), key=lambda c: (LEVEL_ORDER.index(c.level), c.model)
            )
            yield [
                person.user.email,
                person.display_name,
                person.job_title,
                person.discipline,
                membership.get_role_display(),
                timezone.localdate(membership.created_at).isoformat(),
                "; ".join(credential_label(c) for c in credentials),
            ]

    return header, rows()


def staff_by_stage_sheet(agencies: Iterable[Agency]) -> tuple[list, Iterable[list]]:
    """Every agency with its active staff at each stage, from agencies annotated with
    ``staff_count``, ``concepts_count``, ``phase_1_count``, ``trainers_count`` and
    ``mentor_count`` (the admin's changelist counts)."""
    header = [
        _("Agency"), _("County"), _("NMT status"), _("Staff"), CredentialLevel.CONCEPTS.label,
        CredentialLevel.PHASE_1.label, CredentialLevel.PHASE_2.label, CredentialLevel.MENTOR.label,
    ]  # fmt: skip
    rows = (
        [
            agency.name,
            agency.get_county_display(),
            agency.get_nmt_status_display(),
            agency.staff_count,
            agency.concepts_count,
            agency.phase_1_count,
            agency.trainers_count,
            agency.mentor_count,
        ]
        for agency in agencies
    )
    return header, rows

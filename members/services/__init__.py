"""Every write about people, agencies, memberships and credentials goes through these services:
people (``people``), agencies and their lock (``agencies``), memberships (``memberships``),
invitations (``invitations``), credentials (``credentials``), the roster import (``roster``),
site-certification milestones (``milestones``), the claims curators verify (``claims``) and the
community digest's subscriptions (``digests``)."""

from .agencies import agency_languages_set, agency_save, agency_update
from .claims import (
    agency_status_request_approve,
    agency_status_request_decline,
    agency_status_request_submit,
    agency_status_request_withdraw,
    milestone_verify,
)
from .credentials import credential_record, credential_verify
from .digests import (
    DigestError,
    digest_confirm,
    digest_subscribe,
    digest_unsubscribe,
    digest_unsubscribe_url,
    weekly_digest_set,
)
from .errors import AgencyError, ClaimError, InvitationError, MembershipError
from .invitations import (
    INVITATION_SALT,
    invitation_accept,
    invitation_from_token,
    invitation_link,
    invitation_revoke,
    invitation_token,
    staff_invite,
)
from .memberships import (
    membership_decide,
    membership_remove,
    membership_request,
    membership_respond_to_invitation,
    membership_set_role,
)
from .milestones import milestone_set
from .people import (
    account_delete_check,
    account_erase,
    calendar_token_regenerate,
    person_for_user,
    person_set_language,
    person_update,
)
from .roster import roster_import

__all__ = [
    "INVITATION_SALT",
    "AgencyError",
    "ClaimError",
    "DigestError",
    "InvitationError",
    "MembershipError",
    "account_delete_check",
    "account_erase",
    "agency_languages_set",
    "agency_save",
    "agency_status_request_approve",
    "agency_status_request_decline",
    "agency_status_request_submit",
    "agency_status_request_withdraw",
    "agency_update",
    "calendar_token_regenerate",
    "credential_record",
    "credential_verify",
    "digest_confirm",
    "digest_subscribe",
    "digest_unsubscribe",
    "digest_unsubscribe_url",
    "invitation_accept",
    "invitation_from_token",
    "invitation_link",
    "invitation_revoke",
    "invitation_token",
    "membership_decide",
    "membership_remove",
    "membership_request",
    "membership_respond_to_invitation",
    "membership_set_role",
    "milestone_set",
    "milestone_verify",
    "person_for_user",
    "person_set_language",
    "person_update",
    "roster_import",
    "staff_invite",
    "weekly_digest_set",
]

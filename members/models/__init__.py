"""The members' models, by subdomain: agencies, people (accounts), memberships and invitations,
credentials, the digest's subscriptions, site-certification milestones and claims."""

from .agencies import (
    FIRST_PRACTICE_YEAR,
    MAX_DESCRIPTION_LENGTH,
    MAX_SENSORY_SPACES,
    Agency,
    AgencyKind,
    AgencyLanguage,
    AgencyQuerySet,
    County,
    NmtStatus,
    PracticeModel,
    validate_practice_year,
    validate_sensory_spaces,
)
from .claims import (
    CLAIM_FIELDS,
    AgencyStatusRequest,
    RequestState,
    claim_display,
)
from .credentials import (
    LEVEL_ORDER,
    Credential,
    CredentialLevel,
    CredentialSource,
    levels_from,
)
from .digests import (
    DigestSubscription,
    DigestSubscriptionQuerySet,
    new_digest_token,
)
from .memberships import (
    Invitation,
    Membership,
    MembershipQuerySet,
    MembershipState,
    Role,
    active_membership,
)
from .milestones import (
    AgencyMilestone,
    MilestoneMeasure,
    SiteMilestone,
)
from .people import (
    EmailUserManager,
    Person,
    User,
    new_calendar_token,
)

__all__ = [
    "CLAIM_FIELDS",
    "FIRST_PRACTICE_YEAR",
    "LEVEL_ORDER",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_SENSORY_SPACES",
    "Agency",
    "AgencyKind",
    "AgencyLanguage",
    "AgencyMilestone",
    "AgencyQuerySet",
    "AgencyStatusRequest",
    "County",
    "Credential",
    "CredentialLevel",
    "CredentialSource",
    "DigestSubscription",
    "DigestSubscriptionQuerySet",
    "EmailUserManager",
    "Invitation",
    "Membership",
    "MembershipQuerySet",
    "MembershipState",
    "MilestoneMeasure",
    "NmtStatus",
    "Person",
    "PracticeModel",
    "RequestState",
    "Role",
    "SiteMilestone",
    "User",
    "active_membership",
    "claim_display",
    "levels_from",
    "new_calendar_token",
    "new_digest_token",
    "validate_practice_year",
    "validate_sensory_spaces",
]

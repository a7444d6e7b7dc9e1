from portal.exceptions import ApplicationError


class MembershipError(ApplicationError):
    pass


class InvitationError(ApplicationError):
    pass

from portal.exceptions import ApplicationError


class MembershipError(ApplicationError):
    pass


class InvitationError(ApplicationError):
    pass


class ClaimError(ApplicationError):
    """A claim about an agency (its status request, a milestone) broke a rule. ``field``, when
    set, names the form field the message belongs beside."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, extra={"field": field} if field else None)
        self.field = field


class AgencyError(ApplicationError):
    """An agency's profile broke a rule. ``field``, when set, names the form field the message
    belongs beside."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, extra={"field": field} if field else None)
        self.field = field

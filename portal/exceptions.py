class ApplicationError(Exception):
    """A rule of the domain was broken. Views turn it into a message for the person.

    Services raise subclasses of this; ``message`` is safe to show to a user.
    """

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

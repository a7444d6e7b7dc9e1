"""Every write about trainings goes through these services: the catalogue (``catalogue``),
registrations, seats and the waitlist (``registration``), attendance and the credentials it
records (``attendance``), certificates of attendance (``certificates``) and evaluations
(``evaluations``), agencies' proposals and hosted trainings (``proposals``) and
community-of-practice series (``series``)."""

from .attendance import (
    AttendanceError,
    AttendanceOutcome,
    CheckInResult,
    attendance_check_in,
    attendance_mark,
    attendance_rule_percent,
)
from .catalogue import (
    RESERVED_SLUGS,
    TrainingError,
    TrainingHasRegistrations,
    training_cancel,
    training_create,
    training_duplicate,
    training_import_save,
    training_publish,
    training_save,
    training_sync_schedule,
    trainings_delete,
)
from .certificates import (
    CertificateError,
    certificate_reissue,
    certificate_revoke,
    certificate_sync,
    certificates_issue_due,
)
from .evaluations import EvaluationError, evaluation_submit
from .proposals import training_notes_update, training_propose
from .registration import (
    RegistrationError,
    SeatsBusy,
    registration_cancel,
    registration_create,
    registration_create_batch,
    registration_substitute,
)
from .series import SeriesError, series_generate

__all__ = [
    "RESERVED_SLUGS",
    "AttendanceError",
    "AttendanceOutcome",
    "CertificateError",
    "CheckInResult",
    "EvaluationError",
    "RegistrationError",
    "SeatsBusy",
    "SeriesError",
    "TrainingError",
    "TrainingHasRegistrations",
    "attendance_check_in",
    "attendance_mark",
    "attendance_rule_percent",
    "certificate_reissue",
    "certificate_revoke",
    "certificate_sync",
    "certificates_issue_due",
    "evaluation_submit",
    "registration_cancel",
    "registration_create",
    "registration_create_batch",
    "registration_substitute",
    "series_generate",
    "training_cancel",
    "training_create",
    "training_duplicate",
    "training_import_save",
    "training_notes_update",
    "training_propose",
    "training_publish",
    "training_save",
    "training_sync_schedule",
    "trainings_delete",
]

"""Every write about trainings goes through these services: the catalogue (``catalogue``) and
registrations, seats and the waitlist (``registration``)."""

from .catalogue import (
    RESERVED_SLUGS,
    TrainingError,
    training_cancel,
    training_create,
    training_duplicate,
    training_import_save,
    training_publish,
    training_save,
    training_sync_schedule,
)
from .registration import (
    RegistrationError,
    SeatsBusy,
    registration_cancel,
    registration_create,
    registration_create_batch,
    registration_mark_attendance,
    registration_substitute,
)

__all__ = [
    "RESERVED_SLUGS",
    "RegistrationError",
    "SeatsBusy",
    "TrainingError",
    "registration_cancel",
    "registration_create",
    "registration_create_batch",
    "registration_mark_attendance",
    "registration_substitute",
    "training_cancel",
    "training_create",
    "training_duplicate",
    "training_import_save",
    "training_publish",
    "training_save",
    "training_sync_schedule",
]

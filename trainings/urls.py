from django.urls import path

from .views import catalogue, certificates, checkin, hosted, manage, practice, registration

app_name = "trainings"

urlpatterns = [
    path("trainings/", catalogue.TrainingListView.as_view(), name="list"),
    path("trainings/calendar/", catalogue.calendar_view, name="calendar"),
    path("trainings/past/", catalogue.TrainingArchiveView.as_view(), name="past"),
    path("trainings/feed.ics", catalogue.feed_ics, name="feed"),
    path("trainings/series/<slug:slug>.ics", catalogue.series_ics, name="series_feed"),
    path("trainings/<slug:slug>/", catalogue.TrainingDetailView.as_view(), name="detail"),
    path("trainings/<slug:slug>/calendar.ics", catalogue.training_ics, name="ics"),
    path("trainings/<slug:slug>/register/", registration.training_register, name="register"),
    path("trainings/<slug:slug>/join/", checkin.training_join, name="join"),
    path("check-in/", checkin.check_in, name="check_in"),
    path("check-in/<str:code>/", checkin.check_in_code, name="check_in_code"),
    path("certificates/", certificates.certificate_lookup, name="certificate_lookup"),
    path("certificates/<str:code>/", certificates.certificate_verify, name="certificate_verify"),
    path("me/certificates/", certificates.my_certificates, name="my_certificates"),
    path(
        "me/certificates/transcript.pdf", certificates.my_transcript_pdf, name="my_transcript_pdf"
    ),
    path(
        "me/certificates/<str:code>.pdf", certificates.my_certificate_pdf, name="my_certificate_pdf"
    ),
    path(
        "me/trainings/<int:registration_id>/evaluation/",
        certificates.my_evaluation,
        name="my_evaluation",
    ),
    path("me/trainings/", registration.my_trainings, name="my_trainings"),
    path("me/calendar/<str:token>.ics", catalogue.my_calendar_ics, name="my_calendar"),
    path(
        "me/trainings/<int:registration_id>/cancel/",
        registration.my_registration_cancel,
        name="my_registration_cancel",
    ),
    path("followups/<str:token>/", practice.practice_report, name="practice_report"),
    path(
        "agencies/<slug:slug>/manage/registrations/",
        manage.AgencyRegistrationsView.as_view(),
        name="agency_registrations",
    ),
    path(
        "agencies/<slug:slug>/manage/registrations/export.csv",
        manage.agency_registrations_csv,
        name="agency_registrations_csv",
    ),
    path(
        "agencies/<slug:slug>/manage/registrations/new/<slug:training_slug>/",
        manage.agency_register_staff,
        name="agency_register_staff",
    ),
    path(
        "agencies/<slug:slug>/manage/registrations/<int:registration_id>/cancel/",
        manage.agency_registration_cancel,
        name="agency_registration_cancel",
    ),
    path(
        "agencies/<slug:slug>/manage/registrations/<int:registration_id>/substitute/",
        manage.agency_registration_substitute,
        name="agency_registration_substitute",
    ),
    path(
        "agencies/<slug:slug>/manage/trainings/propose/",
        hosted.agency_propose_training,
        name="agency_propose_training",
    ),
    path(
        "agencies/<slug:slug>/manage/hosted/",
        hosted.HostedTrainingsView.as_view(),
        name="agency_hosted",
    ),
    path(
        "agencies/<slug:slug>/manage/hosted/<slug:training_slug>/roster/",
        hosted.agency_hosted_roster,
        name="agency_hosted_roster",
    ),
    path(
        "agencies/<slug:slug>/manage/hosted/<slug:training_slug>/roster/sign-in.csv",
        hosted.agency_hosted_sign_in_sheet,
        name="agency_hosted_sign_in_sheet",
    ),
    path(
        "agencies/<slug:slug>/manage/hosted/<slug:training_slug>/roster/sign-in/<int:session_id>.pdf",
        hosted.agency_hosted_sign_in_pdf,
        name="agency_hosted_sign_in_pdf",
    ),
    path(
        "agencies/<slug:slug>/manage/hosted/<slug:training_slug>/roster/badges.pdf",
        hosted.agency_hosted_badges,
        name="agency_hosted_badges",
    ),
    path(
        "agencies/<slug:slug>/manage/hosted/<slug:training_slug>/check-in/",
        checkin.agency_hosted_check_in,
        name="agency_hosted_check_in",
    ),
    path(
        "agencies/<slug:slug>/manage/certificates/",
        certificates.agency_certificates,
        name="agency_certificates",
    ),
    path(
        "agencies/<slug:slug>/manage/certificates/<slug:training_slug>.zip",
        certificates.agency_certificates_zip,
        name="agency_certificates_zip",
    ),
    path(
        "agencies/<slug:slug>/manage/hosted/<slug:training_slug>/notes/",
        hosted.agency_hosted_notes,
        name="agency_hosted_notes",
    ),
]

from django.urls import path

from .views import digest, directory, invitations, manage, me

app_name = "members"

# Four more pages of this namespace span the domains and are added by community/urls.py:
# agency_detail (hosted trainings), manage_home (the dashboard), me (certificates) and
# me_delete (cancels seats).

urlpatterns = [
    path("agencies/", directory.AgencyListView.as_view(), name="agency_list"),
    path("agencies/<slug:slug>/logo/", directory.agency_logo, name="agency_logo"),
    path("agencies/<slug:slug>/join/", directory.agency_request_join, name="agency_join"),
    path("agencies/<slug:slug>/manage/profile/", manage.manage_profile, name="manage_profile"),
    path(
        "agencies/<slug:slug>/manage/profile/status-request/",
        manage.manage_status_request,
        name="manage_status_request",
    ),
    path(
        "agencies/<slug:slug>/manage/profile/status-request/withdraw/",
        manage.manage_status_request_withdraw,
        name="manage_status_request_withdraw",
    ),
    path(
        "agencies/<slug:slug>/manage/milestones/<int:milestone_id>/",
        manage.manage_milestone,
        name="manage_milestone",
    ),
    path(
        "agencies/<slug:slug>/manage/weekly-digest/",
        manage.manage_weekly_digest,
        name="manage_weekly_digest",
    ),
    path(
        "agencies/<slug:slug>/manage/staff/", manage.StaffRosterView.as_view(), name="manage_staff"
    ),
    path(
        "agencies/<slug:slug>/manage/staff/export.csv",
        manage.manage_staff_export,
        name="manage_staff_export",
    ),
    path("agencies/<slug:slug>/manage/staff/invite/", manage.manage_invite, name="manage_invite"),
    path("agencies/<slug:slug>/manage/staff/import/", manage.manage_import, name="manage_import"),
    path(
        "agencies/<slug:slug>/manage/staff/import/confirm/",
        manage.manage_import_confirm,
        name="manage_import_confirm",
    ),
    path(
        "agencies/<slug:slug>/manage/staff/<int:membership_id>/role/",
        manage.manage_member_role,
        name="manage_member_role",
    ),
    path(
        "agencies/<slug:slug>/manage/staff/<int:membership_id>/remove/",
        manage.manage_member_remove,
        name="manage_member_remove",
    ),
    path(
        "agencies/<slug:slug>/manage/staff/<int:membership_id>/credentials/new/",
        manage.manage_credential_add,
        name="manage_credential_add",
    ),
    path(
        "agencies/<slug:slug>/manage/invitations/<int:invitation_id>/",
        manage.manage_invitation,
        name="manage_invitation",
    ),
    path("agencies/<slug:slug>/manage/requests/", manage.manage_requests, name="manage_requests"),
    path(
        "agencies/<slug:slug>/manage/requests/<int:membership_id>/",
        manage.manage_request_decide,
        name="manage_request_decide",
    ),
    path("me/export.json", me.me_export, name="me_export"),
    path("me/invitations/<int:membership_id>/", me.me_invitation, name="me_invitation"),
    path("me/calendar/regenerate/", me.me_calendar_regenerate, name="me_calendar_regenerate"),
    path("digest/", digest.digest_subscribe, name="digest_subscribe"),
    path("digest/confirm/<str:token>/", digest.digest_confirm, name="digest_confirm"),
    path("digest/unsubscribe/<str:token>/", digest.digest_unsubscribe, name="digest_unsubscribe"),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
]

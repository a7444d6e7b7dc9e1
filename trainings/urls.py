from django.urls import path

from . import views

app_name = "trainings"

urlpatterns = [
    path("", views.TrainingListView.as_view(), name="list"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("past/", views.TrainingArchiveView.as_view(), name="past"),
    path("feed.ics", views.feed_ics, name="feed"),
    path("<slug:slug>/", views.TrainingDetailView.as_view(), name="detail"),
    path("<slug:slug>/calendar.ics", views.training_ics, name="ics"),
]

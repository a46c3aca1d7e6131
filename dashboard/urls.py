"""The dashboard's Django routes: the page, the runs and races API, the presenter's token."""

from __future__ import annotations

from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/", views.runs_view, name="runs"),
    path("runs/<int:run_id>/", views.run_view, name="run"),
    path("races/", views.races_view, name="races"),
    path("presenter/", views.presenter_view, name="presenter"),
]

"""The dashboard's Django routes: the page, the runs, races and servers API, the token form."""

from __future__ import annotations

from django.urls import path

from dashboard.web import api, views

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/", api.runs_view, name="runs"),
    path("runs/<int:run_id>/", api.run_view, name="run"),
    path("races/", api.races_view, name="races"),
    path("servers/", api.servers_view, name="servers"),
    path("presenter/", views.presenter_view, name="presenter"),
]

"""URLs: the tutorial's views, one URL per registered scenario, and the dashboard."""

from __future__ import annotations

from django.urls import include, path

from asyncviews import views
from asyncviews.scenarios import SCENARIOS

urlpatterns = [
    path("api/", views.api, name="api"),
    path("sync/", views.sync_view, name="sync"),
    path("async/", views.async_view, name="async"),
    *(path(f"scenarios/{s.slug}/", s.view, name=f"scenario-{s.slug}") for s in SCENARIOS.values()),
    path("", include("dashboard.urls")),
]

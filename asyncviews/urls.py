"""URLs: the tutorial's views and one URL per registered scenario, named by its slug.

The probe labels what it counts by URL name, so a scenario's counts carry its slug.
"""

from __future__ import annotations

from django.urls import path

from asyncviews import views
from asyncviews.scenarios import SCENARIOS

urlpatterns = [
    path("api/", views.api, name="api"),
    path("sync/", views.sync_view, name="sync"),
    path("async/", views.async_view, name="async"),
    *(path(f"scenarios/{s.slug}/", s.view, name=s.slug) for s in SCENARIOS.values()),
]

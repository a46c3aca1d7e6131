"""`{{ scenario|short_label }}`: a scenario's label without its kind, which its badge shows."""

from __future__ import annotations

from django import template

from asyncviews.scenarios import Scenario
from dashboard.web.views import choice_label

register = template.Library()


@register.filter
def short_label(scenario: Scenario) -> str:
    return choice_label(scenario.label)[1]

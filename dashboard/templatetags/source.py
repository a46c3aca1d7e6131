"""`{{ scenario|highlighted_source }}`: a scenario view's own code, as highlighted HTML."""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from asyncviews.scenarios import Scenario

register = template.Library()

# Token classes only, no inline styles (the Content-Security-Policy allows none): site.css
# colours them for both themes.
_FORMATTER = HtmlFormatter(nowrap=True)


@cache
def _highlight(source: str) -> str:
    return highlight(source, PythonLexer(), _FORMATTER)


@register.filter
def highlighted_source(scenario: Scenario) -> SafeString:
    # Pygments escapes the code it highlights.
    return mark_safe(_highlight(scenario.source))

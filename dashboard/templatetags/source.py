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


# Indents the page gives a class, so that a long line wraps under its own indent (site.css).
_INDENTS = range(0, 17, 4)


def _line(html: str, source: str) -> str:
    indent = len(source) - len(source.lstrip(" "))
    level = max((i for i in _INDENTS if i <= indent), default=0)
    return f'<span class="line indent-{level}">{html}</span>'


@cache
def _highlight(source: str) -> str:
    # Pygments closes its spans at the end of each line: each line is HTML of its own, and is
    # wrapped in one so that a line too long for the pane wraps instead of being cut.
    lines = highlight(source, PythonLexer(), _FORMATTER).rstrip("\n").split("\n")
    return "".join(_line(html, line) for html, line in zip(lines, source.splitlines(), strict=True))


@register.filter
def highlighted_source(scenario: Scenario) -> SafeString:
    # Pygments escapes the code it highlights.
    return mark_safe(_highlight(scenario.source))

"""What the probe shares with the other side: the names on the wire, and nothing else.

The load generator sends REQUEST_ID_HEADER; the probe answers a view that raised with
ERROR_KIND_HEADER and publishes its messages on CHANNEL, where the dashboard listens.
"""

from __future__ import annotations

CHANNEL = "asyncviews:probe"
REQUEST_ID_HEADER = "X-Request-Id"
# The exception's class, on the 500 of a view that raised: errors are counted by what went
# wrong, not only by status.
ERROR_KIND_HEADER = "X-Error-Kind"

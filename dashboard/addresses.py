"""The URL on which this machine reaches a server from the host it listens on.

One mapping for `manage.py serve` (its own address, for the load generator) and
`manage.py fire` (the server to fire at).
"""

from __future__ import annotations

# A server listening on every address is reached on loopback.
EVERY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def local_url(host: str, port: int | str) -> str:
    """http://host:port as seen from this machine, an IPv6 address in brackets."""
    host = EVERY_ADDRESS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"

"""The probe: the only instrument code inside a subject server's processes.

A subject adds `probe.middleware.ProbeMiddleware` last in MIDDLEWARE and names a Redis with
ASYNCVIEWS_REDIS_URL. Per request it changes one counter and records one span; everything
else happens in one sampler thread per worker process, which publishes what it saw every
100 ms. It imports nothing of the dashboard: data only ever flows out of it, over Redis.
"""

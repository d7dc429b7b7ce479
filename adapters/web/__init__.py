"""The HTTP side: the Starlette application and the hot delivery route in front of it. Start with
`app.py` (the routes), then `delivery_endpoint.py` (`POST /qovery/hooks/{hook_id}` in pure ASGI).

    app.py                 the Starlette routes: Slack's events, probes, metrics
    delivery_endpoint.py   Qovery's deliveries, answered in front of Starlette
    request_bodies.py      one reader of request bodies for both routes: limits, slow bodies
    metrics.py             Prometheus registry and a pure ASGI middleware
    logs.py                text or JSON log lines with request ids; access lines without hook ids
"""

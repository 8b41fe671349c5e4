"""The self-service web UI at ``/ui``, served by the API process.

Others use :func:`zonekeeper.web.app.create` and nothing else: it wraps the API application
(an ASGI app, passed in, so nothing here imports ``api/``) and answers ``/ui`` itself. Pages
are server-rendered Jinja2 shells; their plain JavaScript calls the same Designate v2 API
through ``/ui/api/v2/...`` (web/proxy.py), which adds the credential the login stored in an
HttpOnly cookie, so every rule, policy check and error is the API's own.
"""

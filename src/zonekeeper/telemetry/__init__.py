"""What a process tells about itself: Prometheus metrics (``metrics``), readiness checks
(``health``) and log formatting with the request id of the change being worked on (``logs``).

It imports nothing else of ours, so every role may import it; ``app.py`` wires one
:class:`~zonekeeper.telemetry.metrics.Metrics` per process into the roles it runs.
"""

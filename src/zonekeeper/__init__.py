"""Zonekeeper: DNS-as-a-Service with a Designate-compatible v2 API."""

__version__ = "0.1.0"

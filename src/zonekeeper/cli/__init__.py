"""The ``zonekeeper`` command."""

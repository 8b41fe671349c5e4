"""The sink: Nova and Neutron notifications from RabbitMQ, turned into managed records.

Others use :class:`zonekeeper.sink.consumer.Consumer` (``run()`` until cancelled, ``stats``);
the handlers and the message format are its own business. See README.md for the flow.
"""

"""The deliverer: hands outbox rows to their channels, with retries and back-off.

See :class:`services.deliverer.deliverer.Deliverer` and
:mod:`services.deliverer.channels`.
"""

"""The domain: what the rules are, with nothing of how they are stored or carried.

Views of the state a decision reads, the effects it returns, the policies and
their durations, business hours, SLA clocks and local days. Every module here
imports only the standard library, pydantic, the event contract (`events`) and
this package; `tests/unit/test_domain_layer.py` checks the import graph.
"""

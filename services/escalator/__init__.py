"""The escalator: SLA clocks, legal deadlines and promises, with staff alerts."""

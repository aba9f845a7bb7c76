"""Check-ins: after delivery, at the right moment, ask how it went."""

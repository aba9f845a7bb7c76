"""`aftersale demo`: a small shop's day of events, on policies measured in seconds."""

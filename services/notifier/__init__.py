"""The notifier: tells customers about every stage, with its date, exactly once."""

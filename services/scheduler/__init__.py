"""The scheduler: fires due timers from the store into dramatiq."""

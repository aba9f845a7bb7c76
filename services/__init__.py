"""aftersale services: the workers and their shared runtime."""

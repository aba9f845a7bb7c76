"""Feedback: turn an unhappy customer around at once; invite a happy one to review."""

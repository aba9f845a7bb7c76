"""Delivery reports from mail providers: bounces, complaints, into the suppression list."""

"""Ingest: validate → de-duplicate → record → dispatch, then ack."""

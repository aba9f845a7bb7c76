"""Shared runtime: settings, logging, storage, policies."""

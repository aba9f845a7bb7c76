"""The published form of the event contract: JSON Schemas, AsyncAPI, examples and a guide.

Everything under the repository's `schemas/` folder is generated from the pydantic
models in `events/` by :func:`services.contract.export.export_schemas`.
"""

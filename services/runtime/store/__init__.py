"""The store: SQLAlchemy 2 models, engine set-up, migrations and repositories."""

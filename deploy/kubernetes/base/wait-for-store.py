"""initContainer: wait until the store is at this image's schema (Alembic head).

Only the Job `aftersale-migrate` runs `aftersale db upgrade`: one writer of
the schema, never several pods migrating at once. Every part waits here
instead, so none starts on an older schema. It waits for the exact head: an
image older than the store (a rollback past a migration) waits too, and says
so. Exits 1 after AFTERSALE_WAIT_FOR_STORE_SECONDS (600), and Kubernetes
restarts it: the pod shows Init:Error rather than hanging silently.
"""

import os
import sys
import time

from services.runtime.settings import load_settings, redact_url
from services.runtime.store.engine import build_engine
from services.runtime.store.migrate import current_revision, head_revision

settings = load_settings()
engine = build_engine(settings.database_url, pooled=False)
head = head_revision()
deadline = time.monotonic() + float(os.environ.get("AFTERSALE_WAIT_FOR_STORE_SECONDS", "600"))
where = redact_url(settings.database_url)
while True:
    try:
        current = current_revision(engine)
    except Exception as error:  # not reachable yet: the database may still be starting
        current, why = None, f"not reachable ({type(error).__name__})"
    else:
        if current == head:
            print(f"store at {where} is at {head}", flush=True)
            sys.exit(0)
        why = f"at {current or 'no schema'}, waiting for {head} (the job aftersale-migrate)"
    if time.monotonic() > deadline:
        print(f"store at {where}: {why}; giving up for now", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"store at {where}: {why}", flush=True)
    time.sleep(float(os.environ.get("AFTERSALE_WAIT_FOR_STORE_INTERVAL", "5")))

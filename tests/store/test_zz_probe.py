from sqlalchemy import select
from services.runtime.store import timers
from services.runtime.store.models import Timer
from tests.store.test_timers import postgres_sessions, test_two_schedulers_on_postgresql_claim_disjoint_timers as t  # noqa

def _no_skip(session, now, limit):
    q = select(Timer).where(Timer.state == "pending", Timer.due_at <= now).order_by(Timer.due_at).limit(limit)
    return list(session.scalars(q))

def _plain_lock(session, now, limit):
    q = select(Timer).where(Timer.state == "pending", Timer.due_at <= now).order_by(Timer.due_at).limit(limit).with_for_update()
    return list(session.scalars(q))

def test_without_lock(postgres_sessions, monkeypatch):
    monkeypatch.setattr(timers, "claim_due", _no_skip)
    t(postgres_sessions)

def test_plain_lock(postgres_sessions, monkeypatch):
    monkeypatch.setattr(timers, "claim_due", _plain_lock)
    t(postgres_sessions)

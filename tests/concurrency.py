"""Run several jobs at the same moment, each as its own request would: own thread, context and session."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from contest.extensions import db


def run_together(app: Any, jobs: list[Callable[[], Any]], *, request_path: str | None = None,
                 after_commit: Callable[[Any], None] | None = None) -> list[Any]:
    """Start every job behind one barrier; return each job's result, or the exception it raised.

    Each job commits when it succeeds and rolls back when it fails, as a request would.
    ``request_path`` gives the jobs a request context (for code that builds URLs or reads the user);
    ``after_commit`` runs on each result once its transaction is committed (e.g. sending emails).
    """
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        with app.app_context():
            context = app.test_request_context(request_path) if request_path else None
            if context is not None:
                context.push()
            try:
                barrier.wait(timeout=30)
                outcomes[index] = job()
                db.session.commit()
                if after_commit is not None:
                    after_commit(outcomes[index])
            except Exception as error:
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()
                if context is not None:
                    context.pop()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes

"""Load the public vote: 20,000 votes from 5,000 voters against a running server on 127.0.0.1.

What it does
    1. Builds a fresh database (PostgreSQL from ``scripts/ensure-postgres.sh`` on a database of
       its own, ``contest_bench_votes``; or SQLite with ``--db sqlite``) with the real migrations,
       one edition, a round with ``--entries`` entries on the ballot and an open voting period.
    2. **Test-only pre-verification** (documented shortcut, never reachable over HTTP): it writes
       ``--voters`` verified ``Voter`` rows straight into the database and, with the server's
       SECRET_KEY, signs for each one the session cookie the code page would have set after a
       correct code (``voter_id`` plus a CSRF token).  Everything after that is the real flow.
    3. Starts gunicorn (``--server gunicorn``, gthread workers) or werkzeug on 127.0.0.1 and a
       free port, then runs ``--concurrency`` voter threads.  Each vote is the browser's path:
       POST the proof-of-work challenge, solve it (``VOTE_POW_BITS``, low here), POST the vote
       with the CSRF token.  Mixed in: repeated votes for pairs already voted (duplicates) and
       double clicks (the same form posted twice at the same moment on two connections).
       Each voter has a synthetic client address in 100.64.0.0/10 sent as X-Forwarded-For
       (the app sits behind a proxy in production), so limits per address and per /24 apply as
       they would.  Nothing leaves the loopback interface.
    4. Stops the server (by its PID), freezes the tally and checks that it equals the number of
       distinct (voter, entry) pairs that were sent, per entry and in total, and that no pair was
       stored twice.

Prints throughput and latency (p50/p95/p99) of the vote POSTs and of whole votes (challenge +
solve + vote), and the checks.  Bounded: ``--votes`` requests at most and ``--max-seconds``.

    .venv/bin/python bench/vote.py                  # PostgreSQL, gunicorn, 20,000 votes, 50 voters
    .venv/bin/python bench/vote.py --db sqlite --server werkzeug --votes 2000
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn")
    p.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    p.add_argument("--voters", type=int, default=5000)
    p.add_argument("--votes", type=int, default=20000, help="vote POSTs in all (duplicates included)")
    p.add_argument("--entries", type=int, default=30)
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--duplicate-share", type=float, default=0.08, help="share of repeated votes")
    p.add_argument("--double-click-share", type=float, default=0.04, help="share of double clicks")
    p.add_argument("--pow-bits", type=int, default=8)
    p.add_argument("--think-ms", type=float, default=0,
                   help="pause of each voter between votes (0: back-to-back, the server saturated)")
    p.add_argument("--max-seconds", type=float, default=900)
    p.add_argument("--seed", type=int, default=2025)
    return p.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    env = dict(os.environ, PGTEST_DB="contest_bench_votes")
    out = subprocess.run([str(ROOT / "scripts/ensure-postgres.sh")], env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def build_app(url: str, workdir: Path, secret: str, pow_bits: int):  # noqa: ANN201
    from contest import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "INSTANCE_PATH": str(workdir / "instance"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"), "VOTE_POW_BITS": pow_bits,
    })


def prepare(app, args: argparse.Namespace) -> dict:  # noqa: ANN001
    """Fresh schema, an open period and pre-verified voters with signed session cookies."""
    from flask import g, session
    from flask_migrate import upgrade
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import insert, select, text

    from contest import votes
    from contest.extensions import db
    from contest.models import Edition, Entry, EntryRound, User, Voter, utcnow
    from contest.presets import apply_thai_nguyen_2025
    from contest.search import fold

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))
        now = utcnow()
        edition = Edition(year=2025, slug="bench-2025", name="Cuộc thi Đổi mới sáng tạo – Vì Thái Nguyên thân yêu 2025",
                          status="open")
        apply_thai_nguyen_2025(edition)
        owner = User(email="tac.gia@example.vn", full_name="Tác giả")
        db.session.add_all([edition, owner])
        db.session.flush()
        round_ = edition.rounds[0]
        for i in range(args.entries):
            category = edition.categories[i % len(edition.categories)]
            entry = Entry(edition=edition, category=category, owner=owner, reference_code=f"TN2025-{i + 1:04d}",
                          title=f"Giải pháp số {i + 1}", summary="Tóm tắt", status="eligible",
                          public_consent=True, search_text=fold(f"Giải pháp số {i + 1}"))
            db.session.add(entry)
            db.session.add(EntryRound(entry=entry, round=round_))
        db.session.flush()
        period = votes.open_voting_period(round_, now - timedelta(hours=1), now + timedelta(days=1))
        db.session.execute(insert(Voter), [
            {"email": f"cu.tri.{i:05d}@bench.example.vn", "verified_at": now, "created_at": now}
            for i in range(args.voters)
        ])
        db.session.commit()
        entry_ids = [b.entry_id for b in period.ballot]
        voter_ids = list(db.session.scalars(select(Voter.id).order_by(Voter.id)))
        serializer = app.session_interface.get_signing_serializer(app)
        voters = []
        for n, vid in enumerate(voter_ids):
            with app.test_request_context():
                g.pop("csrf_token", None)  # g outlives the request here: each voter needs a token of their own
                session["voter_id"] = vid
                token = generate_csrf()
                cookie = serializer.dumps(dict(session))
            block, host = divmod(n, 50)
            voters.append({"id": vid, "cookie": cookie, "csrf": token, "device": secrets.token_urlsafe(12),
                           "ip": f"100.{64 + block // 250}.{block % 250}.{host + 1}"})
        return {"period_id": period.id, "entry_ids": entry_ids, "voters": voters}


def plan(args: argparse.Namespace, voters: list[dict], entry_ids: list[int]) -> list[tuple[str, int, int]]:
    """Tasks (kind, voter index, entry id): fresh pairs, repeats of earlier pairs, double clicks."""
    rng = random.Random(args.seed)
    n_double = int(args.votes * args.double_click_share / 2)  # each double click is two POSTs
    n_dup = int(args.votes * args.duplicate_share)
    n_fresh = args.votes - n_dup - 2 * n_double
    per_voter = -(-n_fresh // len(voters))
    if per_voter > len(entry_ids):
        raise SystemExit("more votes per voter than entries: raise --entries or --voters")
    fresh: list[tuple[int, int]] = []
    for vi in range(len(voters)):
        for e in rng.sample(entry_ids, per_voter):
            fresh.append((vi, e))
    rng.shuffle(fresh)
    fresh = fresh[:n_fresh + n_double]
    tasks = [("vote", vi, e) for vi, e in fresh[:n_fresh]] + [("double", vi, e) for vi, e in fresh[n_fresh:]]
    tasks += [("vote", *fresh[rng.randrange(len(fresh))]) for _ in range(n_dup)]
    rng.shuffle(tasks)
    return tasks


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, form: dict, voter: dict, accept: str = "text/html") -> tuple[int, bytes]:
        body = urlencode(form)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
            "Cookie": f"session={voter['cookie']}; binh_chon_tb={voter['device']}",
            "X-Forwarded-For": voter["ip"],
        }
        for attempt in range(2):
            try:
                self.conn.request("POST", path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def run_load(args: argparse.Namespace, port: int, data: dict, tasks: list) -> dict:  # noqa: C901
    import json

    from contest.votes import solve_challenge

    period_id = data["period_id"]
    voters = data["voters"]
    lock = threading.Lock()
    index = {"next": 0}
    vote_latencies: list[float] = []
    whole_latencies: list[float] = []
    statuses: Counter[int] = Counter()
    sent_pairs: set[tuple[int, int]] = set()
    acked_pairs: set[tuple[int, int]] = set()  # answered 302 (counted) or 409 (already counted)
    errors: list[str] = []
    deadline = time.monotonic() + args.max_seconds

    def one_vote(client: Client, voter: dict, entry_id: int, pow_form: dict | None = None) -> dict:
        started = time.perf_counter()
        if pow_form is None:
            status, body = client.post(f"/binh-chon/{period_id}/thu-thach",
                                       {"csrf_token": voter["csrf"], "purpose": "vote", "entry": entry_id},
                                       voter, accept="application/json")
            if status != 200:
                raise RuntimeError(f"challenge {status}: {body[:200]!r}")
            challenge = json.loads(body)
            pow_form = {"pow_challenge": challenge["challenge"],
                        "pow_nonce": solve_challenge(challenge["challenge"], challenge["bits"])}
        t0 = time.perf_counter()
        status, body = client.post(f"/binh-chon/{period_id}/bai/{entry_id}/bo-phieu",
                                   {"csrf_token": voter["csrf"], **pow_form}, voter)
        t1 = time.perf_counter()
        with lock:
            vote_latencies.append(t1 - t0)
            whole_latencies.append(t1 - started)
            statuses[status] += 1
            if status in (302, 409):
                acked_pairs.add((voter["id"], entry_id))
            else:
                errors.append(f"{status}: {body[:200]!r}")
        return pow_form

    def guarded(*a) -> None:  # noqa: ANN002 - one_vote's arguments, in a thread of its own
        try:
            one_vote(*a)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            with lock:
                errors.append(repr(exc))

    def worker() -> None:
        first, second = Client(port), Client(port)
        pause = random.Random()
        while time.monotonic() < deadline:
            if args.think_ms:
                time.sleep(pause.uniform(0.5, 1.5) * args.think_ms / 1000)
            with lock:
                i = index["next"]
                index["next"] += 1
            if i >= len(tasks):
                break
            kind, vi, entry_id = tasks[i]
            voter = voters[vi]
            with lock:
                sent_pairs.add((voter["id"], entry_id))
            try:
                if kind == "vote":
                    one_vote(first, voter, entry_id)
                else:
                    # A double click: one solved form posted twice at the same moment.
                    status, body = first.post(f"/binh-chon/{period_id}/thu-thach",
                                              {"csrf_token": voter["csrf"], "purpose": "vote", "entry": entry_id},
                                              voter, accept="application/json")
                    challenge = json.loads(body)
                    form = {"pow_challenge": challenge["challenge"],
                            "pow_nonce": solve_challenge(challenge["challenge"], challenge["bits"])}
                    other = threading.Thread(target=guarded, args=(second, voter, entry_id, form))
                    other.start()
                    one_vote(first, voter, entry_id, form)
                    other.join()
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                with lock:
                    errors.append(repr(exc))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "vote_latencies": vote_latencies, "whole_latencies": whole_latencies,
            "statuses": statuses, "sent_pairs": sent_pairs, "acked_pairs": acked_pairs, "errors": errors,
            "done": min(index["next"], len(tasks))}


def start_server(args: argparse.Namespace, url: str, secret: str, port: int, workdir: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=secret, VOTE_POW_BITS=str(args.pow_bits),
               MAIL_OUTBOX_DIR=str(workdir / "outbox"), RATELIMIT_ENABLED="true", CONTEST_ENV="development",
               PYTHONPATH=str(ROOT))
    venv_bin = Path(sys.executable).parent
    if args.server == "gunicorn":
        # A failing limiter storage lets the request through rather than answering 500 (the in-memory
        # store of the limits library has a start-up race under many threads; production uses Redis).
        cmd = [str(venv_bin / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
               "--workers", str(args.workers), "--threads", str(args.threads), "--log-level", "warning",
               "--timeout", "120", "--chdir", str(ROOT), "contest:create_app({'RATELIMIT_SWALLOW_ERRORS': True})"]
    else:
        cmd = [sys.executable, "-c",
               "from contest import create_app; from werkzeug.serving import run_simple; "
               f"run_simple('127.0.0.1', {port}, create_app({{'RATELIMIT_SWALLOW_ERRORS': True}}), threaded=True)"]
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {(workdir / 'server.log').read_text()[-2000:]}") from None
            time.sleep(0.1)
    stop_server(proc)
    raise SystemExit("server did not start")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group, started above
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def check(app, data: dict, result: dict) -> bool:  # noqa: ANN001
    """The frozen tally against what the server answered.

    Every pair answered 302 or 409 must be counted exactly once (zero lost); no pair may be stored
    twice and the number of 302 answers must equal the stored votes (zero double-counted).  A
    request that got no answer (a client time-out) may or may not have been counted: reported.
    """
    from sqlalchemy import func, select

    from contest import votes
    from contest.extensions import db
    from contest.models import Vote, VotingPeriod

    with app.app_context():
        period = db.session.get(VotingPeriod, data["period_id"])
        votes.freeze_tally(period, force=True)
        db.session.commit()
        stored_rows = db.session.execute(select(Vote.voter_id, Vote.entry_id)).all()
        stored = set(stored_rows)
        rows = db.session.scalar(select(func.count(Vote.id)))
        acked, sent = result["acked_pairs"], result["sent_pairs"]
        counted = {int(k): v for k, v in period.tally["counts"].items()}
        per_entry = Counter(e for _v, e in stored)
        lost = acked - stored
        extra = stored - sent
        double = rows - len(stored)
        unanswered = sent - acked
        ok = (period.tally["votes"] == len(stored) == result["statuses"].get(302, 0)
              and all(counted.get(e, 0) == n for e, n in per_entry.items())
              and sum(counted.values()) == len(stored) and not lost and not extra and double == 0)
        print(f"tally: {period.tally['votes']} counted = {len(stored)} distinct (voter, entry) pairs stored = "
              f"{result['statuses'].get(302, 0)} answers 302; {len(acked)} pairs answered 302/409; "
              f"hash {period.tally_hash[:16]}… recomputes: {votes.verify_frozen_tally(period)}")
        print(f"lost: {len(lost)}  double-counted: {double}  unexpected: {len(extra)}  "
              f"unanswered pairs: {len(unanswered)} (of which counted: {len(unanswered & stored)})")
        return ok


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else values[0]


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-vote-"))
    secret = secrets.token_hex(32)
    url = database_url(args.db, workdir)
    app = build_app(url, workdir, secret, args.pow_bits)
    t = time.perf_counter()
    data = prepare(app, args)
    tasks = plan(args, data["voters"], data["entry_ids"])
    print(f"prepared {len(data['voters'])} pre-verified voters, {len(data['entry_ids'])} entries, "
          f"{len(tasks)} tasks on {args.db} in {time.perf_counter() - t:.1f}s")
    port = free_port()
    proc = start_server(args, url, secret, port, workdir)
    try:
        result = run_load(args, port, data, tasks)
    finally:
        stop_server(proc)
    n = len(result["vote_latencies"])
    print(f"server: {args.server}" + (f" ({args.workers} workers × {args.threads} threads)"
                                      if args.server == "gunicorn" else "")
          + f", {args.concurrency} concurrent voters, think time {args.think_ms:.0f} ms, "
          f"proof of work {args.pow_bits} bits, database {args.db}")
    print(f"vote POSTs: {n} in {result['elapsed']:.1f}s = {n / result['elapsed']:.0f}/s "
          f"(each after its challenge POST); statuses {dict(sorted(result['statuses'].items()))}")
    print(f"vote POST latency ms: p50 {pct(result['vote_latencies'], 50):.1f}  "
          f"p95 {pct(result['vote_latencies'], 95):.1f}  p99 {pct(result['vote_latencies'], 99):.1f}")
    print(f"whole vote (challenge + solve + vote) ms: p50 {pct(result['whole_latencies'], 50):.1f}  "
          f"p95 {pct(result['whole_latencies'], 95):.1f}")
    if result["done"] < len(tasks):
        print(f"stopped by --max-seconds after {result['done']} of {len(tasks)} tasks")
    for line in result["errors"][:5]:
        print("error:", line)
    ok = check(app, data, result)
    print("RESULT:", "OK" if ok else "FAILED")
    if ok:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept {workdir} (server.log)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Load the public vote: 20,000 votes from 5,000 voters against a running server on 127.0.0.1.

What it does
    1. Builds a fresh database (PostgreSQL from ``scripts/ensure-postgres.sh`` on a database of
       its own, ``contest_bench_votes``; or SQLite with ``--db sqlite``) with the real migrations,
       one edition, a round with ``--entries`` entries on the ballot and an open voting period.
    2. **Test-only pre-verification** (documented shortcut, never reachable over HTTP): it writes
       ``--voters`` verified ``Voter`` rows straight into the database and, with the server's
       SECRET_KEY, signs for each one the session cookie the code page would have set after a
       correct code (``voter_id`` plus a CSRF token).  Everything after that is the real flow.
    3. Starts gunicorn (``--server gunicorn``, gthread workers, ``gunicorn.conf.py``) or werkzeug on
       127.0.0.1 and a free port.  Then ``--concurrency`` people vote at the same time: each thread
       plays one voter's visit after another.  A visit opens the entry's shared link (a GET of the
       entry page, as from a chat app), then for each of the voter's votes pauses (think time),
       and clicks: what static/js/vote.js does, i.e. POST the proof-of-work challenge, solve it
       (``VOTE_POW_BITS``, low here: a phone solves it, not the server), POST the vote with
       ``Accept: application/json``.  Mixed in: repeated votes for pairs the voter already cast
       (another tab: duplicates) and double clicks (the same solved form posted twice at the
       same moment on two connections).  Each voter has a synthetic client address in
       100.64.0.0/10 sent as X-Forwarded-For (the app sits behind a proxy in production);
       voters who vote at the same time come from different /24 blocks, so limits per address
       and per block apply as they would.  Nothing leaves the loopback interface.
    4. Stops the server (by its PID), freezes the tally and checks that it equals the number of
       distinct (voter, entry) pairs that were answered, per entry and in total, and that no
       pair was stored twice.

Think time (``--think-ms``, default 1000): every voter pauses 0.5–1.5 × this between the page and
a click and between clicks, as a person does.  50 voters then offer about 50 votes/s.  With
``--think-ms 0`` each thread fires its next request as soon as the last one is answered: a
closed loop that saturates the server by construction (a throughput figure, not the latency a
voter sees).  At the stop signal (``--max-seconds`` or the end of the plan) a voter stops at once;
a pause cut short by the stop is not followed by a request, so the end of a run is no burst.

Prints throughput and latency (p50/p95/p99) of the vote POSTs as the client saw them and as the
server timed them (gunicorn's access log), of whole votes (challenge + solve + vote) and of the
entry page; the CPU the app server, PostgreSQL (closed connections included) and this load
generator used, and the whole machine's (anything else running shows as the difference); and
the checks.  Run it alone on the machine: ``flock /tmp/bench.lock .venv/bin/python bench/vote.py``.
Bounded: ``--votes`` vote POSTs at most and ``--max-seconds`` of load (the default plan takes
about 7 minutes at the default think time, the whole run under 10).

    .venv/bin/python bench/vote.py                      # PostgreSQL, gunicorn, 20,000 votes, 50 voters, 1 s think
    .venv/bin/python bench/vote.py --think-ms 0 --votes 5000    # stress: throughput with no pause at all
    .venv/bin/python bench/vote.py --db sqlite --server werkzeug --votes 2000
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
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
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    # No more threads than a worker's SQLAlchemy pool holds (5): beyond it each extra thread opens and
    # closes a PostgreSQL connection of its own per request.
    p.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    p.add_argument("--voters", type=int, default=5000)
    p.add_argument("--votes", type=int, default=20000, help="vote POSTs in all (duplicates included)")
    p.add_argument("--entries", type=int, default=30)
    p.add_argument("--concurrency", type=int, default=50, help="voters voting at the same time")
    p.add_argument("--duplicate-share", type=float, default=0.08, help="share of repeated votes")
    p.add_argument("--double-click-share", type=float, default=0.04, help="share of double clicks")
    p.add_argument("--pow-bits", type=int, default=8)
    p.add_argument("--think-ms", type=float, default=1000,
                   help="mean pause of a voter before each click (0.5-1.5 x this); 0: no pause, the server saturated")
    p.add_argument("--no-page", action="store_true", help="voters do not open the entry page before voting")
    p.add_argument("--max-seconds", type=float, default=540, help="stop the load after this long")
    p.add_argument("--seed", type=int, default=2025)
    return p.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    env = dict(os.environ, PGTEST_DB=os.environ.get("PGTEST_DB", "contest_bench_votes"))
    out = subprocess.run([str(ROOT / "scripts/ensure-postgres.sh")], env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def build_app(url: str, workdir: Path, secret: str, pow_bits: int):
    from contest import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "INSTANCE_PATH": str(workdir / "instance"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"), "VOTE_POW_BITS": pow_bits,
    })


def prepare(app, args: argparse.Namespace) -> dict:
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
            # Voters next to each other in the plan vote at the same time: put them in different /24s.
            host, block = divmod(n, 100)
            voters.append({"id": vid, "cookie": cookie, "csrf": token, "device": secrets.token_urlsafe(12),
                           "ip": f"100.{64 + host // 250}.{block}.{host % 250 + 1}"})
        return {"period_id": period.id, "entry_ids": entry_ids, "voters": voters}


def plan(args: argparse.Namespace, voters: list[dict], entry_ids: list[int]) -> list[tuple[int, list]]:
    """Visits in arrival order: (voter index, [(kind, entry id), …]) with kind vote | double | again.

    ``again`` repeats a pair the voter cast earlier in the visit (another tab); ``double`` posts one
    solved form twice at the same moment.  Fresh pairs are spread evenly over the voters.
    """
    rng = random.Random(args.seed)
    n_double = int(args.votes * args.double_click_share / 2)  # each double click is two POSTs
    n_dup = int(args.votes * args.duplicate_share)
    n_fresh = args.votes - n_dup - 2 * n_double
    per_voter = -(-(n_fresh + n_double) // len(voters))
    if per_voter > len(entry_ids):
        raise SystemExit("more votes per voter than entries: raise --entries or --voters")
    fresh = [(vi, e) for vi in range(len(voters)) for e in rng.sample(entry_ids, per_voter)]
    rng.shuffle(fresh)
    fresh = fresh[:n_fresh + n_double]
    kinds = ["vote"] * n_fresh + ["double"] * n_double
    rng.shuffle(kinds)
    visits: dict[int, list] = {}
    for (vi, e), kind in zip(fresh, kinds):
        visits.setdefault(vi, []).append([kind, e])
    for vi, e in rng.choices(fresh, k=n_dup):
        actions = visits[vi]
        first = next(i for i, (_k, entry) in enumerate(actions) if entry == e)
        actions.insert(rng.randint(first + 1, len(actions)), ["again", e])
    order = list(visits)
    rng.shuffle(order)
    return [(vi, [tuple(a) for a in visits[vi]]) for vi in order]


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, voter: dict, form: dict | None = None,
                accept: str = "text/html") -> tuple[int, bytes]:
        headers = {"Accept": accept, "Cookie": f"session={voter['cookie']}; binh_chon_tb={voter['device']}",
                   "X-Forwarded-For": voter["ip"]}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException):
                # The server closed an idle keep-alive connection: reconnect once, as a browser does.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def run_load(args: argparse.Namespace, port: int, data: dict, visits: list) -> dict:
    """``--concurrency`` voters at the same time, each visit after the next, until the plan or the time runs out."""
    import json

    from contest.votes import solve_challenge

    period_id = data["period_id"]
    voters = data["voters"]
    lock = threading.Lock()
    stop = threading.Event()
    queue = iter(visits)
    vote_latencies: list[float] = []
    whole_latencies: list[float] = []
    page_latencies: list[float] = []
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()
    sent_pairs: set[tuple[int, int]] = set()
    counted_pairs: list[tuple[int, int]] = []  # answered 200: counted now
    acked_pairs: set[tuple[int, int]] = set()  # answered 200 (counted) or 409 (already counted)
    errors: list[str] = []
    done = {"visits": 0, "clicks": 0}

    def challenge(client: Client, voter: dict, entry_id: int) -> dict:
        status, body = client.request("POST", f"/binh-chon/{period_id}/thu-thach", voter,
                                      {"csrf_token": voter["csrf"], "purpose": "vote", "entry": entry_id},
                                      accept="application/json")
        if status != 200:
            raise RuntimeError(f"challenge {status}: {body[:200]!r}")
        issued = json.loads(body)
        return {"pow_challenge": issued["challenge"], "pow_nonce": solve_challenge(issued["challenge"], issued["bits"])}

    def cast(client: Client, voter: dict, entry_id: int, form: dict, started: float) -> None:
        t0 = time.perf_counter()
        status, body = client.request("POST", f"/binh-chon/{period_id}/bai/{entry_id}/bo-phieu", voter,
                                      {"csrf_token": voter["csrf"], **form}, accept="application/json")
        t1 = time.perf_counter()
        try:
            code = json.loads(body).get("code", "?")
        except ValueError:
            code = "not json"
        with lock:
            vote_latencies.append(t1 - t0)
            whole_latencies.append(t1 - started)
            statuses[status] += 1
            codes[code] += 1
            if status == 200:
                counted_pairs.append((voter["id"], entry_id))
            if (status, code) in ((200, "counted"), (409, "duplicate")):
                acked_pairs.add((voter["id"], entry_id))
            else:
                errors.append(f"vote {status}: {body[:200]!r}")

    def guarded(*a) -> None:
        try:
            cast(*a)
        except Exception as exc:
            with lock:
                errors.append(repr(exc))

    def click(first: Client, second: Client, voter: dict, kind: str, entry_id: int) -> None:
        started = time.perf_counter()
        with lock:
            sent_pairs.add((voter["id"], entry_id))
        form = challenge(first, voter, entry_id)
        if kind != "double":
            cast(first, voter, entry_id, form, started)
            return
        # A double click: one solved form posted twice at the same moment, on two connections.
        other = threading.Thread(target=guarded, args=(second, voter, entry_id, form, started))
        other.start()
        cast(first, voter, entry_id, form, started)
        other.join()

    def person(seed: int) -> None:
        pause = random.Random(seed)
        think = args.think_ms / 1000

        def rest() -> bool:
            """Pause like a person; False when the run stopped meanwhile (then send nothing more)."""
            return not stop.wait(pause.uniform(0.5, 1.5) * think) if think else not stop.is_set()

        first, second = Client(port), Client(port)
        if think and stop.wait(pause.uniform(0, think)):  # voters do not all arrive at the same instant
            return
        while not stop.is_set():
            with lock:
                visit = next(queue, None)
            if visit is None:
                return
            vi, actions = visit
            voter = voters[vi]
            # A new person on their own phone: new connections.
            first.conn.close()
            second.conn.close()
            with lock:
                done["visits"] += 1
            try:
                if not args.no_page:
                    t0 = time.perf_counter()
                    status, body = first.request("GET", f"/binh-chon/{period_id}/bai/{actions[0][1]}", voter)
                    with lock:
                        page_latencies.append(time.perf_counter() - t0)
                        if status != 200:
                            errors.append(f"page {status}: {body[:200]!r}")
                for kind, entry_id in actions:
                    if not rest():
                        return
                    with lock:
                        done["clicks"] += 1
                    click(first, second, voter, kind, entry_id)
            except Exception as exc:
                with lock:
                    errors.append(repr(exc))

    threads = [threading.Thread(target=person, args=(args.seed + i,)) for i in range(args.concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    timer = threading.Timer(args.max_seconds, stop.set)
    timer.start()
    for t in threads:
        t.join()
    stopped_by_time = stop.is_set()
    stop.set()
    timer.cancel()
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "vote_latencies": vote_latencies, "whole_latencies": whole_latencies,
            "page_latencies": page_latencies, "statuses": statuses, "codes": codes, "sent_pairs": sent_pairs,
            "counted_pairs": counted_pairs, "acked_pairs": acked_pairs, "errors": errors, "done": done,
            "stopped_by_time": stopped_by_time}


def start_server(args: argparse.Namespace, url: str, secret: str, port: int, workdir: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=secret, VOTE_POW_BITS=str(args.pow_bits),
               MAIL_OUTBOX_DIR=str(workdir / "outbox"), RATELIMIT_ENABLED="true", CONTEST_ENV="development",
               PYTHONPATH=str(ROOT))
    venv_bin = Path(sys.executable).parent
    if args.server == "gunicorn":
        # A failing limiter storage lets the request through rather than answering 500 (the in-memory
        # store of the limits library has a start-up race under many threads; production uses Redis).
        # The production settings file (gc.freeze after start-up), with an access log that times each request.
        cmd = [str(venv_bin / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
               "--worker-class", "gthread", "--workers", str(args.workers), "--threads", str(args.threads),
               "--log-level", "warning", "--timeout", "120", "--chdir", str(ROOT),
               "--access-logfile", str(workdir / "access.log"), "--access-logformat", "%(r)s %(s)s %(D)s",
               "contest:create_app({'RATELIMIT_SWALLOW_ERRORS': True})"]
    else:
        cmd = [sys.executable, "-c",
               "from contest import create_app; from werkzeug.serving import run_simple; "
               f"run_simple('127.0.0.1', {port}, create_app({{'RATELIMIT_SWALLOW_ERRORS': True}}), threaded=True)"]
    log = open(workdir / "server.log", "wb")
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


SERVER_REQUESTS = (
    ("vote POST", re.compile(r"POST /binh-chon/\d+/bai/\d+/bo-phieu ")),
    ("challenge POST", re.compile(r"POST /binh-chon/\d+/thu-thach ")),
    ("entry page GET", re.compile(r"GET /binh-chon/\d+/bai/\d+ ")),
)


def server_times(log: Path, start: int) -> dict[str, list[float]]:
    """Seconds per request from gunicorn's access log ("%(r)s %(s)s %(D)s", D in microseconds) after ``start``."""
    times: dict[str, list[float]] = {name: [] for name, _ in SERVER_REQUESTS}
    if not log.exists():
        return {}
    with log.open("rb") as f:
        f.seek(start)
        text = f.read().decode("utf-8", "replace")
    for line in text.splitlines():
        for name, pattern in SERVER_REQUESTS:
            if pattern.match(line):
                times[name].append(int(line.rsplit(" ", 1)[1]) / 1e6)
                break
    return {name: values for name, values in times.items() if values}


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the app server's processes, PostgreSQL's processes and this load generator (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid: int, reaped: bool = False) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        used = int(fields[11]) + int(fields[12])  # utime + stime
        if reaped:  # + cutime + cstime: children that have exited (PostgreSQL's closed connections)
            used += int(fields[13]) + int(fields[14])
        return used / tick

    def children(pid: int) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    postgres = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _comm(p) == "postgres"]
    # The postmaster (the one whose parent is no postgres) reaps the backends of closed connections.
    postgres_set = set(postgres)
    masters = {pid for pid in postgres if _parent(pid) not in postgres_set}
    with open("/proc/stat") as f:  # the whole machine: what else ran meanwhile shows as the rest
        # Everything but idle, iowait and guest (guest time is already counted in user).
        busy = sum(int(v) for i, v in enumerate(f.readline().split()[1:]) if i not in (3, 4, 8, 9)) / tick
    return {"app server": of(server_pid) + sum(of(c) for c in children(server_pid)),
            "database": sum(of(p, reaped=p in masters) for p in postgres),
            "load generator": time.process_time(),
            "whole machine": busy}


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


def warm_up(args: argparse.Namespace, port: int, data: dict) -> None:
    """Every worker started and warm (app loaded, templates compiled) before anything is measured.

    Pages and challenges only (a challenge writes nothing), from as many connections at once as the
    server has threads, so each worker gets its share; the access log is started afresh after.
    """
    period_id, entry_ids, voter = data["period_id"], data["entry_ids"], data["voters"][0]
    deadline = time.monotonic() + 120
    while True:
        try:
            if Client(port).request("GET", f"/binh-chon/{period_id}/bai/{entry_ids[0]}", voter)[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("server does not answer")
        time.sleep(0.2)

    def some() -> None:
        client = Client(port)
        for i in range(10):
            entry = entry_ids[i % len(entry_ids)]
            client.request("GET", f"/binh-chon/{period_id}/bai/{entry}", voter)
            client.request("POST", f"/binh-chon/{period_id}/thu-thach", voter,
                           {"csrf_token": voter["csrf"], "purpose": "vote", "entry": entry},
                           accept="application/json")
        client.conn.close()

    threads = [threading.Thread(target=some) for _ in range(max(args.workers * args.threads, 8))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(0.5)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group, started above
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def check(app, data: dict, result: dict) -> bool:
    """The frozen tally against what the server answered.

    Every pair answered 200 (counted) or 409 (already counted) must be stored exactly once (zero
    lost); no pair may be stored twice, nothing may be stored that was not sent, and the 200
    answers must be exactly the stored pairs, one each (zero double-counted).  A request that got
    no answer (a client time-out) may or may not have been counted: reported.
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
        counted = result["counted_pairs"]
        tally = {int(k): v for k, v in period.tally["counts"].items()}
        per_entry = Counter(e for _v, e in stored)
        lost = acked - stored
        extra = stored - sent
        double = rows - len(stored)
        counted_twice = len(counted) - len(set(counted))
        ok = (period.tally["votes"] == len(stored) == len(counted) and set(counted) == stored
              and all(tally.get(e, 0) == n for e, n in per_entry.items())
              and sum(tally.values()) == len(stored) and not lost and not extra and double == 0
              and counted_twice == 0)
        unanswered = sent - acked
        print(f"tally: {period.tally['votes']} counted = {len(stored)} distinct (voter, entry) pairs stored = "
              f"{len(counted)} answers 200; {len(acked)} pairs answered 200/409; "
              f"hash {period.tally_hash[:16]}… recomputes: {votes.verify_frozen_tally(period)}")
        print(f"lost: {len(lost)}  double-counted: {double} rows, {counted_twice} pairs answered 200 twice  "
              f"unexpected: {len(extra)}  unanswered pairs: {len(unanswered)} "
              f"(of which counted: {len(unanswered & stored)})")
        return ok


def pct(values: list[float], q: int) -> float:
    """The q-th percentile in milliseconds."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def line(name: str, values: list[float], elapsed: float | None = None) -> str:
    rate = f"{len(values) / elapsed:7.1f}/s" if elapsed else " " * 9
    return (f"  {name:<34}{len(values):>7} {rate}  p50 {pct(values, 50):7.1f}  p95 {pct(values, 95):7.1f}  "
            f"p99 {pct(values, 99):7.1f}  max {max(values, default=float('nan')) * 1000:7.1f}")


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-vote-"))
    secret = secrets.token_hex(32)
    load_before = os.getloadavg()
    url = database_url(args.db, workdir)
    app = build_app(url, workdir, secret, args.pow_bits)
    t = time.perf_counter()
    data = prepare(app, args)
    visits = plan(args, data["voters"], data["entry_ids"])
    n_posts = sum(2 if k == "double" else 1 for _vi, actions in visits for k, _e in actions)
    print(f"prepared {len(data['voters'])} pre-verified voters, {len(data['entry_ids'])} entries, "
          f"{len(visits)} visits with {n_posts} vote POSTs on {args.db} in {time.perf_counter() - t:.1f}s; "
          f"load average before: {load_before[0]:.2f} on {os.cpu_count()} cores")
    port = free_port()
    proc = start_server(args, url, secret, port, workdir)
    try:
        warm_up(args, port, data)
        log_start = (workdir / "access.log").stat().st_size if (workdir / "access.log").exists() else 0
        cpu_start = cpu_seconds(proc.pid)
        result = run_load(args, port, data, visits)
        cpu_end = cpu_seconds(proc.pid)
    finally:
        stop_server(proc)
    elapsed = result["elapsed"]
    votes_n = len(result["vote_latencies"])
    print(f"server: {args.server}" + (f" ({args.workers} workers × {args.threads} threads)"
                                      if args.server == "gunicorn" else "")
          + f", database {args.db}, proof of work {args.pow_bits} bits")
    if args.think_ms:
        print(f"{args.concurrency} voters at the same time, each pausing {args.think_ms * 0.5:.0f}–"
              f"{args.think_ms * 1.5:.0f} ms (mean {args.think_ms:.0f} ms) before every click; "
              + ("no entry page" if args.no_page else "each visit opens the entry page first"))
    else:
        print(f"STRESS: {args.concurrency} threads with NO think time (closed loop, the server saturated by "
              "construction): the throughput counts, the latencies are queueing, not what a voter sees")
    print(f"{result['done']['visits']} visits, {result['done']['clicks']} clicks, {votes_n} vote POSTs in "
          f"{elapsed:.1f}s = {votes_n / elapsed:.1f} votes/s; statuses {dict(sorted(result['statuses'].items()))}, "
          f"answers {dict(sorted(result['codes'].items()))}")
    if result["stopped_by_time"]:
        print(f"stopped by --max-seconds {args.max_seconds:g} before the plan was done "
              f"(no request was sent after the stop)")
    print("as the client saw it (ms):")
    print(line("vote POST", result["vote_latencies"], elapsed))
    print(line("whole vote (challenge+solve+vote)", result["whole_latencies"]))
    if result["page_latencies"]:
        print(line("entry page GET", result["page_latencies"], elapsed))
    inside = server_times(workdir / "access.log", log_start)
    if inside:
        print("as the server timed it (gunicorn's request time: no client, no connection queue) (ms):")
        for name, values in inside.items():
            print(line(name, values))
    print(f"CPU during the load, in cores (of {os.cpu_count()}): " + ", ".join(
        f"{who} {(cpu_end[who] - cpu_start[who]) / elapsed:.2f}" for who in cpu_start)
        + f"; load average after: {os.getloadavg()[0]:.2f}")
    for err in result["errors"][:5]:
        print("error:", err)
    if len(result["errors"]) > 5:
        print(f"… {len(result['errors'])} errors in all")
    ok = check(app, data, result)
    p95 = pct(result["vote_latencies"], 95)
    if args.think_ms:
        print(f"target: vote POST p95 {p95:.1f} ms < 100 ms at {args.concurrency} voters: "
              f"{'met' if p95 < 100 else 'NOT met'}")
    print("RESULT:", "OK" if ok and not result["errors"] else "FAILED")
    if ok and not result["errors"]:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept {workdir} (server.log, access.log)")
    return 0 if ok and not result["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

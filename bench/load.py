"""Load on a real deployment shape: gunicorn with several workers, 50 judges and 200 results readers.

Seeds a contest (PostgreSQL through scripts/ensure-postgres.sh when it answers, in a private database dropped
at the end; SQLite otherwise): one edition, ``--entries`` entries, 50 judges each with ``--per-judge`` active
assignments in an OPEN round and a draft sheet, and a published result list.  Then starts gunicorn on
127.0.0.1 (``--workers`` × ``--threads``) serving this file's WSGI wrapper — the app plus a bare Flask page
mounted at ``/__bare`` that exists only here — and runs, for ``--duration`` seconds:

* 50 judge threads: log in, then loop: dashboard → an entry's score page → autosave a draft (think time
  between pages);
* 200 visitor threads: the public results page, with think time;
* one probe thread on the bare page.

Prints requests/s and p50/p95/p99 per page as the clients saw them and as gunicorn timed them (from its access
log), errors, the CPU used meanwhile by the app server, PostgreSQL and this script, and the two targets: judge
pages p95 < 50 ms, and the results page (cached) under 2× the bare page.  Loopback only; everything it starts it
stops by PID.

    .venv/bin/python bench/load.py [--duration 30] [--workers 5] [--threads 2] [--sqlite]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "Matkhau2025an"
CHEAP_HASH = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "64"}


# ------------------------------------------------------------------------------------------ the WSGI wrapper


def wsgi():
    """The application, plus a bare Flask page at /__bare for comparison (only in this benchmark)."""
    from flask import Flask
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from contest import create_app

    bare = Flask("bare")

    @bare.route("/")
    def bare_page() -> str:
        return "ok"

    app = create_app({"WTF_CSRF_ENABLED": True})
    return DispatcherMiddleware(app.wsgi_app, {"/__bare": bare})


# ------------------------------------------------------------------------------------------ seeding


def database(sqlite: bool, work: Path) -> tuple[str, callable]:
    """A fresh database URL and a function that drops it."""
    if not sqlite:
        try:
            base = subprocess.run([str(ROOT / "scripts/ensure-postgres.sh")], capture_output=True, text=True,
                                  timeout=120, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            base = ""
        if base.startswith("postgresql"):
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            url = make_url(base)
            name = f"{url.database}_bench_{uuid.uuid4().hex[:6]}"
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))

            def drop() -> None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

            return url.set(database=name).render_as_string(hide_password=False), drop
    return f"sqlite:///{work / 'bench.db'}", lambda: None


def seed(env: dict[str, str], n_entries: int, per_judge: int) -> dict:
    os.environ.update(env)
    from datetime import timedelta
    from decimal import Decimal

    from flask_migrate import upgrade

    from contest import create_app
    from contest.extensions import db
    from contest.models import (
        Assignment,
        CriterionScore,
        EntryRound,
        Role,
        ScoreSheet,
        utcnow,
    )
    from contest.results import compute_result_set, freeze_result_set
    from tests.factories import make_edition, make_entry, make_user
    from tests.results.helpers import add_sheet

    app = create_app()
    with app.app_context():
        upgrade()
        edition = make_edition()
        preliminary, final = edition.rounds[0], edition.rounds[-1]
        preliminary.status = "open"
        preliminary.closes_at = utcnow() + timedelta(days=5)
        owners = [make_user(Role.APPLICANT) for _ in range(max(1, n_entries // 3))]
        entries = []
        for i in range(n_entries):
            category = edition.categories[i % len(edition.categories)].code
            entry = make_entry(owners[i % len(owners)], edition, status="eligible", category_code=category,
                               title=f"Giải pháp số {i + 1}: dây chuyền sao chè tiết kiệm năng lượng",
                               organization="Hợp tác xã chè Tân Cương")
            db.session.add(EntryRound(entry=entry, round=preliminary))
            entries.append(entry)
        judges = [make_user(Role.JUDGE, email=f"giamkhao{i}@bench.vn") for i in range(50)]
        panel = judges[:5]
        assignments: dict[str, list[int]] = {}
        for j, judge in enumerate(judges):
            mine = []
            for k in range(per_judge):
                entry = entries[(j * per_judge + k) % n_entries]
                a = Assignment(round_id=preliminary.id, judge_id=judge.id, entry_id=entry.id, state="active",
                               published_at=utcnow())
                a.sheet = ScoreSheet(status="draft", scores=[
                    CriterionScore(criterion_id=preliminary.criteria[0].id, value=Decimal("10"))])
                db.session.add(a)
                db.session.flush()
                mine.append(a.id)
            assignments[judge.email] = mine
        for i, entry in enumerate(entries):
            for j, judge in enumerate(panel):
                add_sheet(final, entry, judge, 50 + (i * 7 + j * 3) % 30)
        db.session.commit()
        rs = compute_result_set(final, n_resamples=50)
        freeze_result_set(rs, None)
        rs.status = "published"
        rs.published_at = utcnow()
        db.session.commit()
        criteria = [c.id for c in preliminary.criteria]
        slug = edition.slug
        db.session.remove()
        db.engine.dispose()
    return {"assignments": assignments, "criteria": criteria, "slug": slug}


# ------------------------------------------------------------------------------------------ clients


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.statuses: dict[int, int] = defaultdict(int)

    def add(self, page: str, ms: float, ok: bool, status: int = 200) -> None:
        with self.lock:
            if not ok:
                self.statuses[status] += 1
            if ok:
                self.times[page].append(ms)
            else:
                self.errors[page] += 1


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, float]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException):
                # The server closes idle keep-alive connections: reconnect once, as a browser does.
                self.conn.close()
                if attempt == 2:
                    return 0, "", (time.perf_counter() - start) * 1000
        elapsed = (time.perf_counter() - start) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, elapsed


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')


def judge_loop(port: int, email: str, assignment_ids: list[int], criteria: list[int], stats: Stats,
               stop: threading.Event, think: float) -> None:
    client = Client(port)
    _, page, _ = client.request("GET", "/tai-khoan/dang-nhap")
    token = TOKEN.search(page).group(1)
    status, _, _ = client.request("POST", "/tai-khoan/dang-nhap",
                                  {"email": email, "password": PASSWORD, "csrf_token": token})
    if status != 302:
        stats.add("login", 0, False)
        return
    rng = random.Random(email)
    # Every pause may be cut short by the end of the run: stop there, or the last pages of all 50 judges
    # would be sent at once, with no think time, and measured as a burst no judge ever makes.
    while not stop.is_set():
        status, _, ms = client.request("GET", "/giam-khao/")
        stats.add("judge dashboard", ms, status == 200, status)
        if stop.wait(rng.uniform(0.5, 1.5) * think):
            break
        assignment = rng.choice(assignment_ids)
        status, page, ms = client.request("GET", f"/giam-khao/cham/{assignment}")
        stats.add("judge entry page", ms, status == 200, status)
        if status != 200:
            continue
        if stop.wait(rng.uniform(0.5, 1.5) * think):
            break
        form = {"csrf_token": TOKEN.search(page).group(1), "version": VERSION.search(page).group(1),
                "comment_to_applicant": f"Nhận xét nháp {rng.random():.4f}", "private_note": ""}
        for i, c in enumerate(criteria):
            form[f"score-{c}"] = str(rng.choice([5, 10, 12.5, 15]) if i == 0 else rng.choice([10, 20, 25]))
            form[f"comment-{c}"] = ""
        status, _, ms = client.request("POST", f"/giam-khao/cham/{assignment}/nhap", form)
        stats.add("judge autosave", ms, status == 200, status)
        stop.wait(rng.uniform(0.5, 1.5) * think)


def visitor_loop(port: int, path: str, page: str, stats: Stats, stop: threading.Event, think: float,
                 seed: int) -> None:
    client = Client(port)
    rng = random.Random(seed)
    stop.wait(rng.uniform(0, think))
    while not stop.is_set():
        status, _, ms = client.request("GET", path)
        stats.add(page, ms, status == 200, status)
        stop.wait(rng.uniform(0.5, 1.5) * think)


SERVER_PAGES = (
    ("judge dashboard", re.compile(r"GET /giam-khao/ ")),
    ("judge entry page", re.compile(r"GET /giam-khao/cham/\d+ ")),
    ("judge autosave", re.compile(r"POST /giam-khao/cham/\d+/nhap ")),
    ("public results page", re.compile(r"GET /ket-qua/[^/ ]+ ")),
    ("bare Flask page", re.compile(r"GET /__bare/ ")),
)


def server_times(log: Path, start: int, end: int) -> dict[str, list[float]]:
    """Milliseconds per page from gunicorn's access log lines ("%(r)s %(s)s %(D)s") written while measuring."""
    with log.open("rb") as f:
        f.seek(start)
        lines = f.read(end - start).decode("utf-8", "replace").splitlines()
    times: dict[str, list[float]] = {page: [] for page, _ in SERVER_PAGES}
    for line in lines:
        for page, pattern in SERVER_PAGES:
            if pattern.match(line):
                times[page].append(int(line.rsplit(" ", 1)[1]) / 1000)
                break
    return {page: values for page, values in times.items() if values}


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn processes, PostgreSQL's processes and this load generator (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    def children(pid: int) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    postgres = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and (p / "comm").exists() and _comm(p) == "postgres"]
    return {"app server": of(server_pid) + sum(of(c) for c in children(server_pid)),
            "database": sum(of(p) for p in postgres),
            "load generator": time.process_time()}


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    # gunicorn.conf.py's production defaults: 2 × cores + 1 gthread workers with 2 threads each.
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--entries", type=int, default=120)
    parser.add_argument("--per-judge", type=int, default=8)
    parser.add_argument("--judge-think", type=float, default=2.0, help="mean seconds between a judge's requests")
    parser.add_argument("--visitor-think", type=float, default=4.0, help="mean seconds between a visitor's")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before measuring starts")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even if PostgreSQL is available")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url, drop = database(args.sqlite, work)
    env = dict(os.environ, DATABASE_URL=url, STORAGE_URL=f"file://{work / 'objects'}", SECRET_KEY="bench-secret",
               CONTEST_ENV="development", RATELIMIT_ENABLED="0", MAIL_OUTBOX_DIR=str(work / "outbox"),
               RESULTS_CACHE_SECONDS="60", PYTHONPATH=str(ROOT), **CHEAP_HASH)
    server = None
    try:
        started = time.perf_counter()
        world = seed(env, args.entries, args.per_judge)
        print(f"database: {url.split('@')[-1] if '@' in url else url}")
        print(f"seeded {args.entries} entries, 50 judges × {args.per_judge} assignments "
              f"in {time.perf_counter() - started:.1f} s; {os.cpu_count()} cores")
        access_log = work / "access.log"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--chdir", str(ROOT / "bench"),
             "-w", str(args.workers),
             "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--access-logfile", str(access_log),
             "--access-logformat", "%(r)s %(s)s %(D)s",
             "load:wsgi()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(150):
            try:
                if Client(port).request("GET", "/__bare/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        results_path = f"/ket-qua/{world['slug']}"
        warm = Client(port)
        for path in (results_path, "/__bare/", "/tai-khoan/dang-nhap"):
            for _ in range(args.workers * 3):
                warm.request("GET", path)

        stats, stop = Stats(), threading.Event()
        threads = [threading.Thread(target=judge_loop, args=(port, email, ids, world["criteria"], stats, stop,
                                                             args.judge_think), daemon=True)
                   for email, ids in world["assignments"].items()]
        threads += [threading.Thread(target=visitor_loop, args=(port, results_path, "public results page", stats,
                                                                stop, args.visitor_think, i), daemon=True)
                    for i in range(200)]
        threads.append(threading.Thread(target=visitor_loop, args=(port, "/__bare/", "bare Flask page", stats,
                                                                   stop, 0.05, -1), daemon=True))
        for t in threads:
            t.start()
        time.sleep(args.warmup)  # logins and first renders happen here, not in the figures
        with stats.lock:
            stats.times.clear()
            stats.errors.clear()
            stats.statuses.clear()
        log_start = access_log.stat().st_size
        cpu_start = cpu_seconds(server.pid)
        time.sleep(args.duration)
        cpu_end = cpu_seconds(server.pid)
        log_end = access_log.stat().st_size
        stop.set()
        for t in threads:
            t.join(timeout=35)

        print(f"\ngunicorn {args.workers} workers × {args.threads} threads, {args.duration:g} s, "
              f"50 judges (think {args.judge_think:g} s) + 200 visitors (think {args.visitor_think:g} s)")
        print(f"{'page':<22}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for page in ("judge dashboard", "judge entry page", "judge autosave", "public results page",
                     "bare Flask page", "login"):
            values = stats.times.get(page, [])
            if not values and not stats.errors.get(page):
                continue
            line = f"{page:<22}{len(values):>9}{len(values) / args.duration:>8.1f}"
            line += (f"{pct(values, .5):>9.1f}{pct(values, .95):>9.1f}{pct(values, .99):>9.1f}" if values
                     else " " * 27)
            print(line + f"{stats.errors.get(page, 0):>8}")
        inside = server_times(access_log, log_start, log_end)
        print("\nthe same pages timed inside the server (gunicorn's request time, no client or network):")
        print(f"{'page':<22}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for page, values in inside.items():
            print(f"{page:<22}{len(values):>9}{pct(values, .5):>9.1f}{pct(values, .95):>9.1f}{pct(values, .99):>9.1f}")
        print(f"\nCPU while measuring, in cores (of {os.cpu_count()}): " + ", ".join(
            f"{who} {(cpu_end[who] - cpu_start[who]) / args.duration:.2f}" for who in cpu_start))
        if stats.statuses:
            print("failed answers by status (0 = connection error or timeout):", dict(stats.statuses))
        total = sum(len(v) for v in stats.times.values())
        print(f"{'all':<22}{total:>9}{total / args.duration:>8.1f}")
        judge = [v for p in ("judge dashboard", "judge entry page", "judge autosave") for v in stats.times[p]]
        if judge and stats.times["bare Flask page"] and stats.times["public results page"]:
            p95 = pct(judge, .95)
            ratio = statistics.median(stats.times["public results page"]) / statistics.median(
                stats.times["bare Flask page"])
            print(f"\njudge pages p95 {p95:.1f} ms (target < 50): {'met' if p95 < 50 else 'NOT met'}")
            verdict = "met" if ratio < 2 else "NOT met"
            print(f"results page median = {ratio:.2f} × the bare page (target < 2): {verdict}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        drop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

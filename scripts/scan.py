#!/usr/bin/env python3
"""`make scan`: an outside scanner (wapiti3) against the demo site, as each kind of visitor.

For every role (anonymous, applicant, judge, committee member, organizer) the driver copies a freshly seeded
demo into a throw-away folder, serves it on 127.0.0.1 on a free port, logs in through the real login form,
hands the session cookie to wapiti for a bounded time, and then checks that the scanner really stayed logged
in (it crawled the role's private pages and the session cookie still opens them afterwards). Each role gets a
copy of its own, so what the organizer's scan does to the data (closing rounds, publishing results) cannot
spoil the others', and a fresh server, so one role's requests never count against the next one's rate limits.

Reports go to instance/scan/<role>.json and <role>-html/index.html. The exit status is non-zero on any
vulnerability not listed in scripts/scan_accepted.toml, on any anomaly (wapiti's 500s and timeouts), on any 5xx
in the server's own log, and when a login or the session did not hold.

Usage: .venv/bin/python scripts/scan.py [--seconds 300] [--roles anonymous,judge]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_BIN = ROOT / ".venv" / "bin"
WAPITI = ROOT / ".venv-scan" / "bin" / "wapiti"
REPORTS = ROOT / "instance" / "scan"
ACCEPTED_FILE = ROOT / "scripts" / "scan_accepted.toml"
LOGIN_PATH = "/tai-khoan/dang-nhap"

# wapiti's default modules, less ssrf (it asks wapiti's own server on the internet whether the target called
# it), plus the checks that suit this site: CSRF tokens, CRLF in redirects, HTTP methods, leftover backups.
MODULES = "common,-ssrf,csrf,crlf,methods,backup"

# Requests that would end the scanner's session or switch its language mid-scan. Everything else, destructive
# or not, is fair game: each role scans a copy of the demo of its own.
EXCLUDED_PATHS = (
    "/tai-khoan/dang-xuat",      # logout: revokes the session server-side
    "/tai-khoan/doi-mat-khau",   # a changed password ends every other session of the account
    "/ngon-ngu/*",               # the language switch: the rest of the crawl would see English pages only
)


@dataclass(frozen=True)
class Role:
    name: str
    email: str | None = None
    # A page only this role's session opens: it must be among the crawled pages and still open afterwards.
    private_path: str | None = None


ROLES = (
    Role("anonymous"),
    Role("applicant", "doanhnghiep@demo.vn", "/bai-du-thi/"),
    Role("judge", "gk.cntt@demo.vn", "/giam-khao/"),
    Role("committee", "hd.truongban@demo.vn", "/quan-tri/hoi-dong"),
    Role("organizer", "btc@demo.vn", "/quan-tri/"),
)


@dataclass
class Outcome:
    role: str
    seconds: float = 0.0
    pages: int = 0
    private_pages: int = 0
    vulnerabilities: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not (self.vulnerabilities or self.anomalies or self.server_errors or self.problems)


def demo_password() -> str:
    # The published demo password, read from the demo itself so the two cannot drift apart.
    text = (ROOT / "contest" / "demo.py").read_text(encoding="utf-8")
    return re.search(r'^DEMO_PASSWORD = "([^"]+)"', text, re.MULTILINE).group(1)


def site_environment(folder: Path, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "DATABASE_URL"))}
    env.update({
        "FLASK_APP": "contest:create_app",
        "CONTEST_ENV": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{folder / 'contest.db'}",
        "STORAGE_URL": f"file://{folder / 'objects'}",
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        "MAIL_SERVER": "",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        # Rate limits would answer the scanner's payloads with 429 before they reach the code under test.
        "RATELIMIT_ENABLED": "false",
        "OPENBLAS_NUM_THREADS": "1",
    })
    return env


def seed_demo(folder: Path) -> None:
    env = site_environment(folder, 0)
    with (REPORTS / "seed.log").open("w") as log:
        for command in (["db", "upgrade"], ["contest", "seed-demo"]):
            subprocess.run([APP_BIN / "flask", *command], cwd=ROOT, env=env, check=True, stdout=log, stderr=log)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Site:
    """The demo served by Flask's server on 127.0.0.1, stopped by its PID."""

    def __init__(self, folder: Path, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log_path
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [APP_BIN / "flask", "run", "--host", "127.0.0.1", "--port", str(self.port), "--no-reload",
             "--no-debugger", "--with-threads"],
            cwd=ROOT, env=site_environment(folder, self.port), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the site stopped at start; see {log_path}")
            try:
                urllib.request.urlopen(self.url, timeout=5).close()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the site did not answer within 60 s; see {log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def server_errors(self) -> list[str]:
        """Every request the server itself answered with a 5xx, from its access log."""
        # Werkzeug colours the lines of error statuses: the colour codes go before the pattern is matched.
        colour = re.compile(r"\x1b\[[0-9;]*m")
        pattern = re.compile(r'"([A-Z]+ \S+)[^"]*" (5\d\d) ')
        return [f"{match.group(2)} {match.group(1)}"
                for line in self.log_path.read_text(errors="replace").splitlines()
                if (match := pattern.search(colour.sub("", line)))]


class Browser:
    """A plain HTTP client with a cookie jar that does not follow redirects."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.parse.urljoin(self.base_url, path), body, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")

    def log_in(self, email: str, password: str) -> None:
        """Through the real login form, its CSRF token included."""
        status, _, page = self.request(LOGIN_PATH)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"no login form at {LOGIN_PATH} (HTTP {status})")
        status, location, _ = self.request(
            LOGIN_PATH, {"csrf_token": token.group(1), "email": email, "password": password})
        if status != 302 or LOGIN_PATH in location:
            raise RuntimeError(f"login as {email} failed (HTTP {status})")

    def opens(self, path: str) -> bool:
        status, location, _ = self.request(path)
        return status == 200 and LOGIN_PATH not in location

    def save_for_wapiti(self, path: Path) -> None:
        # wapiti's JSON cookie file: {domain: {path: {name: attributes}}}.
        cookies: dict = {}
        for cookie in self.jar:
            cookies.setdefault(cookie.domain, {}).setdefault(cookie.path, {})[cookie.name] = {
                "value": cookie.value, "expires": cookie.expires, "secure": cookie.secure,
                "port": None, "version": cookie.version}
        path.write_text(json.dumps(cookies, indent=2))


def wapiti(site: Site, role: Role, seconds: int, cookie_file: Path, output: Path, fmt: str, log: Path) -> None:
    """One wapiti run: the scan itself (JSON), or the same stored session again written as HTML."""
    work = REPORTS / "wapiti" / role.name
    command = [
        str(WAPITI), "--url", site.url, "--scope", "folder", "--cookie", str(cookie_file),
        "--store-session", str(work / "session"), "--store-config", str(work / "config"),
        "--format", fmt, "--output", str(output), "--detailed-report", "1",
        "--no-bugreport", "--verbose", "1", "--tasks", "8", "--timeout", "20",
        # Nothing leaves this machine: wapiti's out-of-band endpoints default to its servers on the internet.
        "--endpoint", "http://127.0.0.1:9/", "--dns-endpoint", "localhost",
    ]
    if fmt == "json":
        # The budget: a quarter to crawl, and each attack module at most a tenth (the slow ones use it all).
        command += ["--module", MODULES, "--flush-session",
                    "--max-scan-time", str(seconds // 4), "--max-attack-time", str(max(10, seconds // 10))]
    else:
        command += ["--module", "", "--skip-crawl"]
    for path in EXCLUDED_PATHS:
        command += ["--exclude", urllib.parse.urljoin(site.url, path)]
    with log.open("a") as out:
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=seconds * 2 + 300, check=False)


def write_html_report(site: Site, role: Role, seconds: int, cookie_file: Path, log: Path) -> None:
    folder = REPORTS / f"{role.name}-html"
    shutil.rmtree(folder, ignore_errors=True)
    wapiti(site, role, seconds, cookie_file, folder, "html", log)
    # wapiti names the page after the host, port and minute; one stable name is easier to open.
    for page in folder.glob("*.html"):
        page.rename(folder / "index.html")


def load_accepted() -> list[dict]:
    with ACCEPTED_FILE.open("rb") as file:
        return tomllib.load(file)["accepted"]


def is_accepted(category: str, info: str, path: str, accepted: list[dict]) -> bool:
    # A cookie finding ends with the cookie's name ("… is not set in the cookie : session"): only the listed ones.
    return any(rule["category"] == category
               and ("cookies" not in rule or info.rsplit(":", 1)[-1].strip() in rule["cookies"])
               and re.search(rule.get("info", ""), info)
               and ("paths" not in rule or any(re.search(pattern, path) for pattern in rule["paths"]))
               for rule in accepted)


def read_report(report: Path, role: Role, outcome: Outcome, accepted: list[dict]) -> None:
    data = json.loads(report.read_text())
    outcome.pages = data["infos"].get("crawled_pages_nbr", 0)
    if role.private_path:
        # A page counts when the session opened it: a lost session would have been sent to the login form.
        outcome.private_pages = sum(
            1 for page in data["infos"].get("crawled_pages", [])
            if page["request"]["status_code"] == 200
            and urllib.parse.urlsplit(page["request"]["url"]).path.startswith(role.private_path))
    for category, findings in data["vulnerabilities"].items():
        for finding in findings:
            line = f"{category}: {finding['method']} {finding['path']} — {finding['info']}"
            accepted_here = is_accepted(category, finding["info"], finding["path"], accepted)
            (outcome.accepted if accepted_here else outcome.vulnerabilities).append(line)
    for category, findings in data["anomalies"].items():
        outcome.anomalies += [f"{category}: {f['method']} {f['path']} — {f['info']}" for f in findings]


def scan_role(role: Role, template: Path, workspace: Path, seconds: int, accepted: list[dict]) -> Outcome:
    outcome = Outcome(role.name)
    started = time.monotonic()
    folder = workspace / role.name
    shutil.copytree(template, folder)
    log = REPORTS / f"{role.name}.log"
    log.write_text("")
    site = Site(folder, REPORTS / f"{role.name}-server.log")
    try:
        browser = Browser(site.url)
        if role.email:
            browser.log_in(role.email, demo_password())
            if not browser.opens(role.private_path):
                outcome.problems.append(f"{role.private_path} does not open right after login")
        else:
            # A session holding its CSRF token before the crawl starts: otherwise the crawler's first parallel
            # requests each get a session of their own, and forms carry tokens of sessions it no longer has.
            browser.request(LOGIN_PATH)
        cookie_file = folder / "cookies.json"
        browser.save_for_wapiti(cookie_file)
        report = REPORTS / f"{role.name}.json"
        report.unlink(missing_ok=True)
        wapiti(site, role, seconds, cookie_file, report, "json", log)
        if not report.exists():
            outcome.problems.append(f"wapiti wrote no report; see {log}")
            return outcome
        write_html_report(site, role, seconds, cookie_file, log)
        read_report(report, role, outcome, accepted)
        if role.email:
            if outcome.private_pages == 0:
                outcome.problems.append(f"no page under {role.private_path} was crawled: the session did not hold")
            if not browser.opens(role.private_path):
                outcome.problems.append("the session cookie no longer opens private pages: the scan logged out")
    finally:
        site.stop()
        outcome.server_errors = site.server_errors()
        outcome.seconds = time.monotonic() - started
    return outcome


def print_summary(outcomes: list[Outcome], total_seconds: float) -> None:
    print()
    print(f"{'role':<11} {'pages':>6} {'private':>8} {'vulns':>6} {'accepted':>9} {'anomalies':>10} "
          f"{'5xx':>4} {'time':>6}")
    for o in outcomes:
        private = str(o.private_pages) if o.role != "anonymous" else "-"
        print(f"{o.role:<11} {o.pages:>6} {private:>8} {len(o.vulnerabilities):>6} {len(o.accepted):>9} "
              f"{len(o.anomalies):>10} {len(o.server_errors):>4} {o.seconds:>5.0f}s")
    print(f"total time {total_seconds / 60:.1f} min; reports in {REPORTS.relative_to(ROOT)}/")
    for o in outcomes:
        for kind, lines in (("vulnerability", o.vulnerabilities), ("anomaly", o.anomalies),
                            ("server 5xx", o.server_errors), ("problem", o.problems)):
            for line in dict.fromkeys(lines):
                print(f"  [{o.role}] {kind}: {line}")
    accepted = sorted({line.split(":", 1)[0] for o in outcomes for line in o.accepted})
    if accepted:
        print(f"accepted, with their reasons in {ACCEPTED_FILE.name}: {', '.join(accepted)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SCAN_SECONDS") or 300),
                        help="wapiti's time budget per role (default 300, or SCAN_SECONDS)")
    parser.add_argument("--roles", default=os.environ.get("SCAN_ROLES") or ",".join(r.name for r in ROLES),
                        help="comma-separated roles to scan (default: all)")
    args = parser.parse_args()
    chosen = [role for role in ROLES if role.name in args.roles.split(",")]
    if not WAPITI.exists():
        print(f"{WAPITI} is missing: run `make scan`, which installs it", file=sys.stderr)
        return 2
    accepted = load_accepted()
    REPORTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="contest-scan-") as workspace_name:
        workspace = Path(workspace_name)
        template = workspace / "demo"
        template.mkdir()
        print("Seeding the demo into a throw-away folder…", flush=True)
        seed_demo(template)
        for role in chosen:
            print(f"Scanning as {role.name} for up to {args.seconds} s…", flush=True)
            try:
                outcomes.append(scan_role(role, template, workspace, args.seconds, accepted))
            except (RuntimeError, subprocess.SubprocessError) as error:
                outcomes.append(Outcome(role.name, problems=[str(error)]))
    print_summary(outcomes, time.monotonic() - started)
    passed = all(o.passed for o in outcomes)
    print("scan passed" if passed else "scan FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

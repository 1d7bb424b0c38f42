"""Cost of the public results page against a bare page, with and without its cache.

Builds a throw-away SQLite contest (6 fields × 20 entries, 4 sheets each, every award approved
and the list published with the non-winners listed), then times in-process requests:
``/tai-khoan/dang-nhap`` (a bare page: the site shell and one small form), ``/ket-qua`` with the
cache on (``RESULTS_CACHE_SECONDS=60``) and off (``0``).  Prints mean and p95 in milliseconds
and the ratio to the bare page.  Not a test.

    .venv/bin/python bench/results_page.py [--requests 200] [--per-field 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed(client, path: str, n: int) -> list[float]:
    client.get(path)  # warm up (templates compiled, cache filled)
    out = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return out


def describe(name: str, values: list[float], base: float | None) -> str:
    mean = statistics.fmean(values)
    p95 = sorted(values)[int(0.95 * (len(values) - 1))]
    ratio = f"  ×{mean / base:.2f} of the bare page" if base else ""
    return f"{name:<28} mean {mean:7.2f} ms   p95 {p95:7.2f} ms{ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--per-field", type=int, default=20)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from contest import results
    from contest.extensions import db
    from contest.models import Role
    from tests.conftest import make_test_app
    from tests.factories import make_edition, make_entry, make_user
    from tests.results.helpers import add_sheet, approve_all, committee, make_judges

    work = Path(tempfile.mkdtemp(prefix="bench-results-"))
    app = make_test_app(f"sqlite:///{work / 'bench.db'}", work / "instance", RESULTS_STABILITY_RESAMPLES=50)
    with app.app_context():
        upgrade()
        edition = make_edition()
        round_ = edition.rounds[-1]
        judges = make_judges(8)
        owner = make_user(Role.APPLICANT, full_name="Nguyễn Thị Minh Châu")
        n = 0
        for category in edition.categories:
            for _ in range(args.per_field):
                entry = make_entry(owner, edition, status="eligible", category_code=category.code,
                                   title=f"Giải pháp số {n + 1}: quy trình chế biến chè xanh",
                                   organization="HTX Tân Cương")
                for k in range(4):
                    add_sheet(round_, entry, judges[(n + k) % len(judges)], 40 + (n * 7 + k * 3) % 39)
                n += 1
        db.session.commit()
        organizer = make_user(Role.ORGANIZER)
        members = committee(edition, 3)
        rs = results.compute_result_set(round_, actor=organizer)
        results.set_list_non_winners(rs, True, organizer)
        results.freeze_result_set(rs, organizer)
        approve_all(rs, members)
        results.publish_results(rs, actor=organizer, notify=False)
        db.session.commit()
        print(f"{n} entries, {len(rs.awards)} rows listed publicly, {args.requests} requests each\n")

    from flask.testing import FlaskClient

    app.test_client_class = FlaskClient  # a plain client: each request pushes its own context
    client = app.test_client()
    bare = timed(client, "/tai-khoan/dang-nhap", args.requests)
    base = statistics.fmean(bare)
    print(describe("bare page (login form)", bare, None))
    app.config["RESULTS_CACHE_SECONDS"] = 60
    print(describe("/ket-qua, cache on", timed(client, "/ket-qua", args.requests), base))
    app.config["RESULTS_CACHE_SECONDS"] = 0
    results.invalidate_cache()
    print(describe("/ket-qua, cache off", timed(client, "/ket-qua", args.requests), base))


if __name__ == "__main__":
    main()

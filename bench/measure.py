"""The benchmark's runner: gunicorn on loopback, a real HTTP client per role, one table.

Latency is measured by the client (``requests``, one keep-alive session per role, requests one after
another), from sending the request to the last byte of the body. Queries per request are counted on the
server by ``bench.querycount.QueryCountMiddleware`` (``bench/settings.py``): every statement run through
Django's connection while the request is handled — session, user, scope, the page, the session save —
returned in the ``X-Query-Count`` header. Each page gets two warm-up requests that are not counted.

The pages are sampled the same way at every scale (same kind of object, same filters), so their query
counts can be compared across scales: a household page is a household with cases and visits and no
sensitive tag; a case page is a closed case with its full history.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 50  # every list, queue, search, filter, case, household, visit and public page
METRICS_TARGET_P95_MS = 100  # the numbers page and metrics.json, any period up to a year
CONCURRENT_CLIENTS = 10
EMPTY_ROW = re.compile(rb"<tr>\s*<td colspan")
REQUEST_TIMEOUT = 60  # seconds, per request
GUNICORN_TIMEOUT = 120  # seconds: gunicorn ends a request that runs longer
PAGE_BUDGET = 240  # seconds, per page: a page slower than this is cut short, not waited on forever


@dataclass
class Page:
    key: str
    label: str
    role: str  # demo username, "" for anonymous
    urls: list  # one URL per request (cycled); or a callable for POST data
    method: str = "GET"
    data: object = None  # callable(n) -> dict for POST
    expect: tuple = (200,)


@dataclass
class Result:
    key: str
    label: str
    role: str
    status: str = "ok"
    n: int = 0
    first_ms: float | None = None  # the first (warm-up) request: a cold cache, a new connection
    median_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    server_median_ms: float | None = None
    db_median_ms: float | None = None
    queries_min: int | None = None
    queries_max: int | None = None
    kb: float | None = None
    rows: int | None = None  # table rows on the first measured page (an empty list runs fewer queries)
    note: str = ""
    codes: dict = field(default_factory=dict)
    query_examples: dict = field(default_factory=dict)  # query count → one URL that ran that many
    clients: int | None = None  # the concurrency row: clients in a closed loop, and requests per second
    rps: float | None = None


def target_ms(key: str) -> int:
    return METRICS_TARGET_P95_MS if "metrics" in key else TARGET_P95_MS


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1)))))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- gunicorn ----------------------------------------------------------------------------------------


class Server:
    def __init__(self, database_url: str, log):
        self.database_url = database_url
        self.log = log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.static_root = Path(tempfile.mkdtemp(prefix="minqing-bench-static-"))
        self.proc: subprocess.Popen | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")},
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "HTTPS": "0",  # the runner talks plain HTTP to 127.0.0.1: no redirect, cookies without Secure
            "STATIC_ROOT": str(self.static_root),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "BENCH_RUN_ID": f"bench-{secrets.token_hex(4)}",  # a fresh cache namespace (bench/settings.py)
            # The leaders' numbers are measured as computed, never as remembered (dashboards.metrics.remembered):
            # a figure slow once would otherwise be fast on every later request of the same URL.
            "MINQING_METRICS_CACHE_SECONDS": "0",
        }
        if os.getenv("BENCH_REDIS_URL"):
            self.env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]

    def __enter__(self):
        bin_dir = Path(sys.executable).parent
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        self.proc = subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "bench.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                str(GUNICORN_TIMEOUT),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.log(f"gunicorn：{self.base}（2 个 worker，DEBUG=0）")
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                if requests.get(self.base + "/healthz", timeout=20).status_code in (200, 503):
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 90 s")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        shutil.rmtree(self.static_root, ignore_errors=True)


# --- clients -----------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(base: str, username: str, password: str = "minqing2026") -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=REQUEST_TIMEOUT)
    match = CSRF_INPUT.search(page.text)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    response = session.post(
        base + "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)},
        headers={"Referer": base + "/accounts/login/"},
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login as {username} failed ({response.status_code})")
    return session


def run_page(session: requests.Session, base: str, page: Page, n: int) -> Result:
    result = Result(page.key, page.label, page.role or "匿名")
    times, server, db, queries, sizes = [], [], [], [], []
    started = time.monotonic()
    token = session.cookies.get("csrftoken", "")
    if page.method == "POST" and not token:  # an anonymous form: its page sets the CSRF cookie first
        session.get(base + page.urls[0], timeout=REQUEST_TIMEOUT)
        token = session.cookies.get("csrftoken", "")
    for i in range(n + 2):
        url = base + page.urls[i % len(page.urls)]
        t0 = time.perf_counter()
        try:
            if page.method == "POST":
                data = {**page.data(i), "csrfmiddlewaretoken": token}
                response = session.post(
                    url, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False, headers={"Referer": url}
                )
            else:
                response = session.get(url, timeout=REQUEST_TIMEOUT, allow_redirects=False)
        except requests.Timeout:
            result.status = "timeout"
            result.note = f"no answer within {REQUEST_TIMEOUT} s ({page.urls[i % len(page.urls)]})"
            time.sleep(GUNICORN_TIMEOUT - REQUEST_TIMEOUT + 5)  # let gunicorn end that request before the next page
            return result
        body = response.content
        elapsed = (time.perf_counter() - t0) * 1000
        result.codes[response.status_code] = result.codes.get(response.status_code, 0) + 1
        if response.status_code not in page.expect:
            result.status = "error"
            result.note = f"{page.method} {page.urls[i % len(page.urls)]} → {response.status_code}"
            if response.status_code == 404 and i == 0:
                result.status = "n/a"
                result.note = "not available yet (404)"
            return result
        if i == 0:
            result.first_ms = elapsed
        if i >= 2:  # two warm-ups
            times.append(elapsed)
            server.append(float(response.headers.get("X-Server-Ms", "nan")))
            db.append(float(response.headers.get("X-Query-Ms", "nan")))
            queries.append(int(response.headers.get("X-Query-Count", "-1")))
            result.query_examples.setdefault(str(queries[-1]), page.urls[i % len(page.urls)])
            sizes.append(len(body))
            if result.rows is None and b"<table" in body:
                empty = len(EMPTY_ROW.findall(body))  # "没有符合条件的诉求。": a message, not a row
                result.rows = max(0, body.count(b"<tr") - body.count(b"<table") - empty)
        if time.monotonic() - started > PAGE_BUDGET:
            result.note = f"cut short after {PAGE_BUDGET} s"
            break
    result.n = len(times)
    if times:
        result.median_ms = statistics.median(times)
        result.p95_ms = p95(times)
        result.max_ms = max(times)
        result.server_median_ms = statistics.median(server)
        result.db_median_ms = statistics.median(db)
        result.queries_min, result.queries_max = min(queries), max(queries)
        result.kb = statistics.median(sizes) / 1024
    return result


def run_concurrent(base: str, page: Page, clients: int, n: int) -> Result:
    """``clients`` logged-in clients in a closed loop (each sends its next request when the last one answered),
    ``n`` requests each after one warm-up: requests per second over the whole run, latencies as one client
    sees them while the others wait in line, and every answer that was not ``page.expect``."""
    from concurrent.futures import ThreadPoolExecutor

    result = Result(f"{page.key}_{clients}_clients", f"{page.label}·{clients}个并发客户端", page.role, clients=clients)
    sessions = [login(base, page.role) for _ in range(clients)]
    for session in sessions:
        session.get(base + page.urls[0], timeout=REQUEST_TIMEOUT)

    def loop(session: requests.Session) -> tuple[list[float], list[int], list[int]]:
        times, codes, queries = [], [], []
        for i in range(n):
            t0 = time.perf_counter()
            try:
                response = session.get(base + page.urls[i % len(page.urls)], timeout=REQUEST_TIMEOUT)
                codes.append(response.status_code)
                queries.append(int(response.headers.get("X-Query-Count", "-1")))
            except requests.RequestException:
                codes.append(0)
            times.append((time.perf_counter() - t0) * 1000)
        return times, codes, queries

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(loop, sessions))
    wall = time.perf_counter() - started
    times = [t for ts, _, _ in outcomes for t in ts]
    codes = [c for _, cs, _ in outcomes for c in cs]
    queries = [q for _, _, qs in outcomes for q in qs]
    for code in codes:
        result.codes[code] = result.codes.get(code, 0) + 1
    failed = sum(1 for code in codes if code not in page.expect)
    if failed:
        result.status = "error"
        result.note = f"{failed} of {len(codes)} requests failed ({result.codes})"
    result.n = len(times)
    result.rps = len(times) / wall
    result.median_ms, result.p95_ms, result.max_ms = statistics.median(times), p95(times), max(times)
    if queries:
        result.queries_min, result.queries_max = min(queries), max(queries)
    return result


# --- what to measure ---------------------------------------------------------------------------------


def _sample_ids(sql: str, params: list, n: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()][:n]


def _month_windows(today: dt.date, months: int, count: int) -> list[str]:
    """``count`` metrics.json URLs of ``months`` whole months each, the last one ending with last month, each
    one a month earlier than the one before."""
    urls, end = [], today.replace(day=1) - dt.timedelta(days=1)
    for _ in range(count):
        start = end.replace(day=1)
        for _ in range(months - 1):
            start = (start - dt.timedelta(days=1)).replace(day=1)
        urls.append(f"/dashboards/metrics.json?from={start.isoformat()}&to={end.isoformat()}")
        end = end.replace(day=1) - dt.timedelta(days=1)
    return urls


def plan_pages(info: dict, n: int) -> list[Page]:
    """Every page, with URLs sampled deterministically from the generated data."""
    from django.contrib.auth import get_user_model

    from bench.generate import QUEUE_PAGES
    from households.models import Household, Village
    from petitions.models import Category, Petition

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["liaison", "handler"])}
    liaison_villages = list(users["liaison"].liaison_villages.values_list("pk", flat=True))
    handler_departments = list(users["handler"].departments.values_list("pk", flat=True))
    k = max(10, n)

    # Households with cases and visits and no sensitive tag (the page then writes no access record).
    plain_household = """
        SELECT h.id FROM households_household h
        WHERE {where}
          AND EXISTS (SELECT 1 FROM petitions_petition p WHERE p.household_id = h.id)
          AND EXISTS (SELECT 1 FROM visits_visit_households vh WHERE vh.household_id = h.id)
          AND NOT EXISTS (SELECT 1 FROM households_household_tags ht JOIN households_tag t ON t.id = ht.tag_id
                          WHERE ht.household_id = h.id AND t.sensitive)
          AND NOT EXISTS (SELECT 1 FROM households_person m JOIN households_person_tags pt ON pt.person_id = m.id
                          JOIN households_tag t ON t.id = pt.tag_id WHERE m.household_id = h.id AND t.sensitive)
        ORDER BY md5(h.id::text) LIMIT %s"""
    # The leader is 鼎新乡's: the samples of the leader's pages are 鼎新乡's households and cases.
    dingxin = "h.village_id IN (SELECT id FROM households_village WHERE township_id = %s)"
    township = Village.objects.get(township__code="DX", name="和平村").township_id
    any_households = _sample_ids(plain_household.format(where=dingxin), [township, k], k)
    liaison_households = _sample_ids(plain_household.format(where="h.village_id = ANY(%s)"), [liaison_villages, k], k)
    closed_cases = _sample_ids(
        "SELECT id FROM petitions_petition WHERE status = 'closed' AND lead_department_id IS NOT NULL "
        "AND township_id = %s ORDER BY md5(id::text) LIMIT %s",
        [township, k],
        k,
    )
    handler_cases = _sample_ids(
        "SELECT id FROM petitions_petition WHERE status IN ('closed', 'in_progress', 'replied') "
        "AND lead_department_id = ANY(%s) ORDER BY md5(id::text) LIMIT %s",
        [handler_departments, k],
        k,
    )
    lookups = list(
        Petition.objects.exclude(petitioner_phone="")
        .filter(pk__in=closed_cases + handler_cases)
        .values_list("tracking_number", "petitioner_phone")
    )
    heads = list(Household.objects.filter(pk__in=any_households).values_list("head_name", "phone"))
    names = [name for name, _ in heads]  # a head's full name, as typed at the desk (two or three characters)
    phones = [phone[-6:] for _, phone in heads if phone]

    today = dt.date.fromisoformat(info["now"][:10])
    year_ago = today - dt.timedelta(days=365)
    village = Village.objects.get(township__code="DX", name="和平村")
    department = handler_departments[0]  # the demo handler's department (鼎新乡's 民政办)
    category = Category.objects.get(subject="宅基地")
    # Three filters that find cases at every scale: a village's closed cases of the last year.
    filters = f"?village={village.pk}&status=closed&received_from={year_ago.isoformat()}"
    month_from = dt.date.fromisoformat(info["report_month"][0][:10]) + dt.timedelta(days=1)

    def q(values, fmt):
        return [fmt.format(v) for v in values] or [fmt.format("")]

    def intake_data(i: int) -> dict:
        # A number no generated case has (199…), new on every run: the repeat check finds nothing to offer.
        phone = f"199{secrets.randbelow(10**8):08d}"
        return {
            "petitioner_name": "基准测试",
            "petitioner_phone": phone,
            "petitioner_id_number": "",
            "village": village.pk,
            "channel": "visit",
            "category": category.pk,
            "summary": "宅基地边界纠纷（基准测试）",
            "content": "与邻居因宅基地边界发生争执，请求调解。",
            "head_count": 1,
            "disposition": "submit",
            "repeat_choice": "new",  # should the number have been used before: "not a repeat, register"
            "reply_delivery": "in_person",
            "rep-TOTAL_FORMS": 5,
            "rep-INITIAL_FORMS": 0,
            "rep-MIN_NUM_FORMS": 0,
            "rep-MAX_NUM_FORMS": 5,
        }

    pages = [
        Page("ledger_list", "台账列表", "leader", ["/households/"]),
        Page("ledger_list_liaison", "台账列表（联络员）", "liaison", ["/households/"]),
        Page("ledger_search_name", "台账搜索·姓名", "leader", q(names, "/households/?q={}")),
        Page("ledger_search_phone", "台账搜索·电话", "leader", q(phones, "/households/?q={}")),
        Page("household", "户页（一户一档）", "leader", q(any_households, "/households/{}/")),
        Page("household_liaison", "户页（联络员）", "liaison", q(liaison_households, "/households/{}/")),
    ]
    for role, slugs in QUEUE_PAGES:
        for slug in slugs:
            pages.append(Page(f"queue_{role}_{slug}", f"待办·{slug}", role, [f"/petitions/queue/{slug}/"]))
    pages += [
        Page("cases", "全部诉求", "leader", ["/petitions/"]),
        Page("cases_3_filters", "全部诉求·三项筛选", "leader", ["/petitions/" + filters]),
        # A common two-character word over every case: the n-gram index (petitions migration 0019).
        Page("cases_search", "全部诉求·搜索「路灯」", "leader", ["/petitions/?q=路灯"]),
        # A department's closed cases, led or assisted (PetitionQuerySet.handled_by).
        Page(
            "cases_department_closed",
            "全部诉求·部门已办结",
            "leader",
            [f"/petitions/?department={department}&status=closed"],
        ),
        Page("cases_handler", "全部诉求（承办人）", "handler", ["/petitions/"]),
        Page("cases_liaison", "全部诉求（联络员）", "liaison", ["/petitions/"]),
        Page("case", "诉求页", "leader", q(closed_cases, "/petitions/{}/")),
        Page("case_handler", "诉求页（承办人）", "handler", q(handler_cases, "/petitions/{}/")),
        Page("intake_post", "登记诉求（POST）", "reception", ["/petitions/new/"], "POST", intake_data, (302,)),
        Page("public_board", "公示栏", "", ["/public/"]),
        # The lookup posts the number and the phone's last four digits (never in the URL).
        Page(
            "public_lookup",
            "进度查询",
            "",
            ["/public/lookup/"],
            "POST",
            lambda i: (
                {"number": lookups[i % len(lookups)][0], "phone4": lookups[i % len(lookups)][1][-4:]}
                if lookups
                else {"number": "", "phone4": ""}
            ),
        ),
        # The leaders' numbers for a year (metrics.json: overall, by village, by department). Past months are
        # read from their kept counts (dashboards/summaries.py), and so are this month's past days; today is
        # counted from the cases.
        Page(
            "metrics_year",
            "领导数据·今年",
            "leader",
            [f"/dashboards/metrics.json?from={today.year}-01-01&to={today.year}-12-31"],
        ),
        # Twelve whole months, a different window for each request (24 of them, all inside the three years).
        Page("metrics_year_cold", "领导数据·十二个整月（每次不同）", "leader", _month_windows(today, 12, 24)),
        Page(
            "metrics_calendar_year",
            "领导数据·上一自然年",
            "leader",
            [f"/dashboards/metrics.json?from={today.year - 1}-01-01&to={today.year - 1}-12-31"],
        ),
        # 365 days ending on another day each request: both ends cut a month, counted from the cases.
        Page(
            "metrics_365_days",
            "领导数据·任意365天（每次不同）",
            "leader",
            [
                f"/dashboards/metrics.json?from={(year_ago - dt.timedelta(days=d)).isoformat()}"
                f"&to={(today - dt.timedelta(days=d)).isoformat()}"
                for d in range(1, n + 3)
            ],
        ),
        # The numbers page a leader opens for last year: the year beside the one before, a twelve-month trend
        # and the grouping by village.
        Page(
            "metrics_page_year",
            "统计分析页·上一自然年",
            "leader",
            [f"/dashboards/metrics/?kind=year&year={today.year - 1}"],
        ),
        # The county center (县级) reads every township: its numbers by township, a year; every case.
        Page(
            "county_metrics_by_township",
            "县级·各乡镇统计·上一自然年",
            "county",
            [f"/dashboards/metrics/?kind=year&year={today.year - 1}&by=township"],
        ),
        Page(
            "county_metrics_year",
            "县级·领导数据·今年",
            "county",
            [f"/dashboards/metrics.json?from={today.year}-01-01&to={today.year}-12-31"],
        ),
        Page("county_cases", "县级·全部诉求", "county", ["/petitions/"]),
        Page("home_leader", "首页（领导）", "leader", ["/"]),
        Page("visits", "走访列表", "leader", ["/visits/"]),
        Page("visits_liaison", "走访列表（联络员）", "liaison", ["/visits/"]),
        Page("revisits", "回访队列", "leader", ["/visits/revisits/"]),
    ]
    info["sample"] = {"report_month_from": month_from.isoformat(), "filters": filters}
    return pages


# --- import and monthly report (own processes: time and peak memory) ---------------------------------

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "minqing.settings"
import django
django.setup()
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = {{"rss_before_mb": rss()}}
{body}
out["peak_rss_mb"] = rss()
print("RESULT " + json.dumps(out, ensure_ascii=False, default=str))
"""

IMPORT_BODY = r"""
import tempfile
from pathlib import Path
from bench.import_households import build_file  # the ledger's own import benchmark: its Excel file
from django.db import connection
from households import importer
from households.models import Household
OLD = "SELECT id FROM households_household WHERE household_no < '5000'"  # the file's numbers, not the county's
with connection.cursor() as c:  # a run before this one may have imported the file already
    c.execute(f"DELETE FROM households_household_tags WHERE household_id IN ({OLD})")
    c.execute(f"DELETE FROM households_person_tags WHERE person_id IN "
              f"(SELECT id FROM households_person WHERE household_id IN ({OLD}))")
    c.execute(f"DELETE FROM households_person WHERE household_id IN ({OLD})")
    c.execute(f"DELETE FROM households_householdevent WHERE household_id IN ({OLD})")
    c.execute(f"DELETE FROM households_household WHERE id IN ({OLD})")
path = Path(tempfile.mkdtemp(prefix="minqing-bench-import-")) / "households.xlsx"
members = build_file(path, 10000)
before = Household.objects.count()
t0 = time.perf_counter()
from households.models import Township
report = importer.apply(path, township=Township.objects.get(code="DX"))  # the file names 鼎新乡's villages
out["seconds"] = time.perf_counter() - t0
out["households_added"] = Household.objects.count() - before
out["members_in_file"] = members
out["summary"] = "；".join(report.summary_lines())
out["problems"] = len(report.problems)
"""

REPORT_BODY = r"""
import tempfile
from pathlib import Path
try:
    from dashboards.exports import build_county_workbook, build_monthly_workbook
    from dashboards.periods import Period
except ImportError as e:
    out["unavailable"] = f"not available yet ({{e}})"
else:
    from households.models import Township
    period = Period.parse_month({month!r})
    out["month"] = {month!r}
    folder = Path(tempfile.mkdtemp(prefix="minqing-bench-report-"))
    # One township's report (the demo township's: every case, visit and revisit of it) …
    township = Township.objects.order_by("sort_order", "name").first()
    t0 = time.perf_counter()
    stats = build_monthly_workbook(period, str(folder / "report.xlsx"), township=township)
    out["seconds"] = time.perf_counter() - t0
    out["rows"] = dict(stats.rows)
    out["file_mb"] = (folder / "report.xlsx").stat().st_size / 2**20
    # … and the county workbook (县级汇总: the county's figures and one row per township).
    t0 = time.perf_counter()
    county = build_county_workbook(period, str(folder / "county.xlsx"))
    out["county_seconds"] = time.perf_counter() - t0
    out["county_cases"] = county.cases
"""


def run_child(body: str, database_url: str, timeout: int = 1800) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    script = CHILD.format(root=str(ROOT), body=body)
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": (proc.stderr or proc.stdout)[-2000:]}


# --- the whole run -----------------------------------------------------------------------------------


def chosen(pages: list[Page], keys: str) -> list[Page]:
    """``BENCH_PAGES=cases,case_`` measures the pages whose key starts with one of the comma-separated prefixes."""
    prefixes = tuple(k.strip() for k in keys.split(",") if k.strip())
    return [p for p in pages if p.key.startswith(prefixes)] if prefixes else pages


def measure(info: dict, database_url: str, *, requests_per_page: int, log) -> dict:
    only = os.getenv("BENCH_PAGES", "")
    pages = chosen(plan_pages(info, requests_per_page), only)
    from django.db import connection

    connection.close()
    results: list[Result] = []
    with Server(database_url, log) as server:
        sessions: dict[str, requests.Session] = {"": requests.Session()}
        for role in sorted({p.role for p in pages if p.role}):
            sessions[role] = login(server.base, role)
        for page in pages:
            result = run_page(sessions[page.role], server.base, page, requests_per_page)
            results.append(result)
            log(_line(result))
        # The case list under load: ten clients at once on gunicorn's two workers.
        for page in (p for p in pages if p.key == "cases"):
            result = run_concurrent(server.base, page, CONCURRENT_CLIENTS, max(5, requests_per_page))
            results.append(result)
            log(_line(result))
    load_during = os.getloadavg()
    if only:  # a few pages measured again while working on them: not the import nor the report
        skipped = {"unavailable": f"skipped (BENCH_PAGES={only})"}
        return _results(info, requests_per_page, results, skipped, skipped, load_during)
    month = info["report_month"][0]
    month_key = (dt.datetime.fromisoformat(month) + dt.timedelta(hours=12)).strftime("%Y-%m")
    log("导入 10,000 户 …")
    if (ROOT / "bench" / "import_households.py").exists():
        imported = run_child(IMPORT_BODY, database_url)
    else:
        imported = {"unavailable": "not available yet (bench/import_households.py is missing)"}
    log(f"  {imported}")
    log(f"月报 {month_key} …")
    report = run_child(REPORT_BODY.replace("{month!r}", repr(month_key)).replace("{{e}}", "{e}"), database_url)
    log(f"  {report}")
    return _results(info, requests_per_page, results, imported, report, load_during)


def _results(info: dict, requests_per_page: int, results: list[Result], imported: dict, report: dict, load) -> dict:
    errors = [r.key for r in results if r.status == "error"]  # a timeout is a (very) slow page, not a failure
    if "error" in imported:
        errors.append("import")
    if "error" in report:
        errors.append("monthly_report")
    return {
        "scale": info["scale"],
        "generated": {
            "counts": info["counts"],
            "status_counts": info["status_counts"],
            "timings_s": info["timings"],
            "database_size": info.get("database_size"),
            "now": info["now"],
        },
        "requests_per_page": requests_per_page,
        "target_p95_ms": TARGET_P95_MS,
        "pages": [r.__dict__ for r in results],
        "import_10000_households": imported,
        "monthly_report": report,
        "errors": errors,
        "load_average_after_pages": load,
        "cpus": os.cpu_count(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def _fmt(value, spec=".0f") -> str:
    return "-" if value is None else format(value, spec)


def _line(r: Result) -> str:
    queries = (
        "-"
        if r.queries_min is None
        else (str(r.queries_min) if r.queries_min == r.queries_max else f"{r.queries_min}–{r.queries_max}")
    )
    flag = ""
    if r.p95_ms is not None and r.p95_ms > target_ms(r.key) and not r.clients:
        flag = f"  ✗ p95 > {target_ms(r.key)} ms"
    if r.rps is not None:
        flag = f"  {r.rps:.1f} requests/s from {r.clients} clients"
    if r.status != "ok":
        flag = f"  {r.status}: {r.note}"
    return (
        f"{r.key:<30} {r.role:<10} {_fmt(r.first_ms):>7} {_fmt(r.median_ms):>7} {_fmt(r.p95_ms):>7} "
        f"{_fmt(r.server_median_ms):>7} "
        f"{_fmt(r.db_median_ms):>6} {queries:>6} {_fmt(r.kb):>6} {_fmt(r.rows, 'd'):>5}{flag}"
    )


def print_table(results: dict) -> None:
    gen = results["generated"]
    counts = gen["counts"]
    print()
    print(
        f"BENCH_SCALE={results['scale']:g}  households {counts.get('households_household', 0):,}  "
        f"people {counts.get('households_person', 0):,}  cases {counts.get('petitions_petition', 0):,}  "
        f"events {counts.get('petitions_petitionevent', 0):,}  visits {counts.get('visits_visit', 0):,}  "
        f"db {gen.get('database_size')}  generated in {gen['timings_s'].get('total', 0):.0f} s"
    )
    load = results.get("load_average_after_pages") or [0, 0, 0]
    print(
        f"{results['requests_per_page']} requests per page after 2 warm-ups; target p95 ≤ {TARGET_P95_MS} ms "
        f"(numbers {METRICS_TARGET_P95_MS} ms); "
        f"load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on {results.get('cpus')} CPUs"
    )
    print(
        f"{'page':<30} {'as':<10} {'first':>7} {'median':>7} {'p95':>7} {'server':>7} {'db ms':>6} {'SQL':>6} "
        f"{'KB':>6} {'rows':>5}"
    )
    for r in results["pages"]:
        print(_line(Result(**r)))
    imp = results["import_10000_households"]
    if "seconds" in imp:
        print(
            f"{'import 10,000 households':<41} {imp['seconds'] * 1000:>7.0f} ms total, peak RSS "
            f"{imp['peak_rss_mb']:.0f} MB ({imp.get('summary', '')})"
        )
    else:
        print(f"import 10,000 households: {imp.get('unavailable') or imp}")
    rep = results["monthly_report"]
    if "seconds" in rep:
        print(
            f"{'monthly report ' + rep['month']:<41} {rep['seconds'] * 1000:>7.0f} ms total, peak RSS "
            f"{rep['peak_rss_mb']:.0f} MB, {rep['rows'].get('诉求明细', 0)} cases of one township; the county "
            f"workbook {rep.get('county_seconds', 0) * 1000:.0f} ms, {rep.get('county_cases', 0)} cases"
        )
    else:
        print(f"monthly report: {rep.get('unavailable') or rep}")

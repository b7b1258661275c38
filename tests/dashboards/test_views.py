"""The leaders' pages: who may open them, metrics.json's shape, every number's link listing exactly the cases
counted, and query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import metrics
from dashboards.periods import Period
from petitions import workflow
from petitions.models import Petition, Status
from tests.dashboards.conftest import MARCH
from tests.dashboards.test_metrics import BY_HAND, names

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("dashboards:metrics"),
    reverse("dashboards:metrics") + "?kind=quarter&year=2026&quarter=1",
    reverse("dashboards:metrics") + "?kind=year&year=2026",
    reverse("dashboards:metrics") + "?kind=custom&from=2026-03-01&to=2026-03-31",
    reverse("dashboards:metric_cases") + "?measure=response_rate&part=numerator&from=2026-03-01&to=2026-03-31",
    reverse("dashboards:hotspots"),
    reverse("dashboards:supervision"),
    reverse("dashboards:supervision_print"),
    reverse("dashboards:reports"),
]


@pytest.mark.parametrize("url", PAGES + [reverse("dashboards:metrics_json")])
@pytest.mark.parametrize(
    ("persona", "status"),
    [("leader", 200), ("admin_user", 200), ("reception", 403), ("handler_minzheng", 403), ("liaison_a", 403)],
)
def test_only_leaders_and_admins_open_the_leaders_pages(request, client_as, url, persona, status):
    response = client_as(request.getfixturevalue(persona)).get(url)
    assert response.status_code == status


@pytest.mark.parametrize("url", PAGES + [reverse("dashboards:metrics_json")])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_metrics_json_path_and_refusal_in_chinese(client_as, reception):
    assert reverse("dashboards:metrics_json") == "/dashboards/metrics.json"
    response = client_as(reception).get("/dashboards/metrics.json?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 403
    assert "领导" in response.json()["error"]


def test_metrics_json_shape(client_as, leader, march):
    response = client_as(leader).get("/dashboards/metrics.json?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    for key in metrics.MEASURE_KEYS:
        assert set(data[key]) == {"value", "numerator", "denominator"}
        numerator, denominator = BY_HAND[key]
        assert (data[key]["numerator"], data[key]["denominator"]) == (len(numerator), len(denominator))
    assert data["from"] == "2026-03-01" and data["to"] == "2026-03-31"
    for group in ("by_village", "by_department"):
        assert data[group], group
        for row in data[group]:
            assert {"id", "name", *metrics.MEASURE_KEYS} <= set(row)
            assert set(row["repeat_rate"]) == {"value", "numerator", "denominator"}
    assert {row["name"] for row in data["by_village"]} == {"和平村", "大井村"}


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01&to=2026-12-31",
        "from=2026-03-01&to=yesterday",
        "from=2026-03-31&to=2026-03-01",
        "from=2026-03-01",
        "from=20260301&to=20260331",
    ],  # fmt: skip
)
def test_metrics_json_bad_dates_are_400_in_chinese(client_as, leader, query):
    response = client_as(leader).get(f"/dashboards/metrics.json?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "日期" in error
    assert "YYYY-MM-DD" in error or "早于" in error


def test_metrics_json_without_dates_is_the_current_month(client_as, leader):
    data = client_as(leader).get("/dashboards/metrics.json").json()
    assert data["from"] == Period.current_month().start.isoformat()


def test_each_number_on_the_page_links_to_exactly_its_cases(client_as, leader, march):
    client = client_as(leader)
    response = client.get(reverse("dashboards:metrics") + "?kind=month&month=2026-03")
    assert response.status_code == 200
    page = response.content.decode()
    for cell in response.context["overall"]:
        numerator, denominator = BY_HAND[cell.measure.key] if hasattr(cell, "measure") else BY_HAND[cell["measure"].key]
        for url, expected in [(cell["numerator_url"], numerator), (cell["denominator_url"], denominator),
                              (cell["missed_url"], denominator - numerator)]:  # fmt: skip
            assert url.replace("&", "&amp;") in page
            listed = client.get(url)
            assert listed.status_code == 200
            assert names(march, Petition.objects.filter(pk__in=[p.pk for p in listed.context["page_obj"]])) == expected


@pytest.mark.parametrize("by", [d for d in metrics.DIMENSIONS if d != "township"])
def test_group_links_list_the_groups_cases(client_as, leader, march, by):
    client = client_as(leader)
    response = client.get(reverse("dashboards:metrics") + f"?kind=month&month=2026-03&by={by}")
    group = response.context["group"]
    assert group["dimension"].key == by and group["rows"]
    for item in group["rows"]:
        for cell in item["cells"]:
            if cell["figure"].denominator:  # the page links only figures with a denominator
                listed = client.get(cell["numerator_url"])
                assert listed.context["page_obj"].paginator.count == cell["figure"].numerator_cases
                listed = client.get(cell["denominator_url"])
                assert listed.context["page_obj"].paginator.count == cell["figure"].denominator


def test_one_grouping_at_a_time_sorted_lowest_first_and_paged(client_as, leader, march, monkeypatch):
    from dashboards import views

    client = client_as(leader)
    url = reverse("dashboards:metrics") + "?kind=month&month=2026-03&by=village"
    page = client.get(url).content.decode()
    assert 'id="by-village"' in page and 'id="by-department"' not in page
    assert "按牵头单位" in page  # the other groupings are a click away
    rates = [
        r["row"].figures["on_time_rate"].value for r in client.get(url + "&sort=on_time_rate").context["group"]["rows"]
    ]
    known = [v for v in rates if v is not None]
    assert known == sorted(known) and rates[: len(known)] == known  # lowest first, the groups without figures last
    monkeypatch.setattr(views, "GROUP_ROWS_PER_PAGE", 1)
    first = client.get(url)
    assert len(first.context["group"]["rows"]) == 1 and first.context["rows_page"].paginator.num_pages > 1
    second = client.get(url + "&page=2").context["group"]["rows"][0]["row"]
    assert second.label != first.context["group"]["rows"][0]["row"].label


def test_the_page_states_the_definitions_and_draws_the_trend(client_as, leader, march, settings):
    settings.MINQING_SATISFACTION_BASIC_WEIGHT = 0.9
    response = client_as(leader).get(reverse("dashboards:metrics") + "?kind=month&month=2026-03")
    page = response.content.decode()
    for measure in metrics.MEASURES:
        assert measure.definition in page
    assert "k = 0.9" in page
    assert "<svg" in page and "pygal" in page
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    # No chart script or style from outside the site (pygal's default loads its tooltips from a CDN).
    assert not re.search(r"""(src|href)=["']https?://""", page) and "kozea.github.io" not in page


def test_period_chooser(client_as, leader):
    client = client_as(leader)
    assert client.get(reverse("dashboards:metrics") + "?kind=quarter&year=2026&quarter=1").context["period"] == Period(
        dt.date(2026, 1, 1), dt.date(2026, 3, 31), "quarter"
    )
    assert client.get(reverse("dashboards:metrics") + "?kind=year&year=2025").context["period"].label == "2025年"
    custom = client.get(reverse("dashboards:metrics") + "?kind=custom&from=2026-03-05&to=2026-03-20")
    assert custom.context["period"] == Period(dt.date(2026, 3, 5), dt.date(2026, 3, 20), "custom")
    bad = client.get(reverse("dashboards:metrics") + "?kind=month&month=2026-13")
    assert bad.status_code == 200
    assert "格式不正确" in bad.content.decode()
    assert bad.context["period"] == Period.current_month()


@pytest.mark.parametrize(
    "query",
    [
        "measure=nope&part=numerator&from=2026-03-01&to=2026-03-31",
        "measure=response_rate&part=nope&from=2026-03-01&to=2026-03-31",
        "measure=response_rate&part=numerator&from=2026-03-01&to=bad",
        "measure=response_rate&part=numerator&from=2026-03-01&to=2026-03-31&dim=village&key=abc",
    ],  # fmt: skip
)
def test_drill_down_refuses_bad_parameters(client_as, leader, query):
    response = client_as(leader).get(f"{reverse('dashboards:metric_cases')}?{query}")
    assert response.status_code == 400


def _sql(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"][:90] for q in ctx.captured_queries]


def _queries(client, url) -> int:
    return len(_sql(client, url))


def _more_cases(make_petition, leader, village_b, dept_zigui, n):
    for i in range(n):
        state = [Status.IN_PROGRESS, Status.REPLIED, Status.CLOSED, Status.ASSIGNED][i % 4]
        p = make_petition(state, village=village_b if i % 2 else None, lead_department=dept_zigui if i % 3 else None)
        if p.status == Status.IN_PROGRESS:
            Petition.objects.filter(pk=p.pk).update(reply_by="2026-11-02")
        if i % 5 == 0 and p.status in (Status.IN_PROGRESS, Status.ASSIGNED):
            workflow.petition_supervise(petition=p, by=leader, note="督办")


@pytest.mark.parametrize("url", PAGES)
def test_dashboard_query_count_does_not_grow(
    client_as, leader, make_petition, village_b, dept_zigui, handler_zigui, url
):
    client = client_as(leader)
    for _ in range(3):  # three of a kind in 和平村 this month: a hot spot from the start
        make_petition()
    _more_cases(make_petition, leader, village_b, dept_zigui, 3)
    few = _queries(client, url)
    _more_cases(make_petition, leader, village_b, dept_zigui, 30)
    assert _queries(client, url) == few


def test_metrics_page_query_budget(client_as, leader, make_petition, village_b, dept_zigui, handler_zigui):
    """session, user, scope (groups, villages, departments, townships); this month beside the previous one (3: which of
    their past spans are kept, none yet; cases; revisits); the twelve-month trend (3); the grouping by village
    (4: the same kept spans, cases, revisits, the villages' names); the period's 集体访 and 越级访 (1); the unread
    count; the idle session's save (savepoint, update, release)."""
    _more_cases(make_petition, leader, village_b, dept_zigui, 8)
    client = client_as(leader)
    queries = _sql(client, reverse("dashboards:metrics"))
    assert len(queries) == 21, "\n".join(queries)


def fresh_cache(settings) -> None:
    """A cache namespace of the test's own: on Redis both test processes share one database, so clearing it
    (FLUSHDB) would wipe the other process's figures, queues and results mid-test."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture
def remember_all_figures(settings):
    """As on a county server where every figure is slow to compute."""
    settings.MINQING_METRICS_CACHE_SECONDS = 600
    settings.MINQING_METRICS_CACHE_AFTER_MS = 0
    fresh_cache(settings)


def test_slow_figures_are_remembered_and_the_page_says_since_when(
    remember_all_figures, client_as, leader, make_petition, village_b, dept_zigui, handler_zigui
):
    _more_cases(make_petition, leader, village_b, dept_zigui, 8)
    client = client_as(leader)
    url = reverse("dashboards:metrics")
    first = client.get(url)
    assert first.context["computed_at"] is None  # computed for this request
    computed = _sql(client, url)
    assert not any("petitions_petition" in q for q in computed), "\n".join(computed)
    again = client.get(url)
    assert again.context["computed_at"] is not None
    assert "本页数据统计于" in again.content.decode()
    assert again.context["overall"][0]["figure"] == first.context["overall"][0]["figure"]


def test_metrics_json_says_when_its_figures_were_computed(remember_all_figures, settings, client_as, leader, march):
    client = client_as(leader)
    url = reverse("dashboards:metrics_json") + "?from=2026-03-01&to=2026-03-31"
    first = client.get(url).json()
    Petition.objects.update(is_repeat=True)  # every March case now a repeat …
    assert client.get(url).json() == first  # … but the remembered figures stand, with their time
    assert dt.datetime.fromisoformat(first["computed_at"]).tzinfo is not None
    fresh_cache(settings)
    fresh = client.get(url).json()
    assert fresh["repeat_rate"]["numerator"] == fresh["repeat_rate"]["denominator"] > first["repeat_rate"]["numerator"]


def test_remembered_figures_change_right_after_a_revisit(
    remember_all_figures, client_as, leader, reception, make_petition
):
    replied = make_petition(Status.REPLIED)
    client = client_as(leader)
    url = reverse("dashboards:metrics_json")  # this month
    first = client.get(url).json()
    assert client.get(url).json() == first  # remembered
    workflow.petition_revisit(petition=replied, by=reception, solved=True, satisfaction="satisfied")
    after = client.get(url).json()
    assert after["resolution_rate"]["denominator"] == first["resolution_rate"]["denominator"] + 1
    assert after["computed_at"] > first["computed_at"]
    another = make_petition(Status.REPLIED)
    client.get(reverse("dashboards:metrics"))
    assert client.get(reverse("dashboards:metrics")).context["computed_at"] is not None  # remembered
    workflow.petition_revisit(petition=another, by=reception, solved=False, satisfaction="unsatisfied")  # reopened
    assert client.get(reverse("dashboards:metrics")).context["computed_at"] is None  # computed again


def test_cheap_figures_are_always_fresh(settings, client_as, leader, march):
    fresh_cache(settings)
    settings.MINQING_METRICS_CACHE_SECONDS = 600
    settings.MINQING_METRICS_CACHE_AFTER_MS = 60_000  # nothing here takes a minute
    client = client_as(leader)
    url = reverse("dashboards:metrics_json") + "?from=2026-03-01&to=2026-03-31"
    assert client.get(url).json()["computed_at"] != client.get(url).json()["computed_at"]


def test_drill_down_link_path(client_as, leader, march):
    response = client_as(leader).get(reverse("dashboards:metrics") + "?kind=month&month=2026-03")
    url = response.context["overall"][0]["numerator_url"]
    assert urlparse(url).path == "/dashboards/metrics/cases/"
    period = Period(*MARCH)
    assert f"from={period.start.isoformat()}" in url

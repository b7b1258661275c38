"""No page a user reads names a setting (MINQING_…): walk the demo township as each persona, following the
links of every page reached from the desk, and look."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from tests.demo import seed_demo

PERSONAS = ["reception", "leader", "handler", "handler2", "liaison", "liaison2", "admin"]
HREF = re.compile(r'href="(/[^"#]*)"')
#: Not pages to read: signing out, downloads and the admin (系统配置 has its own test).
SKIP = re.compile(r"^/(accounts/logout|admin/|static/|media/|favicon)|/download/|/export/|/attachments/|/template/")
PER_SHAPE = 3  # /petitions/12/ and /petitions/13/ are one page shape: a few of each is enough
MAX_PAGES = 150


def shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + ("?" + ",".join(sorted(re.findall(r"(\w+)=", parts.query))))


def crawl(client) -> dict[str, str]:
    pages: dict[str, str] = {}
    seen_shapes: Counter = Counter()
    queue = ["/"]
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0).replace("&amp;", "&")
        if url in pages or SKIP.search(url) or "page=" in url or seen_shapes[shape(url)] >= PER_SHAPE:
            continue
        seen_shapes[shape(url)] += 1
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        if response.status_code != 200 or not response["Content-Type"].startswith(("text/html", "application/json")):
            continue
        text = response.content.decode()
        pages[url] = text
        queue.extend(HREF.findall(text))
    return pages


@pytest.mark.django_db
def test_no_user_page_names_a_setting(client):
    seed_demo()
    found, walked = [], {}
    for username in PERSONAS:
        client.force_login(get_user_model().objects.get(username=username))
        pages = crawl(client)
        walked[username] = {urlsplit(url).path for url in pages}
        found += [f"{username} {url}" for url, text in pages.items() if "MINQING_" in text]
        client.logout()
    assert found == []
    # The walk went past the desks, and reached the pages that used to name settings.
    assert all(len(paths) >= 8 for paths in walked.values()), {u: len(p) for u, p in walked.items()}
    assert {"/dashboards/metrics/", "/dashboards/hotspots/"} <= walked["leader"]

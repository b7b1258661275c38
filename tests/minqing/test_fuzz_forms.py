"""Random text in every form field never produces a server error (hypothesis).

For each form page, the test reads the field names from the rendered form itself (so a new field is fuzzed
without touching this file), fills every field with random text, and submits it as the role that uses the
page. Any answer is fine but a 5xx: bad input must get a message, never a crash. GET forms (filters,
metrics.json) get random query strings the same way.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.minqing.test_access_matrix import fill, objects  # noqa: F401 — the shared fixture

SKIP = {"csrfmiddlewaretoken"}

# Random text as people and machines send it: any unicode, including NUL and very long strings.
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "1e999", "2026-13-45", "NaN", "\x00", "'; --"]),
)


class FormFields(HTMLParser):
    """The names of the fields of the page's forms with the given method (file inputs left out)."""

    def __init__(self, method: str):
        super().__init__()
        self.method, self.inside, self.names = method, False, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (attrs.get("method") or "get").lower() == self.method
        elif self.inside and tag in ("input", "select", "textarea"):
            name = attrs.get("name")
            if name and name not in SKIP and attrs.get("type") not in ("file", "submit", "button"):
                self.names.append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def field_names(html: str, method: str) -> list[str]:
    parser = FormFields(method)
    parser.feed(html)
    return sorted(set(parser.names))


POST_FORMS = [
    ("reception", "/petitions/new/"),
    ("reception", "/households/new/"),
    ("leader", "/households/{household_own}/edit/"),
    ("leader", "/petitions/{case_own}/act/supervise/"),
    ("leader", "/dashboards/reports/"),
    ("handler", "/petitions/{case_own}/act/progress/"),
    ("handler", "/petitions/{case_own}/act/request_extension/"),
    ("handler", "/petitions/{case_own}/act/reply/"),
    ("liaison", "/visits/new/"),
    ("liaison", "/visits/{visit_own}/edit/"),
    ("liaison", "/visits/{visit_own}/open-case/"),
    ("liaison", "/visits/revisits/{replied_own}/new/"),
    ("leader", "/accounts/password_change/"),
    ("anon", "/accounts/login/"),
    ("anon", "/public/lookup/"),
    # Last: a random but valid reason withdraws the case the forms above work on.
    ("leader", "/petitions/{case_own}/act/withdraw/"),
]

GET_FORMS = [
    ("leader", "/petitions/"),
    ("leader", "/households/"),
    ("leader", "/visits/"),
    ("leader", "/visits/contacts/"),
    ("leader", "/dashboards/metrics/"),
    ("anon", "/public/"),
]
# Query parameters that some pages read without showing them in a form.
EXTRA_GET = {
    "/dashboards/metrics/": ["from", "to", "period", "measure", "by", "key"],
    "/public/": ["page", "village", "subject", "month"],
    "/petitions/": ["page"],
}

FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))


def login(client, persona):
    client.logout()
    if persona != "anon":
        client.force_login(get_user_model().objects.get(username=persona))


def fuzz_post(client, url: str, names: list[str]):
    @FUZZ
    @given(st.data())
    def submit(data):
        payload = {name: data.draw(TEXT, label=name) for name in names}
        response = client.post(url, payload)
        assert response.status_code < 500, (url, payload)

    submit()


def fuzz_get(client, url: str, names: list[str]):
    @FUZZ
    @given(st.data())
    def query(data):
        params = {name: data.draw(TEXT, label=name) for name in names}
        response = client.get(url, params)
        assert response.status_code < 500, (url, params)

    query()


@pytest.mark.django_db
def test_random_text_in_every_field_of_every_form_never_crashes(objects, client):  # noqa: F811
    # One data set for all forms (building the demo township is the slow part); each form is fuzzed in turn.
    for persona, template in POST_FORMS:
        url = fill(template, objects)
        login(client, persona)
        page = client.get(url)
        assert page.status_code == 200, f"{url} should show its form to {persona}"
        names = field_names(page.content.decode(), "post")
        assert names, f"no fields found on {url}"
        fuzz_post(client, url, names)


@pytest.mark.django_db
def test_random_query_strings_on_every_filter_never_crash(objects, client):  # noqa: F811
    for persona, template in GET_FORMS:
        url = fill(template, objects)
        login(client, persona)
        page = client.get(url)
        assert page.status_code == 200
        names = sorted(set(field_names(page.content.decode(), "get")) | set(EXTRA_GET.get(template, [])))
        assert names, f"no query fields found on {url}"
        fuzz_get(client, url, names)


@pytest.mark.django_db
def test_random_dates_for_metrics_json_never_crash(objects, client):  # noqa: F811
    login(client, "leader")

    @FUZZ
    @given(TEXT, TEXT)
    def query(start, end):
        response = client.get("/dashboards/metrics.json", {"from": start, "to": end})
        assert response.status_code in (200, 400)

    query()

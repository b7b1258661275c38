"""The lists' filter forms are drawn by ``{% filter_form %}`` (minqing/templatetags/filter_forms.py) instead of
crispy's template chain: the same HTML, field for field, errors and hidden labels included."""

from __future__ import annotations

import re

import pytest
from crispy_forms.utils import render_crispy_form
from django.test import RequestFactory

from households.filters import HouseholdFilter, filter_helper
from households.models import Household
from minqing.access import scope_for
from minqing.templatetags.filter_forms import filter_form
from petitions.filters import PetitionFilter
from petitions.models import Petition
from visits.filters import VisitFilter
from visits.models import Visit

pytestmark = pytest.mark.django_db

# A search, a checked box, a chosen status, a date, and two values no choice has (their errors are shown).
QUERY = "/?q=路灯&overdue=on&status=closed&village=abc&kind=nope&received_from=2026-11-01&date_from=2026-11-01"


def same_markup(html: str) -> str:
    """Whitespace between and inside tags carries no meaning for the browser: crispy's templates leave plenty."""
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"\s*(<|>)\s*", r"\1", html)
    return html.replace('" />', '">').replace(" >", ">").strip()


@pytest.mark.parametrize(
    "filterset, model, helper",
    [(PetitionFilter, Petition, None), (HouseholdFilter, Household, filter_helper), (VisitFilter, Visit, None)],
)
def test_a_filter_form_is_the_html_crispy_draws(leader, village_a, dept_minzheng, filterset, model, helper):
    request = RequestFactory().get(QUERY)
    request.user, request.scope = leader, scope_for(leader)

    def drawn(render):
        filters = filterset(request.GET, queryset=model.objects.all(), request=request)
        assert not filters.form.is_valid()  # the unknown village is an error next to its field
        return same_markup(render(filters.form, helper() if helper else filters.form.helper))

    ours = drawn(filter_form)  # first: crispy writes its classes into the widgets it draws
    assert ours == drawn(render_crispy_form)
    assert 'class="invalid-feedback"' in ours and 'value="路灯"' in ours
    assert ('form-check-input" id="id_overdue" checked' in ours) == (
        filterset is PetitionFilter  # the only one of the three with check boxes
    )


def test_a_layout_object_it_does_not_know_is_refused(leader):
    from crispy_forms.helper import FormHelper
    from crispy_forms.layout import HTML, Layout

    request = RequestFactory().get("/")
    request.user, request.scope = leader, scope_for(leader)
    helper = FormHelper()
    helper.layout = Layout(HTML("<p>说明</p>"))
    with pytest.raises(TypeError, match="HTML"):
        filter_form(PetitionFilter(request.GET, queryset=Petition.objects.all(), request=request).form, helper)

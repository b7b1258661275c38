"""化解在村率 with village triage (issue 17): a case the village settled (在村化解) and the petitioner was satisfied
with counts as resolved in the village; one the village sent up does not, even when a settlement of it was reopened
first; and the kept counts (dashboards.summaries) stay exact through every triage action."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards import metrics, summaries
from dashboards.periods import Period
from petitions import workflow
from petitions.models import Petition, Status
from tests.conftest import make_user
from tests.dashboards.conftest import MARCH, TODAY, B, S, U, at, t
from tests.dashboards.test_summaries import TODAY as JULY_15
from tests.dashboards.test_summaries import all_figures, history, kept

pytestmark = pytest.mark.django_db


class Triage:
    """The village's side of the township builder: a liaison of each village and the committee's handler."""

    def __init__(self, township):
        self.tw = township
        self.liaison_a = make_user("cun_liaison_a", "liaison", villages=[township.village_a], full_name="陈秀英")
        self.liaison_b = make_user("cun_liaison_b", "liaison", villages=[township.village_b], full_name="刘强")

    def liaison(self, village):
        return self.liaison_a if village == self.tw.village_a else self.liaison_b

    def raise_case(self, when, village, **fields):
        """A liaison registers a case found on a visit and refers it to the village (先由村处理)."""
        self.tw.n += 1
        with at(when):
            petition = workflow.petition_register(
                by=self.liaison(village),
                channel="door_visit",
                petitioner_name=f"村民{self.tw.n}",
                petitioner_phone=f"1370000{self.tw.n:04d}",
                category=self.tw.dibao,
                summary=f"走访发现{self.tw.n}",
                content="走访中群众反映。",
                village=village,
                **fields,
            )
            workflow.petition_refer_to_village(petition=petition, by=self.liaison(village))
        return petition

    def settle(self, petition, when, by=None):
        with at(when):
            workflow.petition_settle_in_village(
                petition=petition,
                by=by or self.liaison(petition.village),
                analysis="邻里误会，村里能够调解。",
                measures="村两委组织双方调解，达成一致。",
                settled_by="村主任王明",
                settled_on=dt.date(when.year, when.month, when.day),
            )

    def send_up(self, petition, when):
        with at(when):
            workflow.petition_send_up(
                petition=petition, by=self.liaison(petition.village), analysis="涉及政策，村里无权决定。"
            )


@pytest.fixture
def triage(township):
    return Triage(township)


def test_a_settlement_the_petitioner_is_satisfied_with_counts_as_resolved_in_the_village(township, triage):
    tw = township
    # v1: 和平村's liaison settles it, revisited satisfied: resolved in the village.
    v1 = triage.raise_case(t(3, 2), tw.village_a)
    assert v1.status == Status.VILLAGE_TRIAGE and v1.lead_department == tw.cun  # the committee waits on it
    triage.settle(v1, t(3, 3))
    assert v1.status == Status.REPLIED and v1.settled_in_village
    tw.revisit(v1, t(3, 10), S, True)
    # v2: settled by 和平村委会's handler, revisited basically satisfied: resolved in the village too.
    v2 = triage.raise_case(t(3, 4), tw.village_a)
    triage.settle(v2, t(3, 5), by=tw.handler_cun)
    tw.revisit(v2, t(3, 12), B, True)
    # v3: 大井村 (no committee set up) settles it, the petitioner is not satisfied: back to the village, which sends
    # it up; the township routes it to 民政办, which replies; closed in March, but not resolved in the village.
    v3 = triage.raise_case(t(3, 4), tw.village_b)
    assert v3.lead_department is None
    triage.settle(v3, t(3, 5))
    tw.revisit(v3, t(3, 9), U, False)
    v3.refresh_from_db()
    assert (v3.status, v3.reopen_count, v3.settled_in_village) == (Status.VILLAGE_TRIAGE, 1, True)
    triage.send_up(v3, t(3, 10))
    assert (v3.status, v3.settled_in_village) == (Status.AWAITING_INSTRUCTION, False)
    with at(t(3, 11)):
        workflow.petition_route(petition=v3, by=tw.leader, instruction="民政办核实。", lead_department=tw.minzheng)
    tw.sign(v3, t(3, 11, 15))
    tw.reply(v3, t(3, 13))
    tw.revisit(v3, t(3, 20), S, True)
    # v4: sent up straight away and still waiting for instruction: in no closed count.
    v4 = triage.raise_case(t(3, 6), tw.village_b)
    triage.send_up(v4, t(3, 7))
    # c1: routed to 民政办 and closed satisfied: closed, not in the village.
    c1 = tw.handled(tw.village_a, tw.minzheng, t(3, 2), t(3, 3), t(3, 5))
    tw.revisit(c1, t(3, 10), S, True)

    figure = metrics.compute(Period(*MARCH), today=TODAY)["village_resolution_rate"]
    assert (figure.numerator, figure.denominator) == (2, 4)
    parts = metrics.measure_parts(Period(*MARCH), today=TODAY)["village_resolution_rate"]
    assert set(Petition.objects.filter(parts.numerator).values_list("pk", flat=True)) == {v1.pk, v2.pk}
    assert set(Petition.objects.filter(parts.denominator).values_list("pk", flat=True)) == {v1.pk, v2.pk, v3.pk, c1.pk}


def test_the_numbers_page_states_the_rule():
    definition = metrics.MEASURES_BY_KEY["village_resolution_rate"].definition
    assert "在村化解" in definition and "上报乡镇的不计" in definition


def test_kept_counts_equal_a_fresh_count_after_triage_actions(township, triage):
    """Half a year of cases kept as month and day counts; then the villages settle, send up and reopen cases of
    earlier months: the figures read from the kept counts are those counted afresh from the cases."""
    tw = township
    history(tw)
    villages = (tw.village_a, tw.village_b)
    waiting = [triage.raise_case(dt.datetime(2026, m, 10, 9), v) for m in (2, 4, 5) for v in villages]
    settled = triage.raise_case(dt.datetime(2026, 3, 3, 9), tw.village_a)
    triage.settle(settled, dt.datetime(2026, 3, 4, 9))
    tw.revisit(settled, dt.datetime(2026, 3, 20, 9), S, True)  # closed in March, resolved in the village
    reopened = triage.raise_case(dt.datetime(2026, 4, 3, 9), tw.village_a)
    triage.settle(reopened, dt.datetime(2026, 4, 4, 9))
    summaries.refresh(today=JULY_15)
    assert kept(Period.year(2026))  # read from kept counts
    before = all_figures()

    # Today (mid-July): settlements, a sending up, an unsatisfied revisit back to the village and a satisfied one.
    triage.settle(waiting[0], dt.datetime(2026, 7, 13, 9))
    tw.revisit(waiting[0], dt.datetime(2026, 7, 14, 9), S, True)
    triage.send_up(waiting[1], dt.datetime(2026, 7, 13, 10))
    triage.settle(waiting[2], dt.datetime(2026, 7, 13, 11), by=tw.handler_cun)
    tw.revisit(reopened, dt.datetime(2026, 7, 14, 10), U, False)  # back to the village
    triage.send_up(reopened, dt.datetime(2026, 7, 14, 11))

    after = all_figures()
    assert after != before
    summaries.forget()
    assert all_figures() == after  # exactly as counted from the cases
    summaries.refresh(today=JULY_15)
    assert all_figures() == after

"""Helpers for the lists tests: households and visits from the visits tests, cases from the petitions tests, the
dashboards' March of cases (``march``, ``township``) for the bulletins' measures."""

from tests.dashboards.conftest import march, township  # noqa: F401
from tests.petitions.conftest import category, make_petition  # noqa: F401
from tests.visits.conftest import household_a, household_b, local, make_household, make_visit  # noqa: F401

"""The shared web fixtures (practices, users per role, records) for the job tests."""

from tests.web.conftest import (  # noqa: F401 - pytest fixtures
    as_role,
    other_practice,
    other_records,
    practice,
    records,
    users,
)

"""The kinds of job Knead runs. An app declares each of its kinds in its ``jobs`` module:

    @job_kind("era_import", label="835 import", view="billing.view", retry="billing.edit")
    def era_import(ctx: JobContext, remittance: int) -> str:
        ...
        return "Posted 4 claims."

The function takes a ``knead.jobs.runner.JobContext`` and the job's arguments (JSON values)
and returns a one-line summary. It must be idempotent: a worker can die at any moment, and the
job is then run again from the start. ``on_failed(job, message)`` runs when the job ends
failed, whatever the cause (an error, or its worker dying too often), to mark the records the
job was working on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knead.jobs.models import Job

JobFunction = Callable[..., str]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: JobFunction
    view: str  # the permission (knead.accounts.roles) to see the job
    retry: str  # the permission to retry it
    link: Callable[[Job], str | None] | None = None  # the page of what the job works on
    on_failed: Callable[[Job, str], None] | None = None


_KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    label: str,
    view: str,
    retry: str,
    link: Callable[[Job], str | None] | None = None,
    on_failed: Callable[[Job, str], None] | None = None,
) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as the job kind ``name``."""

    def register(function: Callable[..., str]) -> Callable[..., str]:
        if name in _KINDS and _KINDS[name].run is not function:
            raise ValueError(f"Job kind {name!r} is registered twice.")
        _KINDS[name] = JobKind(name, label, function, view, retry, link, on_failed)
        return function

    return register


def get(name: str) -> JobKind | None:
    return _KINDS.get(name)


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)

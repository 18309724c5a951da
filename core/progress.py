"""One convention for a page that waits for a worker (a PDF render, a bulk send).

The page includes `fragments/progress.html` (or marks its own notice) with
`data-poll="<url>"`, and static/js/poll.js asks that URL until the job is done, moving the
bar and the message on the way, then reloads the page, which shows the result. The URL is
a `status.json` beside the page, a ProgressView answering

    {"state": "queued|running|done|failed", "done": bool, "percent": int | null,
     "message": str, "url": str | null}

The page and its status.json build the same Progress, so a page that is done never polls.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import JsonResponse
from django.views import View

from core.models import JobStatus


@dataclass(frozen=True)
class Progress:
    """Where a job stands, for a person: `percent` when it can be counted, `url` of the
    result once there is one."""

    state: str  # a JobStatus
    message: str = ""
    percent: int | None = None
    url: str | None = None

    @property
    def done(self) -> bool:
        return JobStatus(self.state).is_finished

    def as_json(self) -> dict[str, object]:
        return {
            "state": str(self.state),
            "done": self.done,
            "percent": self.percent,
            "message": str(self.message),
            "url": self.url,
        }


def job_progress(status: str, **details: object) -> Progress:
    """The Progress of a row that keeps a JobStatus, its label as the message by default
    (an empty status is one not queued yet)."""
    state = JobStatus(status or JobStatus.QUEUED)
    details.setdefault("message", state.label)
    return Progress(state=state, **details)


class ProgressView(View):
    """A page's status.json: put it after the page's mixin (tenancy, the row) and say what
    `progress()` is; the page itself shows the same Progress."""

    http_method_names = ["get"]

    def progress(self) -> Progress:
        raise NotImplementedError

    def get(self, request, *args, **kwargs) -> JsonResponse:
        response = JsonResponse(self.progress().as_json())
        response["Cache-Control"] = "no-store"
        return response

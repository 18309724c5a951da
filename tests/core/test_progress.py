"""One answer for every page that waits for a worker (core.progress)."""

import pytest

from core.models import JobStatus
from core.progress import Progress, job_progress


def test_the_answer_has_one_shape():
    running = Progress(state=JobStatus.RUNNING, message="3 of 8", percent=37)
    assert running.as_json() == {
        "state": "running",
        "done": False,
        "percent": 37,
        "message": "3 of 8",
        "url": None,
    }


@pytest.mark.parametrize(
    "status,done",
    [("", False), ("queued", False), ("running", False), ("done", True), ("failed", True)],
)
def test_a_job_is_done_once_it_finished_either_way(status, done):
    job = job_progress(status)
    assert job.done is done
    assert job.as_json()["message"] == JobStatus(status or "queued").label

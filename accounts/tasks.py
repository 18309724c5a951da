from celery import shared_task

from core.tasks import RETRYING


@shared_task(acks_late=True, max_retries=8, **RETRYING)
def invitation_send_task(invitation_id: int) -> bool:
    from accounts.services import invitation_send

    return invitation_send(invitation_id=invitation_id)


@shared_task
def invitation_redeliver_task() -> int:
    from accounts.services import invitation_redeliver

    return invitation_redeliver()

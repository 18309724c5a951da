from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import Email
from core.outbox import outbox_enqueue


def email_render(
    *, to: list[str], template: str, context: dict, language: str = "en"
) -> EmailMultiAlternatives:
    """Render templates/emails/<template>.{subject.txt,txt,html} in the reader's language."""
    with translation.override(language):
        subject = render_to_string(f"emails/{template}.subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, to=to)
    message.attach_alternative(html, "text/html")
    return message


def email_send_now(message: EmailMultiAlternatives) -> None:
    message.send()


def email_queue(*, message: EmailMultiAlternatives) -> Email:
    """Store a rendered email in the current transaction and send it through the outbox."""
    html = next(
        (content for content, mime in getattr(message, "alternatives", []) if mime == "text/html"),
        "",
    )
    email = Email.objects.create(
        to=list(message.to), subject=message.subject, body=message.body, html=html
    )
    outbox_enqueue("core.tasks.email_send_task", email_id=email.pk)
    return email


def email_send(*, email_id: int) -> bool:
    """Send a queued email exactly once: sent_at is checked and set under a row lock."""
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id, sent_at=None).first()
        if email is None:
            return False
        message = EmailMultiAlternatives(subject=email.subject, body=email.body, to=email.to)
        if email.html:
            message.attach_alternative(email.html, "text/html")
        email_send_now(message)
        email.sent_at = timezone.now()
        email.save(update_fields=["sent_at"])
    return True

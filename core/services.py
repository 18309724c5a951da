from __future__ import annotations

import base64
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import Email
from core.outbox import outbox_enqueue

SUBJECT_MAX = Email._meta.get_field("subject").max_length


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bilingual_subject(zh: str, en: str) -> str:
    """Both languages within the subject column (two 200-character titles do not fit):
    each keeps half of it, or whatever the other leaves."""
    room = SUBJECT_MAX - len(" / ")
    zh_room = max(room // 2, room - len(en))
    en_room = room - min(len(zh), zh_room)
    return f"{shorten(zh, zh_room)} / {shorten(en, en_room)}"


def _render_parts(template: str, context: dict, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        subject = render_to_string(f"emails/{template}.subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return " ".join(subject.split()), body.strip(), html


def _message(to: list[str], subject: str, body: str, html_parts: list[str], language: str):
    html = render_to_string("emails/layout.html", {"parts": html_parts, "language": language})
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    message.attach_alternative(html, "text/html")
    return message


def email_render(
    *, to: list[str], template: str, context: dict, language: str = "en"
) -> EmailMultiAlternatives:
    """Render templates/emails/<template>.{subject.txt,txt,html} in the reader's language."""
    subject, body, html = _render_parts(template, context, language)
    return _message(to, subject, body, [html], language)


def email_render_bilingual(
    *, to: list[str], template: str, context: dict
) -> EmailMultiAlternatives:
    """Chinese first, then English, for readers whose language we do not know."""
    zh_subject, zh_body, zh_html = _render_parts(template, context, "zh-hans")
    en_subject, en_body, en_html = _render_parts(template, context, "en")
    return _message(
        to,
        _bilingual_subject(zh_subject, en_subject),
        f"{zh_body}\n\n————————\n\n{en_body}",
        [zh_html, en_html],
        "zh-hans",
    )


def email_send_now(message: EmailMultiAlternatives) -> None:
    message.send()


@transaction.atomic
def email_queue(*, message: EmailMultiAlternatives) -> Email:
    """Store a rendered email in the current transaction and send it through the outbox."""
    html = next(
        (content for content, mime in getattr(message, "alternatives", []) if mime == "text/html"),
        "",
    )
    attachments = [
        {
            "filename": name,
            "mimetype": mimetype,
            "content": base64.b64encode(
                content.encode() if isinstance(content, str) else content
            ).decode(),
        }
        for name, content, mimetype in message.attachments
    ]
    email = Email.objects.create(
        to=list(message.to),
        subject=shorten(message.subject, SUBJECT_MAX),
        body=message.body,
        html=html,
        attachments=attachments,
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
        for attachment in email.attachments:
            content = base64.b64decode(attachment["content"])
            message.attach(attachment["filename"], content, attachment["mimetype"])
        email_send_now(message)
        email.sent_at = timezone.now()
        email.save(update_fields=["sent_at"])
    return True


def email_redeliver(*, older_than_minutes: int = 15) -> int:
    """Queue again every email still unsent after a while (a task lost after dispatch,
    retries exhausted). Safe: email_send sends each row once."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stale = Email.objects.filter(sent_at__isnull=True, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:500]
    with transaction.atomic():
        for email_id in stale:
            outbox_enqueue("core.tasks.email_send_task", email_id=email_id)
    return len(stale)

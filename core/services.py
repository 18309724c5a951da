from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import Email
from core.outbox import outbox_enqueue, outbox_requeue
from core.tasks import email_send_task

logger = logging.getLogger(__name__)

# Longer than one send can take (the task's hard time limit is 180 s): a claim older than
# this belongs to an attempt that died.
CLAIM_TIMEOUT = timedelta(minutes=5)

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


# How to tell whether someone is still a member of an organisation: registered by
# accounts when it loads (core sits below accounts and knows no organisations).
MemberRule = Callable[..., bool]  # (*, user_id, organisation_id) -> bool
_member_rule: MemberRule | None = None


def email_member_rule_register(rule: MemberRule) -> None:
    global _member_rule
    _member_rule = rule


def _not_addressed(recipient: Any, member_of: int) -> str:
    """Why an email for a member must not go (empty if it may)."""
    if recipient is None:
        return "the recipient's account was deleted"
    if not recipient.is_active:
        return "the recipient's account is deactivated"
    if _member_rule is None:
        raise RuntimeError("No member rule registered (accounts registers it when it loads).")
    if not _member_rule(user_id=recipient.pk, organisation_id=member_of):
        return "the recipient is no longer a member of the organisation"
    return ""


@transaction.atomic
def email_queue(
    *,
    message: EmailMultiAlternatives,
    recipient: Any = None,
    member_of: int | None = None,
) -> Email | None:
    """Store a rendered email in the current transaction and send it through the outbox.

    With `recipient` (a user) and `member_of` (an organisation id), the email is for a
    member: queued only if they are an active member now, and sent only if they still
    are when the task runs. Returns None when it is not queued.
    """
    if (recipient is None) != (member_of is None):
        raise ValueError("An email for a member names both the recipient and member_of.")
    if member_of is not None:
        reason = _not_addressed(recipient, member_of)
        if reason:
            logger.info("Email %r not queued: %s", message.subject, reason)
            return None
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
        recipient=recipient,
        member_of=member_of,
    )
    outbox_enqueue(email_send_task, email_id=email.pk)
    return email


def _stored_message(email: Email) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        to=email.to,
        headers={"Message-ID": email.message_id},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for attachment in email.attachments:
        content = base64.b64decode(attachment["content"])
        message.attach(attachment["filename"], content, attachment["mimetype"])
    return message


def _email_claim(email_id: int, now: datetime) -> Email | None:
    """Claim the row for one attempt and commit, or None if there is nothing to send."""
    with transaction.atomic():
        email = (
            Email.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=email_id, sent_at=None, withheld_at=None)
            .first()
        )
        if email is None:
            return None
        reason = _not_addressed(email.recipient, email.member_of) if email.member_of else ""
        if reason:
            email.withheld_at, email.withheld_reason = now, reason
            email.save(update_fields=["withheld_at", "withheld_reason"])
            logger.info("Email %s withheld: %s", email.pk, reason)
            return None
        if email.claimed_at is not None:
            if email.claimed_at > now - CLAIM_TIMEOUT:
                return None  # an attempt is under way, or died too recently to tell
            logger.warning(
                "Email %s was claimed at %s by an attempt that never recorded its result; "
                "it may already have been sent. Sending it again (attempt %s), same Message-ID.",
                email.pk,
                email.claimed_at.isoformat(),
                email.attempts + 1,
            )
        email.claimed_at = now
        email.attempts += 1
        email.save(update_fields=["claimed_at", "attempts"])
    return email


def email_send(*, email_id: int, now: datetime | None = None) -> bool:
    """Send a queued email; True if this call sent it. No lock is held while sending.

    1. Claim: set claimed_at (and count the attempt) under a row lock, and commit.
    2. Send, outside any transaction. If the mail server refuses, the claim is released
       and the error raised, so Celery's retry sends at once.
    3. Record sent_at in a second short transaction.
    A claim without sent_at means an attempt died between 1 and 3, perhaps after the
    server took the message. A delivery that finds one younger than CLAIM_TIMEOUT (longer
    than a send can take) sends nothing; an older one is logged as possibly sent and sent
    again with the same Message-ID. So: at least once, and a duplicate only after a lost
    result, logged, and recognisable by its Message-ID.
    """
    now = now or timezone.now()
    email = _email_claim(email_id, now)
    if email is None:
        return False
    try:
        email_send_now(_stored_message(email))
    except Exception:
        Email.objects.filter(pk=email.pk, claimed_at=email.claimed_at, sent_at=None).update(
            claimed_at=None
        )
        raise
    Email.objects.filter(pk=email.pk, sent_at=None).update(sent_at=timezone.now())
    return True


def email_redeliver(*, older_than_minutes: int = 15) -> int:
    """Queue again every email still unsent after a while (a task lost after dispatch,
    retries exhausted, an attempt that died after claiming it). email_send sends a row
    again only if its claim is older than CLAIM_TIMEOUT, and says so in the log."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stale = Email.objects.filter(
        sent_at__isnull=True, withheld_at__isnull=True, created_at__lt=cutoff
    ).values_list("pk", flat=True)[:500]
    return outbox_requeue(email_send_task, stale)

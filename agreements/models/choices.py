"""The kinds, focus areas, statuses and signing orders of agreements."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementKind(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic cooperation")
    UNIVERSITY_ENTERPRISE = "university_enterprise", _("University–enterprise cooperation")
    INTERNSHIP_BASE = "internship_base", _("Internship and training base")
    JOINT_LAB = "joint_lab", _("Joint laboratory")


class FocusArea(models.TextChoices):
    INTERNSHIP_BASES = "internship_bases", _("Internship and training bases")
    JOINT_LABS = "joint_labs", _("Joint laboratories")
    TALENT = "talent", _("Talent development systems")
    INCUBATION = "incubation", _("Innovation incubation")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent for signature")
    PARTIALLY_SIGNED = "partially_signed", _("Partially signed")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TERMINATED = "terminated", _("Terminated")


OPEN_FOR_SIGNING = (AgreementStatus.SENT, AgreementStatus.PARTIALLY_SIGNED)


EXECUTED = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE, AgreementStatus.EXPIRED)


class SigningOrder(models.TextChoices):
    PARALLEL = "parallel", _("All parties at once")
    SEQUENTIAL = "sequential", _("One after another, in order")

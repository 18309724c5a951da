"""Demo events: the "Visit to Zeta Education" of seed-article.txt, and one still to come."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation
from core import clock
from events.models import AgendaItem, Event, EventInvitation, EventStatus, Registration

SHANGHAI = ZoneInfo("Asia/Shanghai")

AGENDA = [
    (
        time(14, 0),
        "Opening and introductions",
        "开场及来宾介绍",
        [("周晟 Zhou Sheng", "Chair", "Shanghai Zhejiang Chamber of Commerce")],
    ),
    (
        time(14, 10),
        "Remarks: integrating vocational education with industry",
        "致辞：职业教育与产业融合发展",
        [("严建军 Yan Jianjun", "Chairman and President", "Zeta Group")],
    ),
    (
        time(14, 30),
        "Industry–education integration at Zhongqiao",
        "中侨职业技术大学产教融合介绍",
        [
            (
                "李华 Li Hua",
                "Vice President",
                "Shanghai Zhongqiao Vocational and Technical University",
            )
        ],
    ),
    (
        time(14, 50),
        "Industry–education integration at Shanghai Polytechnic",
        "上海第二工业大学产教融合介绍",
        [("赵磊 Zhao Lei", "Dean of Industry Cooperation", "Shanghai Polytechnic")],
    ),
    (
        time(15, 10),
        "Signing ceremony: strategic cooperation and 19 university–enterprise agreements",
        "签约仪式：战略合作协议及19项校企合作协议",
        [],
    ),
    (
        time(15, 40),
        "Exchange session",
        "交流座谈",
        [("王丽 Wang Li", "Programme Officer", "Shanghai Zhejiang Chamber of Commerce")],
    ),
    (
        time(16, 30),
        "Closing remarks",
        "总结讲话",
        [("严建军 Yan Jianjun", "Chairman and President", "Zeta Group")],
    ),
]

MINUTES = (
    "The chamber, Zeta Group and both universities agreed to deepen cooperation under the "
    'model "the chamber builds the platform, enterprises pose the questions, universities '
    'provide the solutions". The chamber signed a strategic cooperation agreement with the '
    "two universities (internship and training bases, joint laboratories, talent development "
    "systems, innovation incubation); nineteen enterprises signed university–enterprise "
    "cooperation agreements. Next step: turn the agreements into placements and labs.\n\n"
    "商会、泽塔集团与两所高校同意在“商会搭台、企业出题、高校解题”的模式下深化合作。"
    "商会与两所高校签署战略合作协议，围绕实习实训基地、联合实验室、人才培养体系和创新孵化"
    "开展合作；十九家会员企业与高校签署校企合作协议。下一步：推动协议落地为实习岗位和"
    "联合实验室。"
)


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _visit(chamber: Organisation, host: Organisation) -> Event:
    day = datetime(2026, 11, 21, tzinfo=SHANGHAI)
    event, _ = Event.objects.get_or_create(
        organiser=chamber,
        title_en="Visit to Zeta Education",
        defaults={
            "title_zh": "走进泽塔教育",
            "description_en": "An exchange on new models of university–industry collaboration, "
            "organised by Zeta Group's education division.",
            "description_zh": "由泽塔集团教育板块承办，探索校企合作新模式的交流活动。",
            "host": host,
            "starts_at": _at(day, 14),
            "ends_at": _at(day, 17),
            "venue": "Main auditorium, Zhongqiao campus",
            "address": "Shanghai Zhongqiao Vocational and Technical University, Shanghai",
            "chairperson": "周晟 Zhou Sheng",
            "capacity": 120,
            "registration_deadline": _at(day - timedelta(days=2), 18),
            "status": EventStatus.COMPLETED,
            "minutes": MINUTES,
        },
    )
    if not event.agenda_items.exists():
        AgendaItem.objects.bulk_create(
            AgendaItem(
                event=event,
                position=i,
                time=at,
                title_en=en,
                title_zh=zh,
                speakers=[{"name": n, "title": t, "organisation": o} for n, t, o in speakers],
            )
            for i, (at, en, zh, speakers) in enumerate(AGENDA)
        )
    return event


def _open_day(chamber: Organisation, host: Organisation) -> Event:
    # Always upcoming: nine days after the day the demo is built.
    start = _at(timezone.localtime(clock.now(), SHANGHAI) + timedelta(days=9), 9, 30)
    event, _ = Event.objects.get_or_create(
        organiser=chamber,
        title_en="Joint laboratory open day",
        defaults={
            "title_zh": "联合实验室开放日",
            "description_en": "Member enterprises visit the new joint laboratories and meet "
            "the student teams working on their challenges.",
            "description_zh": "会员企业参观新建联合实验室，与承接企业课题的学生团队交流。",
            "host": host,
            "starts_at": start,
            "ends_at": start + timedelta(hours=3),
            "venue": "Engineering training centre",
            "address": "Shanghai Polytechnic, Pudong, Shanghai",
            "chairperson": "王丽 Wang Li",
            "capacity": 40,
            "status": EventStatus.PUBLISHED,
        },
    )
    if not event.agenda_items.exists():
        AgendaItem.objects.bulk_create(
            [
                AgendaItem(
                    event=event,
                    position=0,
                    time=time(9, 30),
                    title_en="Welcome",
                    title_zh="欢迎致辞",
                ),
                AgendaItem(
                    event=event,
                    position=1,
                    time=time(10, 0),
                    title_en="Laboratory tour",
                    title_zh="参观实验室",
                ),
                AgendaItem(
                    event=event,
                    position=2,
                    time=time(11, 15),
                    title_en="Student teams present",
                    title_zh="学生团队展示",
                ),
            ]
        )
    return event


def _invite(event: Event, organisations) -> None:
    for organisation in organisations:
        EventInvitation.objects.get_or_create(
            event=event,
            organisation=organisation,
            defaults={"sent_at": event.created_at},
        )


def _register(
    event: Event, membership: Membership, *, checked_in_at=None, registered_at=None
) -> None:
    user = membership.user
    registration, created = Registration.objects.get_or_create(
        event=event,
        email=user.email,
        defaults={
            "organisation": membership.organisation,
            "registered_by": user,
            "full_name": user.full_name,
            "job_title": user.job_title,
            "status": "confirmed",
            "checked_in_at": checked_in_at,
        },
    )
    if created and registered_at is not None:
        Registration.objects.filter(pk=registration.pk).update(created_at=registered_at)


@transaction.atomic
def seed() -> list[list[str]]:
    chamber = Organisation.objects.get(slug="zhejiang-chamber")
    zhongqiao = Organisation.objects.get(slug="zhongqiao-university")
    polytechnic = Organisation.objects.get(slug="shanghai-polytechnic")
    enterprises = Organisation.objects.filter(
        kind="enterprise", chamber_memberships__chamber=chamber
    )

    visit = _visit(chamber, zhongqiao)
    _invite(visit, [*enterprises, polytechnic])
    people = (
        Membership.objects.filter(organisation__in=[chamber, zhongqiao, polytechnic, *enterprises])
        .exclude(role="viewer")
        .select_related("user", "organisation")
        .order_by("organisation__slug", "user__email")
    )
    arrival = visit.starts_at - timedelta(minutes=25)
    for index, membership in enumerate(people):
        # Registered over the fortnight before; a few did not make it on the day.
        registered_at = visit.starts_at - timedelta(days=14) + timedelta(hours=9 * index)
        absent = index % 9 == 4 and membership.user.email.startswith("rep.")
        _register(
            visit,
            membership,
            checked_in_at=None if absent else arrival + timedelta(seconds=40 * index),
            registered_at=registered_at,
        )

    open_day = _open_day(chamber, polytechnic)
    _invite(open_day, [*enterprises, zhongqiao])
    for membership in people.filter(
        organisation__slug__in=[
            "zeta-group",
            "haitong-precision",
            "yunqi-software",
            "lanhai-robotics",
        ]
    ):
        if membership.user.email != "enterprise-staff@demo.lastmile.cn":
            _register(open_day, membership)
    if clock.now() > open_day.ends_at and open_day.status == EventStatus.PUBLISHED:
        Event.objects.filter(pk=open_day.pk).update(status=EventStatus.COMPLETED)
    return []

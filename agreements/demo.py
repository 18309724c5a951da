"""Demo agreements from seed-article.txt: the three-party strategic agreement signed at the
Visit to Zeta Education, and nineteen university–enterprise agreements in a mix of states.

Everything goes through the services (so the audit chains are real); PDFs are rendered
inline here so the demo does not depend on a worker. Idempotent: an agreement that
exists (by drafter and English title) is left alone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from accounts.models import Membership, Organisation
from accounts.tenancy import Tenant
from agreements import services
from agreements.models import Agreement, AgreementTemplate
from core import clock
from events.models import Event

STRATEGIC_BODY = """<h2>第一条 合作宗旨 / Purpose</h2>
<p>{{ parties }}本着"商会搭台、企业出题、院校解题"的原则，建立长期战略合作关系，
共同打通人才培养与产业需求之间的"最后一公里"。</p>
<p>The parties establish a long-term strategic partnership on the principle that the chamber
builds the platform, enterprises pose the questions and universities provide the solutions.</p>
<h2>第二条 合作领域 / Areas of cooperation</h2>
<p>{{ focus_areas }}</p>
<ol><li>商会组织会员企业与院校开展常态化交流与对接；</li>
<li>院校根据企业需求共建专业、课程与实训基地；</li>
<li>企业提供实习岗位、项目课题与兼职导师。</li></ol>
<h2>第三条 期限 / Term</h2>
<p>本协议自 {{ effective_date }} 起生效，有效期 {{ term }}。</p>
<h2>第四条 其他 / General</h2>
<p>本协议以电子方式签署，与纸质协议具有同等法律效力。</p>"""

BILATERAL_BODY = """<h2>校企合作协议 / University–Enterprise Cooperation Agreement</h2>
<p>甲乙双方：{{ parties }}。</p>
<h2>一、合作内容 / Scope</h2>
<p>双方在以下领域开展合作：{{ focus_areas }}。</p>
<ul><li>企业每年为学校提供实习岗位，并指派企业导师；</li>
<li>学校根据企业需求调整课程，联合开展订单式人才培养；</li>
<li>双方共建实习实训基地，挂牌运行。</li></ul>
<h2>二、期限 / Term</h2>
<p>自 {{ effective_date }} 起，{{ term }}。</p>
<h2>三、附则 / General</h2>
<p>本协议以电子方式签署，各方签署后生效。</p>"""

STRATEGIC_TITLE = "Strategic Cooperation Agreement on Industry–Education Integration"

# (enterprise slug, university slug, final state)
BILATERAL = [
    ("zeta-group", "zhongqiao-university", "sent"),  # waits for the demo enterprise admin
    ("haitong-precision", "zhongqiao-university", "executed"),
    ("yunqi-software", "zhongqiao-university", "executed"),
    ("lanhai-robotics", "shanghai-polytechnic", "executed"),
    ("dongfang-logistics", "zhongqiao-university", "executed"),
    ("zheshang-capital", "shanghai-polytechnic", "executed"),
    ("jianye-construction", "zhongqiao-university", "executed"),
    ("guangyao-energy", "shanghai-polytechnic", "partially_signed"),
    ("kangning-medical", "zhongqiao-university", "partially_signed"),
    ("baisheng-retail", "shanghai-polytechnic", "partially_signed"),
    ("xinyu-textiles", "zhongqiao-university", "sent"),
    ("yongxin-auto-parts", "shanghai-polytechnic", "sent"),
    ("shuzhi-data", "zhongqiao-university", "sent"),
    ("mingde-semiconductor", "shanghai-polytechnic", "sent"),
    ("qianjiang-machinery", "zhongqiao-university", "sent"),
    ("lvcheng-green-building", "shanghai-polytechnic", "draft"),
    ("xiling-culture", "zhongqiao-university", "draft"),
    ("anxin-elderly-care", "shanghai-polytechnic", "declined"),
    ("zhiyuan-training", "zhongqiao-university", "draft"),
]


def _tenant(email: str, organisation: Organisation) -> Tenant:
    membership = Membership.objects.select_related("user").get(
        user__email=email, organisation=organisation
    )
    return Tenant(user=membership.user, organisation=organisation, membership=membership)


def _signatory_tenant(organisation: Organisation) -> Tenant:
    membership = (
        Membership.objects.filter(organisation=organisation, is_signatory=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return Tenant(user=membership.user, organisation=organisation, membership=membership)


def _template(tenant: Tenant, name: str, kind: str, body: str) -> AgreementTemplate:
    existing = AgreementTemplate.objects.visible_to(tenant.organisation).filter(name=name).first()
    return existing or services.template_create(tenant=tenant, name=name, kind=kind, body=body)


def _ceremony(visit: Event | None) -> datetime:
    """The signing ceremony of the article's visit: an hour and a half into the event."""
    if visit is None:
        return datetime(2026, 11, 21, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    return visit.starts_at + timedelta(minutes=90)


def _first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def _send(tenant: Tenant, agreement: Agreement) -> None:
    services.agreement_send(tenant=tenant, agreement_id=agreement.pk)
    agreement.refresh_from_db()
    services.version_render(version_id=agreement.current_version.pk)


def _sign(signer: Tenant, agreement: Agreement) -> None:
    agreement.refresh_from_db()
    services.agreement_sign(
        tenant=signer,
        agreement_id=agreement.pk,
        version_id=agreement.current_version.pk,
        typed_name=signer.user.full_name,
        consent=True,
        ip_address="127.0.0.1",
        user_agent="Lastmile demo data",
    )
    agreement.refresh_from_db()
    if agreement.completed_at:
        services.final_render(agreement_id=agreement.pk)


def seed() -> list[list[str]]:
    chamber = Organisation.objects.get(slug="zhejiang-chamber")
    staff = _tenant("chamber-staff@demo.lastmile.cn", chamber)
    strategic = _template(
        staff, "Strategic cooperation (three parties)", "strategic", STRATEGIC_BODY
    )
    bilateral = _template(
        staff, "University–enterprise cooperation", "university_enterprise", BILATERAL_BODY
    )
    visit = Event.objects.filter(organiser=chamber, title_en="Visit to Zeta Education").first()
    universities = {
        slug: Organisation.objects.get(slug=slug)
        for slug in ("zhongqiao-university", "shanghai-polytechnic")
    }

    ceremony = _ceremony(visit)
    if not Agreement.objects.filter(drafted_by=chamber, title_en=STRATEGIC_TITLE).exists():
        _strategic(staff, strategic, chamber, universities, visit, ceremony)
    for enterprise_slug, university_slug, state in BILATERAL:
        enterprise = Organisation.objects.filter(slug=enterprise_slug).first()
        if enterprise is None:
            continue
        title = f"University–Enterprise Cooperation: {enterprise.name_en} × "
        title += universities[university_slug].name_en
        if not Agreement.objects.filter(drafted_by=chamber, title_en=title).exists():
            _bilateral(staff, bilateral, enterprise, universities[university_slug], state, visit)
    # Bring every status up to the day the demo is built (active, expired), as beat would.
    services.agreements_advance(today=clock.today())
    return []


def _strategic(staff, strategic, chamber, universities, visit, ceremony) -> None:
    """Drafted and sent the week before the visit, signed by all three at its ceremony."""
    with clock.at(ceremony - timedelta(days=5)):
        agreement = services.agreement_draft(
            tenant=staff,
            parties=[
                services.PartySpec(chamber.pk),
                services.PartySpec(universities["zhongqiao-university"].pk),
                services.PartySpec(universities["shanghai-polytechnic"].pk),
            ],
            template_version_id=strategic.current.pk,
            title_en=STRATEGIC_TITLE,
            title_zh="产教融合战略合作协议",
            effective_date=date(2026, 11, 21),
            term_months=36,
            focus_areas=["internship_bases", "joint_labs", "talent", "incubation"],
            tags=["走进泽塔教育", "strategic"],
            event=visit,
        )
        _send(staff, agreement)
    for minute, organisation in enumerate((chamber, *universities.values())):
        with clock.at(ceremony + timedelta(minutes=minute)):
            _sign(_signatory_tenant(organisation), agreement)


def _bilateral(staff, bilateral, enterprise, university, state, visit) -> None:
    """Sent before the visit; those in the ceremony signed there. Those still waiting
    take effect from the first of next month, counted from the day the demo is built."""
    ceremony = _ceremony(visit)
    executed = state == "executed"
    effective = date(2026, 12, 1) if executed else _first_of_next_month(clock.today())
    title = f"University–Enterprise Cooperation: {enterprise.name_en} × {university.name_en}"
    with clock.at(ceremony - timedelta(days=3)):
        agreement = services.agreement_draft(
            tenant=staff,
            parties=[services.PartySpec(university.pk), services.PartySpec(enterprise.pk)],
            template_version_id=bilateral.current.pk,
            title_en=title,
            title_zh=f"校企合作协议：{enterprise.name_zh} × {university.name_zh}",
            effective_date=effective,
            term_months=36,
            focus_areas=["internship_bases", "talent"],
            sector=enterprise.sector,
            event=visit,
        )
        if state == "draft":
            return
        _send(staff, agreement)
    university_signer = _signatory_tenant(university)
    enterprise_signer = _signatory_tenant(enterprise)
    if state in ("partially_signed", "executed"):
        with clock.at(ceremony):
            _sign(university_signer, agreement)
    if executed:
        with clock.at(ceremony + timedelta(minutes=2)):
            _sign(enterprise_signer, agreement)
    if state == "declined":
        with clock.at(ceremony + timedelta(days=1)):
            services.agreement_decline(
                tenant=enterprise_signer,
                agreement_id=agreement.pk,
                reason="本年度实习岗位已满，明年再议。 Internship places are full this year.",
            )

"""Demo agreements from seed-article.txt: the three-party strategic agreement signed at the
Visit to Zeta Education, and nineteen university–enterprise agreements in a mix of states.

Everything goes through the services (so the audit chains are real); PDFs are rendered
inline here so the demo does not depend on a worker. Idempotent: an agreement that
exists (by drafter and English title) is left alone.
"""

from __future__ import annotations

from datetime import date

from accounts.models import Membership, Organisation
from accounts.tenancy import Tenant
from agreements import services
from agreements.models import Agreement, AgreementTemplate
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

    if not Agreement.objects.filter(drafted_by=chamber, title_en=STRATEGIC_TITLE).exists():
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
        for organisation in (chamber, *universities.values()):
            _sign(_signatory_tenant(organisation), agreement)

    for enterprise_slug, university_slug, state in BILATERAL:
        enterprise = Organisation.objects.filter(slug=enterprise_slug).first()
        if enterprise is None:
            continue
        university = universities[university_slug]
        title = f"University–Enterprise Cooperation: {enterprise.name_en} × {university.name_en}"
        if Agreement.objects.filter(drafted_by=chamber, title_en=title).exists():
            continue
        agreement = services.agreement_draft(
            tenant=staff,
            parties=[services.PartySpec(university.pk), services.PartySpec(enterprise.pk)],
            template_version_id=bilateral.current.pk,
            title_en=title,
            title_zh=f"校企合作协议：{enterprise.name_zh} × {university.name_zh}",
            effective_date=date(2026, 12, 1),
            term_months=36,
            focus_areas=["internship_bases", "talent"],
            sector=enterprise.sector,
            event=visit,
        )
        if state == "draft":
            continue
        _send(staff, agreement)
        university_signer = _signatory_tenant(university)
        enterprise_signer = _signatory_tenant(enterprise)
        if state in ("partially_signed", "executed"):
            _sign(university_signer, agreement)
        if state == "executed":
            _sign(enterprise_signer, agreement)
        if state == "declined":
            services.agreement_decline(
                tenant=enterprise_signer,
                agreement_id=agreement.pk,
                reason="本年度实习岗位已满，明年再议。 Internship places are full this year.",
            )
    return []

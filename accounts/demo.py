"""Demo data from seed-article.txt: the chamber, the two universities, Zeta Group and the
29 other member enterprises, with one login per role and organisation kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import ChamberMembership, Membership, Organisation, Role, Sector, User

DEMO_PASSWORD = "lastmile-demo"
EMAIL_DOMAIN = "demo.lastmile.cn"

CHAMBER = {
    "slug": "zhejiang-chamber",
    "kind": "chamber",
    "name_en": "Shanghai Zhejiang Chamber of Commerce",
    "name_zh": "上海市浙江商会",
    "city": "Shanghai",
    "website": "https://example.org/zhejiang-chamber",
    "description": "The chamber builds the platform: it links member enterprises with "
    "universities for internships, joint laboratories, training bases and talent programmes.",
}

UNIVERSITIES = [
    {
        "slug": "zhongqiao-university",
        "kind": "university",
        "name_en": "Shanghai Zhongqiao Vocational and Technical University",
        "name_zh": "上海中侨职业技术大学",
        "city": "Shanghai",
        "website": "https://example.org/zhongqiao",
        "description": "Vocational and technical university; host of the Visit to Zeta "
        "Education exchange event.",
    },
    {
        "slug": "shanghai-polytechnic",
        "kind": "university",
        "name_en": "Shanghai Polytechnic",
        "name_zh": "上海第二工业大学",
        "city": "Shanghai",
        "website": "https://example.org/shanghai-polytechnic",
        "description": "Applied university working with industry on talent development.",
    },
]

# Zeta Group first, then 29 more member enterprises across the sectors.
ENTERPRISES = [
    ("zeta-group", "Zeta Group", "泽塔集团", Sector.EDUCATION_SERVICES),
    ("haitong-precision", "Haitong Precision Manufacturing", "海通精密制造", Sector.MANUFACTURING),
    ("yongxin-auto-parts", "Yongxin Auto Parts", "永新汽车零部件", Sector.MANUFACTURING),
    ("qianjiang-machinery", "Qianjiang Machinery", "钱江机械", Sector.MANUFACTURING),
    ("lanhai-robotics", "Lanhai Robotics", "蓝海机器人", Sector.MANUFACTURING),
    ("xinyu-textiles", "Xinyu Textiles", "新宇纺织", Sector.MANUFACTURING),
    ("yunqi-software", "Yunqi Software", "云栖软件", Sector.INFORMATION_TECHNOLOGY),
    ("shuzhi-data", "Shuzhi Data Technology", "数智数据科技", Sector.INFORMATION_TECHNOLOGY),
    ("xinghe-cloud", "Xinghe Cloud", "星河云计算", Sector.INFORMATION_TECHNOLOGY),
    ("mingde-semiconductor", "Mingde Semiconductor", "明德半导体", Sector.INFORMATION_TECHNOLOGY),
    ("huaxin-networks", "Huaxin Networks", "华信网络", Sector.INFORMATION_TECHNOLOGY),
    ("zheshang-capital", "Zheshang Capital Partners", "浙商资本", Sector.FINANCE),
    ("jinqiao-insurance", "Jinqiao Insurance Services", "金桥保险服务", Sector.FINANCE),
    ("hengtai-fintech", "Hengtai Fintech", "恒泰金融科技", Sector.FINANCE),
    ("dongfang-logistics", "Dongfang Logistics", "东方物流", Sector.LOGISTICS),
    ("yangshan-shipping", "Yangshan Shipping Services", "洋山航运服务", Sector.LOGISTICS),
    ("suyun-cold-chain", "Suyun Cold Chain", "速运冷链", Sector.LOGISTICS),
    ("qiming-education", "Qiming Education Technology", "启明教育科技", Sector.EDUCATION_SERVICES),
    ("zhiyuan-training", "Zhiyuan Vocational Training", "致远职业培训", Sector.EDUCATION_SERVICES),
    ("renhe-health", "Renhe Health", "仁和健康", Sector.HEALTHCARE),
    ("kangning-medical", "Kangning Medical Devices", "康宁医疗器械", Sector.HEALTHCARE),
    ("anxin-elderly-care", "Anxin Elderly Care", "安心养老服务", Sector.HEALTHCARE),
    ("jianye-construction", "Jianye Construction Group", "建业建设集团", Sector.CONSTRUCTION),
    ("lvcheng-green-building", "Lvcheng Green Building", "绿城绿色建筑", Sector.CONSTRUCTION),
    ("baisheng-retail", "Baisheng Retail", "百盛零售", Sector.RETAIL),
    ("youpin-ecommerce", "Youpin E-commerce", "优品电商", Sector.RETAIL),
    ("guangyao-energy", "Guangyao New Energy", "光耀新能源", Sector.ENERGY),
    ("donghai-wind-power", "Donghai Wind Power", "东海风电", Sector.ENERGY),
    ("huineng-storage", "Huineng Energy Storage", "汇能储能", Sector.ENERGY),
    ("xiling-culture", "Xiling Culture and Design", "西泠文化创意", Sector.OTHER),
]


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str
    job_title: str
    organisation: str
    role: str
    is_signatory: bool = False
    demo_login: bool = True


PEOPLE = [
    Person(
        "chamber-admin",
        "周晟 Zhou Sheng",
        "Secretary-General",
        "zhejiang-chamber",
        Role.ADMIN,
        is_signatory=True,
    ),
    Person("chamber-staff", "王丽 Wang Li", "Programme Officer", "zhejiang-chamber", Role.STAFF),
    Person("chamber-viewer", "陈晨 Chen Chen", "Member Services", "zhejiang-chamber", Role.VIEWER),
    Person(
        "university-admin",
        "李华 Li Hua",
        "Vice President",
        "zhongqiao-university",
        Role.ADMIN,
        is_signatory=True,
    ),
    Person(
        "university-staff", "张敏 Zhang Min", "Industry Liaison", "zhongqiao-university", Role.STAFF
    ),
    Person(
        "university-viewer", "刘洋 Liu Yang", "Careers Adviser", "zhongqiao-university", Role.VIEWER
    ),
    Person(
        "polytechnic-admin",
        "赵磊 Zhao Lei",
        "Dean of Industry Cooperation",
        "shanghai-polytechnic",
        Role.ADMIN,
        is_signatory=True,
    ),
    Person(
        "enterprise-admin",
        "严建军 Yan Jianjun",
        "Chairman and President",
        "zeta-group",
        Role.ADMIN,
        is_signatory=True,
    ),
    Person(
        "enterprise-staff", "孙悦 Sun Yue", "Head of Education Division", "zeta-group", Role.STAFF
    ),
    Person("enterprise-viewer", "吴斌 Wu Bin", "HR Business Partner", "zeta-group", Role.VIEWER),
]


def _organisation(fields: dict) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(slug=fields["slug"], defaults=fields)
    return organisation


def _person(person: Person, organisation: Organisation) -> User:
    email = f"{person.email}@{EMAIL_DOMAIN}"
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": person.full_name, "job_title": person.job_title}
    )
    if created:
        if person.demo_login:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    Membership.objects.get_or_create(
        user=user,
        organisation=organisation,
        defaults={"role": person.role, "is_signatory": person.is_signatory},
    )
    return user


# Plausible names for each member enterprise's general manager (the demo's signatories).
REPRESENTATIVES = [
    "陈建国 Chen Jianguo", "林晓燕 Lin Xiaoyan", "黄志强 Huang Zhiqiang", "周婷 Zhou Ting",
    "吴海峰 Wu Haifeng", "徐静 Xu Jing", "孙立伟 Sun Liwei", "马晓东 Ma Xiaodong",
    "朱丽娟 Zhu Lijuan", "胡斌 Hu Bin", "郭宏 Guo Hong", "何雪梅 He Xuemei",
    "高峰 Gao Feng", "罗敏 Luo Min", "梁文涛 Liang Wentao", "宋佳 Song Jia",
    "郑浩 Zheng Hao", "谢芳 Xie Fang", "韩冰 Han Bing", "唐磊 Tang Lei",
    "冯雅琴 Feng Yaqin", "董明 Dong Ming", "程刚 Cheng Gang", "曹颖 Cao Ying",
    "袁野 Yuan Ye", "邓超 Deng Chao", "许丹 Xu Dan", "傅晨 Fu Chen", "沈洁 Shen Jie",
]  # fmt: skip


def _enterprise_representatives() -> list[Person]:
    """One authorised signatory for each member enterprise besides Zeta Group."""
    return [
        Person(
            f"rep.{slug}",
            REPRESENTATIVES[index % len(REPRESENTATIVES)],
            "General Manager",
            slug,
            Role.ADMIN,
            is_signatory=True,
            demo_login=False,
        )
        for index, (slug, _en, _zh, _sector) in enumerate(ENTERPRISES[1:])
    ]


@transaction.atomic
def seed() -> list[list[str]]:
    """Create what is missing; returns the demo logins as table rows."""
    chamber = _organisation(CHAMBER)
    organisations = {chamber.slug: chamber}
    for fields in UNIVERSITIES:
        organisations[fields["slug"]] = _organisation(fields)
    for index, (slug, name_en, name_zh, sector) in enumerate(ENTERPRISES):
        organisations[slug] = _organisation(
            {
                "slug": slug,
                "kind": "enterprise",
                "name_en": name_en,
                "name_zh": name_zh,
                "sector": sector,
                "city": "Shanghai" if index % 3 else "Hangzhou",
                "description": f"{name_en} is a member enterprise of the Shanghai Zhejiang "
                "Chamber of Commerce.",
            }
        )
    for position, organisation in enumerate(organisations.values()):
        if organisation.pk != chamber.pk:
            ChamberMembership.objects.get_or_create(
                chamber=chamber,
                member=organisation,
                defaults={"joined_on": date(2015 + position % 10, 1 + position % 12, 1)},
            )
    rows = []
    for person in [*PEOPLE, *_enterprise_representatives()]:
        organisation = organisations[person.organisation]
        user = _person(person, organisation)
        if person.demo_login:
            rows.append([user.email, DEMO_PASSWORD, organisation.name_en, person.role])
    return rows

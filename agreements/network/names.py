"""Plausible bilingual names for the generated network, built from word lists.

Each name pairs an English and a Chinese form of the same parts, so the two columns
read as one organisation (or person, or event) in either language.
"""

from __future__ import annotations

from random import Random

from accounts.models import Sector

CITIES = [
    ("Shanghai", "上海"),
    ("Hangzhou", "杭州"),
    ("Ningbo", "宁波"),
    ("Wenzhou", "温州"),
    ("Shaoxing", "绍兴"),
    ("Jiaxing", "嘉兴"),
    ("Huzhou", "湖州"),
    ("Jinhua", "金华"),
    ("Taizhou", "台州"),
    ("Suzhou", "苏州"),
    ("Wuxi", "无锡"),
    ("Nanjing", "南京"),
    ("Hefei", "合肥"),
    ("Yiwu", "义乌"),
    ("Zhoushan", "舟山"),
    ("Lishui", "丽水"),
]

# Syllables that read well in both scripts: (pinyin, characters).
STEMS = [
    ("Hai", "海"),
    ("Tong", "通"),
    ("Yong", "永"),
    ("Xin", "新"),
    ("Qian", "钱"),
    ("Jiang", "江"),
    ("Lan", "蓝"),
    ("Yun", "云"),
    ("Qi", "栖"),
    ("Shu", "数"),
    ("Zhi", "智"),
    ("Xing", "星"),
    ("He", "河"),
    ("Ming", "明"),
    ("De", "德"),
    ("Hua", "华"),
    ("Heng", "恒"),
    ("Tai", "泰"),
    ("Dong", "东"),
    ("Fang", "方"),
    ("Rui", "瑞"),
    ("Kang", "康"),
    ("Ning", "宁"),
    ("Jian", "建"),
    ("Ye", "业"),
    ("Lv", "绿"),
    ("Cheng", "城"),
    ("Bai", "百"),
    ("Sheng", "盛"),
    ("Guang", "光"),
    ("Yao", "耀"),
    ("Hui", "汇"),
    ("Neng", "能"),
    ("Xi", "西"),
    ("Ling", "泠"),
    ("Jin", "金"),
    ("Qiao", "桥"),
    ("An", "安"),
    ("Feng", "丰"),
    ("Da", "达"),
]

SECTOR_WORDS = {
    Sector.MANUFACTURING: [("Precision Manufacturing", "精密制造"), ("Machinery", "机械")],
    Sector.INFORMATION_TECHNOLOGY: [("Software", "软件"), ("Data Technology", "数据科技")],
    Sector.FINANCE: [("Capital Partners", "资本"), ("Fintech", "金融科技")],
    Sector.LOGISTICS: [("Logistics", "物流"), ("Supply Chain", "供应链")],
    Sector.EDUCATION_SERVICES: [("Education Technology", "教育科技"), ("Training", "培训")],
    Sector.HEALTHCARE: [("Health", "健康"), ("Medical Devices", "医疗器械")],
    Sector.CONSTRUCTION: [("Construction Group", "建设集团"), ("Green Building", "绿色建筑")],
    Sector.RETAIL: [("Retail", "零售"), ("E-commerce", "电商")],
    Sector.ENERGY: [("New Energy", "新能源"), ("Energy Storage", "储能")],
    Sector.OTHER: [("Culture and Design", "文化创意"), ("Consulting", "咨询")],
}

UNIVERSITY_KINDS = [
    ("University", "大学"),
    ("Polytechnic", "理工学院"),
    ("Vocational and Technical College", "职业技术学院"),
    ("University of Science and Technology", "科技大学"),
    ("Normal University", "师范大学"),
]

SURNAMES = [
    ("Zhou", "周"),
    ("Wang", "王"),
    ("Chen", "陈"),
    ("Li", "李"),
    ("Zhang", "张"),
    ("Liu", "刘"),
    ("Yang", "杨"),
    ("Zhao", "赵"),
    ("Huang", "黄"),
    ("Wu", "吴"),
    ("Xu", "徐"),
    ("Sun", "孙"),
    ("Ma", "马"),
    ("Zhu", "朱"),
    ("Hu", "胡"),
]
GIVEN = [
    ("Wei", "伟"),
    ("Fang", "芳"),
    ("Min", "敏"),
    ("Jing", "静"),
    ("Lei", "磊"),
    ("Yang", "洋"),
    ("Yan", "艳"),
    ("Jie", "杰"),
    ("Tao", "涛"),
    ("Hua", "华"),
    ("Chen", "晨"),
    ("Sheng", "晟"),
    ("Li", "丽"),
    ("Qiang", "强"),
    ("Xin", "欣"),
]

EVENT_TOPICS = [
    ("Industry–education exchange", "产教融合交流会"),
    ("Joint laboratory open day", "联合实验室开放日"),
    ("Internship fair", "实习双选会"),
    ("Talent development forum", "人才培养论坛"),
    ("Innovation incubation salon", "创新孵化沙龙"),
    ("Training base visit", "实训基地参观"),
    ("Enterprise visit", "企业走访"),
]


def _stem(rng: Random, parts: int = 2) -> tuple[str, str]:
    chosen = rng.sample(STEMS, parts)
    return "".join(p for p, _ in chosen), "".join(c for _, c in chosen)


def city(rng: Random) -> tuple[str, str]:
    return rng.choice(CITIES)


def university_name(rng: Random, number: int) -> tuple[str, str]:
    """`number` keeps names apart where the word lists repeat."""
    (city_en, city_zh), (kind_en, kind_zh) = city(rng), rng.choice(UNIVERSITY_KINDS)
    stem_en, stem_zh = _stem(rng)
    return f"{city_en} {stem_en} {kind_en} {number}", f"{city_zh}{stem_zh}{kind_zh}{number}"


def enterprise_name(rng: Random, sector: str, number: int) -> tuple[str, str]:
    stem_en, stem_zh = _stem(rng)
    word_en, word_zh = rng.choice(SECTOR_WORDS[sector])
    return f"{stem_en} {word_en} {number}", f"{stem_zh}{word_zh}{number}"


def person_name(rng: Random) -> str:
    """Written as the demo writes names: Chinese, then the romanised form."""
    (sur_en, sur_zh), (given_en, given_zh) = rng.choice(SURNAMES), rng.choice(GIVEN)
    return f"{sur_zh}{given_zh} {sur_en} {given_en}"


def event_title(rng: Random, host_en: str, host_zh: str) -> tuple[str, str]:
    topic_en, topic_zh = rng.choice(EVENT_TOPICS)
    return f"{topic_en} at {host_en}"[:200], f"{host_zh}{topic_zh}"[:200]

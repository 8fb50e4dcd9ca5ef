"""The province-level divisions of China's division codes (GB/T 2260): the first two digits of ``district.code``.

A rule pack says which provinces it is written for (``jurisdiction`` in its ``pack.yaml``); a notice about
a filing from elsewhere names both sides by these names, so that "51" reads as 四川省 (Sichuan).
"""

from __future__ import annotations

__all__ = ["PROVINCES", "province_of", "province_name"]

# code → (中文, English)
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing"), "12": ("天津市", "Tianjin"), "13": ("河北省", "Hebei"), "14": ("山西省", "Shanxi"),
    "15": ("内蒙古自治区", "Inner Mongolia"), "21": ("辽宁省", "Liaoning"), "22": ("吉林省", "Jilin"),
    "23": ("黑龙江省", "Heilongjiang"), "31": ("上海市", "Shanghai"), "32": ("江苏省", "Jiangsu"), "33": ("浙江省", "Zhejiang"),
    "34": ("安徽省", "Anhui"), "35": ("福建省", "Fujian"), "36": ("江西省", "Jiangxi"), "37": ("山东省", "Shandong"),
    "41": ("河南省", "Henan"), "42": ("湖北省", "Hubei"), "43": ("湖南省", "Hunan"), "44": ("广东省", "Guangdong"),
    "45": ("广西壮族自治区", "Guangxi"), "46": ("海南省", "Hainan"), "50": ("重庆市", "Chongqing"), "51": ("四川省", "Sichuan"),
    "52": ("贵州省", "Guizhou"), "53": ("云南省", "Yunnan"), "54": ("西藏自治区", "Xizang (Tibet)"), "61": ("陕西省", "Shaanxi"),
    "62": ("甘肃省", "Gansu"), "63": ("青海省", "Qinghai"), "64": ("宁夏回族自治区", "Ningxia"), "65": ("新疆维吾尔自治区", "Xinjiang"),
    "71": ("台湾省", "Taiwan"), "81": ("香港特别行政区", "Hong Kong"), "82": ("澳门特别行政区", "Macao"),
}


def province_of(district_code: str) -> str:
    """The province code of a district code: ``"510104"`` → ``"51"``."""
    return district_code[:2]


def province_name(code: str) -> tuple[str, str]:
    """``"51"`` → (``四川省（51）``, ``Sichuan (51)``); a code no province has is named as the code alone."""
    zh, en = PROVINCES.get(code, ("", ""))
    if not zh:
        return f"省级代码 {code}", f"province code {code}"
    return f"{zh}（{code}）", f"{en} ({code})"

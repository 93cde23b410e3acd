"""Where a job is: the city read from an address's text, and whether a technician's area covers it.

Addresses are free text typed at intake (e.g. "浙江省杭州市西湖区文三路 90 号", "上海市浦东新区…");
the city is the first "…市" after an optional "…省"/"…自治区". An address without one has no city
(nothing is guessed), and then no area warning is given (issue #14: dispatch with eyes open).
"""

from __future__ import annotations

import re

CITY = re.compile(r"^\s*(?:\S{2,8}?(?:省|自治区))?\s*(\S{1,8}?市)")


def city_of(address: str | None) -> str | None:
    """'杭州市' for '浙江省杭州市西湖区…', '上海市' for '上海市浦东新区…'; None when the text names no city."""
    match = CITY.match(address or "")
    return match.group(1) if match else None


def outside_area(service_area: str | None, address: str | None) -> bool:
    """True when the technician has an area and the address names a city it does not contain."""
    area, city = (service_area or "").strip(), city_of(address)
    if not area or not city:
        return False
    return city not in area and city.removesuffix("市") not in area

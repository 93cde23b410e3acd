"""The city an address names, and whether a technician's service area covers it (dispatch's area warning)."""

import pytest

from server.domain.areas import city_of, outside_area


@pytest.mark.parametrize(
    "address, city",
    [
        ("浙江省杭州市西湖区文三路 90 号", "杭州市"),
        ("上海市浦东新区世纪大道 100 号", "上海市"),
        ("广西壮族自治区南宁市青秀区", "南宁市"),
        ("西湖区文三路 90 号", None),  # no city named: nothing guessed
        ("Flat 3, 8 Main Street", None),
        ("", None),
    ],
)
def test_the_city_is_read_from_the_address(address, city):
    assert city_of(address) == city


def test_an_address_outside_the_area_is_told_apart():
    assert outside_area("杭州 绍兴", "上海市浦东新区")
    assert not outside_area("杭州 绍兴", "绍兴市越城区")
    assert not outside_area("杭州市", "浙江省杭州市西湖区")
    assert not outside_area(None, "上海市浦东新区")  # no area kept: no warning
    assert not outside_area("杭州", "西湖区文三路")  # no city named: no warning

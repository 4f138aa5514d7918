"""Place mentions read from the text (clustering/places.py), on short hand-written sentences."""
from clustering.places import extract, extract_all


def keys(text):
    return extract(text).keys


def test_a_village_behind_its_town_is_named_without_the_town():
    found = extract("东湖区青石镇柳塘村进水了，村里老人被困")
    assert "柳塘村" in found.keys
    assert not any("镇" in key for key in found.keys)  # the name does not run back over 青石镇
    assert {"东湖区", "青石镇"} <= found.areas


def test_estates_roads_stations_hospitals_and_lines():
    assert "锦绣花园" in keys("锦绣花园地下车库进水，车都泡了")
    assert {"民乐路", "民乐路站", "3号线"} <= keys("地铁3号线民乐路站停运，乘客被疏散")
    assert "仁和医院" in keys("仁和医院停电，急需发电机")
    assert "长青隧道" in keys("长青隧道积水很深，千万别走")


def test_a_street_office_is_an_area_not_a_street():
    found = extract("民治街道今天雨好大，大家注意安全")
    assert found.keys == frozenset() and "民治街道" in found.areas


def test_generic_words_are_not_places():
    assert keys("这个小区停电了，马路上全是水") == frozenset()
    assert keys("我们村里都淹了，整个村都没电") == frozenset()
    assert keys("楼下27号楼3单元有人被困") == frozenset()  # house numbers are not place names


def test_a_name_does_not_swallow_the_words_in_front_of_it():
    assert "柳塘村" in keys("已核实柳塘村被困群众需要救援")
    assert not any("已" in key or "被" in key for key in keys("已核实柳塘村被困群众需要救援"))


def test_a_name_given_bare_in_another_post_counts():
    first, second, third = extract_all(["青石镇鹿鸣湾村水位上涨", "鹿鸣湾那边现在怎么样了", "今天雨好大"])
    assert "鹿鸣湾村" in first.keys and "鹿鸣湾村" in second.keys
    assert third.keys == frozenset()


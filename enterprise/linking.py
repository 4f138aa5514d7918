"""Linking posts and 12345 tickets to the enterprises they name, precision first.

A wrong link is worse than none: it would put workers' complaints on the wrong factory's record.
So a document is linked to an enterprise only when what it names points to that enterprise alone:

* the full name, a former name (a renamed enterprise), or a short name or alias of at least
  ``enterprise.link_min_chars`` characters (``鑫达电子``), or its address;
* a shorter core name only with a suffix (``鑫达厂``, ``鑫达公司``), never bare (``鑫达`` is also a
  brand, a person, a shop);
* a name shared by two or more enterprises links to none of them (a short name is shared too when
  it begins another's: ``鑫达电子`` of 鑫达电子科技), unless more evidence singles one out: its street (the document's analysed street, or ``XX街道`` in the text), its address in the
  text, or its full name in the text.

Where more names overlap, the longest wins (``鑫达电子厂`` over ``鑫达厂``).
"""
from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional

from enterprise.records import Enterprise, EnterpriseLink, month_of

_REGION = re.compile(r"^(?:中国)?(?:[\u4e00-\u9fff]{2,3}省)?(?:[\u4e00-\u9fff]{2,4}市)?(?:[\u4e00-\u9fff]{2,3}[区县])?")
_LEGAL = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团公司|分公司|总公司|公司|集团|工厂|厂|店)$")
_INDUSTRY = re.compile(
    r"(?:电子科技|电子|科技|实业|制衣|服装|服饰|五金|塑胶|塑料|家具|印刷|包装|电器|机械|物流|建筑|工程|贸易|食品|模具|玩具|"
    r"鞋业|纺织|光电|精密|材料|环保|新能源|智能|制品|精工|工艺|技术|电路|线路板|照明|汽配|金属|化工|建材)$")
_SUFFIXES = ("厂", "公司", "工厂", "集团")

#: signal words looked for in linked documents, by group
TERMS = {
    "arrears": ("欠薪", "讨薪", "拖欠工资", "工资拖欠", "欠工资", "不发工资", "没发工资", "发不出工资", "工资没发",
                "讨要工资", "克扣工资", "拖欠", "结工资"),
    "gathering": ("聚集", "堵门", "拉横幅", "围堵", "上访", "静坐", "堵路", "维权", "聚众", "集体讨", "群体"),
    "shutdown": ("停工", "停产", "停业", "歇业", "关门", "倒闭", "没活干", "开工不足", "放长假", "停机"),
    "relocation": ("搬迁", "外迁", "搬厂", "连夜搬", "设备运走", "拉走设备", "搬走", "转移设备", "人去楼空", "跑路",
                   "搬到", "迁往"),
    # hearsay and questions: a post that only asks whether something happens counts half
    "hearsay": ("听说", "据说", "是不是", "会不会", "有没有知情", "？", "?"),
}


def short_names(full: str) -> tuple[Optional[str], Optional[str]]:
    """``(short, core)`` of a registered name: 深圳市鑫达电子有限公司 → (鑫达电子, 鑫达)."""
    rest = _REGION.sub("", full, count=1) or full
    rest = _LEGAL.sub("", rest) or rest
    rest = re.sub(r"[（(][^）)]*[）)]", "", rest) or rest
    core = _INDUSTRY.sub("", rest)
    short = rest if rest != full else None
    return short, (core if core and core != rest else None)


@dataclass
class Match:
    enterprise: str
    via: list[str] = field(default_factory=list)


class Linker:
    """An index of every enterprise's names; :meth:`link` finds the enterprises a text names.

    Args:
        enterprises: the ``enterprises`` records.
        min_chars: shorter names need a suffix (see the module docstring).
    """

    def __init__(self, enterprises: Iterable[Enterprise], min_chars: int = 4) -> None:
        self.enterprises: dict[str, Enterprise] = {}
        self.variants: dict[str, dict[str, str]] = defaultdict(dict)  # text → {enterprise: how}
        self.addresses: dict[str, str] = {}
        self.stems: dict[str, str] = {}  # a derived name (简称、字号+厂、别名) → the name without its suffix
        for ent in enterprises:
            self.enterprises[ent.id] = ent
            names = list(dict.fromkeys([ent.name, *ent.names]))
            for name in names:
                self._add(name, ent.id, "全称" if name == ent.name else "曾用名")
                short, core = short_names(name)
                for part, label in ((short, "简称"), (core, "字号")):
                    if not part:
                        continue
                    if len(part) >= min_chars:
                        self._add(part, ent.id, label)
                    for suffix in _SUFFIXES:
                        if len(part) >= 2:
                            self._add(part + suffix, ent.id, f"{label}+{suffix}")
            for alias in ent.aliases:
                if len(alias) >= min_chars:
                    self._add(alias, ent.id, "别名")
                for suffix in _SUFFIXES:
                    if len(alias) >= 2 and not alias.endswith(suffix):
                        self._add(alias + suffix, ent.id, f"别名+{suffix}")
            if ent.address and len(ent.address) >= 6:
                self.addresses[ent.address] = ent.id
                self._add(ent.address, ent.id, "地址")
        self._share_prefixes()
        self.by_bigram: dict[str, list[str]] = defaultdict(list)
        for text in self.variants:
            self.by_bigram[text[:2]].append(text)
        for texts in self.by_bigram.values():
            texts.sort(key=len, reverse=True)

    def _add(self, text: str, enterprise_id: str, how: str, stem: str = "") -> None:
        if len(text) >= 2:
            self.variants[text].setdefault(enterprise_id, how)
            if how not in ("全称", "曾用名", "地址"):
                self.stems[text] = stem or text.removesuffix(how.rsplit("+", 1)[-1] if "+" in how else "")

    def _share_prefixes(self) -> None:
        """A short name that begins another enterprise's short name names that one too: people call
        深圳市鑫达电子科技有限公司 鑫达电子 as well, so 鑫达电子 (and 鑫达电子厂) is shared by both."""
        owners: dict[str, set[str]] = defaultdict(set)
        for text, ids in self.variants.items():
            for eid, how in ids.items():
                if how.startswith(("简称", "字号", "别名")) and "+" not in how:
                    owners[text].add(eid)
        shorts = sorted(owners)  # names beginning with a stem sit right after it
        for text, stem in self.stems.items():
            at = bisect.bisect_right(shorts, stem)
            while at < len(shorts) and shorts[at].startswith(stem):
                for eid in owners[shorts[at]]:
                    self.variants[text].setdefault(eid, f"简称 {shorts[at]} 的前缀")
                at += 1

    def _mentions(self, text: str) -> list[str]:
        """Names found in ``text``, longest first at each place, without overlaps."""
        found: list[tuple[int, int, str]] = []
        for i in range(len(text) - 1):
            for name in self.by_bigram.get(text[i:i + 2], ()):
                if text.startswith(name, i):
                    found.append((i, i + len(name), name))
                    break
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        taken: list[tuple[int, int]] = []
        out = []
        for start, end, name in found:
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            out.append(name)
        return out

    def link(self, text: str, street: Optional[str] = None) -> list[Match]:
        """The enterprises ``text`` names (see the module docstring); ``street`` is the document's own."""
        named = self._mentions(text)
        direct: dict[str, Match] = {}
        evidence_names = set(named)
        for name in dict.fromkeys(named):  # a name said twice (title and text) is one piece of evidence
            candidates = self.variants[name]
            if len(candidates) == 1:
                [(eid, how)] = candidates.items()
                direct.setdefault(eid, Match(eid)).via.append(f"{how} {name}")
                continue
            chosen = []
            for eid in candidates:
                ent = self.enterprises[eid]
                extra = []
                if ent.street and (ent.street == street or ent.street in text):
                    extra.append(f"街道 {ent.street}")
                if ent.address and ent.address in evidence_names:
                    extra.append("地址")
                if ent.name in evidence_names and ent.name != name:
                    extra.append(f"全称 {ent.name}")
                if extra:
                    chosen.append((eid, extra))
            if len(chosen) == 1:  # more evidence singles one out; otherwise none is linked
                eid, extra = chosen[0]
                direct.setdefault(eid, Match(eid)).via.extend([f"{candidates[eid]} {name}（多家同名）", *extra])
        return list(direct.values())


def terms_in(text: str) -> dict[str, list[str]]:
    """Signal words of each group found in ``text`` (groups without any are left out)."""
    return {group: [w for w in words if w in text] for group, words in TERMS.items()
            if any(w in text for w in words)}


def links_for(linker: Linker, doc, analysis=None) -> list[EnterpriseLink]:
    """The link records of one document (and its analysis, for street and sentiment)."""
    street = analysis.location.street if analysis is not None else None
    text = f"{doc.title or ''}\n{doc.text}\n{getattr(doc, 'place', None) or ''}"
    matches = linker.link(text, street=street)
    if not matches:
        return []
    terms = terms_in(text)
    sentiment = analysis.sentiment.label if analysis is not None else None
    return [EnterpriseLink(id=f"{doc.id}|{m.enterprise}", doc_id=doc.id, enterprise=m.enterprise,
                           month=month_of(doc.published_at), published_at=doc.published_at,
                           source_type=doc.source_type, via=m.via, sentiment=sentiment, terms=terms)
            for m in matches]


def relink(store, linker: Linker, since, until, batch_size: int = 1000) -> dict[str, int]:
    """Link every document published in ``since``..``until`` again (names change with each import);
    links of that span that no longer hold are removed. Returns ``{"documents", "links", "removed"}``."""
    from yuqing.storage.base import Range

    kept: set[str] = set()
    documents = 0
    batch = []

    def flush() -> None:
        analyses = {a.id: a for a in store.get_analyses([d.id for d in batch])}
        links = [link for d in batch for link in links_for(linker, d, analyses.get(d.id))]
        if links:
            store.put_records("enterprise_links", links)
            kept.update(link.id for link in links)
        batch.clear()

    for doc in store.iter_documents(since=since, until=until, batch_size=batch_size):
        documents += 1
        batch.append(doc)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    removed = 0
    for old in store.find_records("enterprise_links", {"published_at": Range(gte=since, lt=until)}):
        if old.id not in kept:
            removed += store.delete_record("enterprise_links", old.id)
    store.flush()
    return {"documents": documents, "links": len(kept), "removed": removed}

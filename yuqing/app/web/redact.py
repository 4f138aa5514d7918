"""What a role may see: the one place the web UI masks personal data.

Every page context and every JSON body goes through a :class:`Redactor` made for the request's role
(``app.page``/``app.api_json``). For ``analyst``/``responder``/``admin`` it changes nothing; for
every other role it masks phone, ID and card numbers in every string (record ids excepted), hides
the home addresses the engine extracted from the documents involved, and hides the address that a
rescue alert's title is built from (``求助：<address>``).

Search highlights are made *after* masking, from the masked title and text, so a query such as
``3`` cannot split a phone number with 【】 markers and slip it past the mask.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

from pydantic import BaseModel

from yuqing.privacy import ADDRESS_MASK, mask_address, redact
from yuqing.storage import textindex

#: the prefix ``alerts.rules.rescue_request`` gives a rescue alert's title; the rest is the address
RESCUE_TITLE_PREFIX = "求助："
RESCUE_RULE = "rescue_request"


@dataclass
class Redactor:
    pii: bool
    addresses: tuple[str, ...] = ()

    @classmethod
    def for_role(cls, pii: bool, store=None, doc_ids: Iterable[str] = ()) -> "Redactor":
        """The redactor of a request; without PII rights it learns the addresses of ``doc_ids``."""
        if pii:
            return cls(True)
        return cls(False, known_addresses(store, doc_ids) if store is not None else ())

    # --- values --------------------------------------------------------------------------------------
    def text(self, text: Optional[str]) -> Optional[str]:
        return text if self.pii or not text else redact(text, self.addresses)

    def data(self, value: Any) -> Any:
        """JSON-like ``value`` (dicts, lists, strings) as this role may see it."""
        return value if self.pii else redact(value, self.addresses)

    def json(self, record: BaseModel) -> dict[str, Any]:
        """A record as a JSON object this role may see."""
        data = record.model_dump(mode="json")
        if self.pii:
            return data
        if isinstance(data.get("title"), str) and data.get("rule") == RESCUE_RULE:
            data["title"] = rescue_title(data["title"], data.get("street"))
        return self.data(data)

    def record(self, record: BaseModel) -> BaseModel:
        """A copy of ``record`` (same class) this role may see."""
        if self.pii:
            return record
        return type(record).model_validate(self.json(record))

    def value(self, value: Any, key: Any = None) -> Any:
        """Any page value: records, lists and dicts of them, strings; other values pass unchanged."""
        if self.pii:
            return value
        if isinstance(value, BaseModel):
            return self.record(value)
        if isinstance(value, SearchView):
            return value  # built from masked text already
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v, key) for v in value]
        if isinstance(value, str):
            return redact(value, self.addresses, key=key)
        return value

    def reveals(self, value: Any) -> bool:
        """Whether ``value`` holds something a masking redactor (``pii=False``) would hide.

        The audit log uses it: a page shown in full to an analyst is a view of personal data only
        when masking it would have changed something.
        """
        if self.pii:
            return False
        if isinstance(value, BaseModel):
            return self.json(value) != value.model_dump(mode="json")
        if isinstance(value, (list, tuple)):
            return any(self.reveals(v) for v in value)
        return self.data(value) != value

    # --- search --------------------------------------------------------------------------------------
    def search(self, result, query: str) -> "SearchView":
        """A search result as this role may see it, highlights made from what it may see."""
        view = SearchView(total=result.total)
        for hit in result.hits:
            doc = self.record(hit.document)
            if self.pii:
                marks = list(hit.highlight)
            else:  # mask first, then highlight: markers can no longer split a number
                marks = textindex.highlight(doc.title or "", query) + textindex.highlight(doc.text, query)
            view.hits.append(HitView(document=doc, score=hit.score, highlight=marks))
        return view


@dataclass
class HitView:
    document: Any
    score: float
    highlight: list[str]


@dataclass
class SearchView:
    total: int
    hits: list[HitView] = field(default_factory=list)


#: a title the rescue rule writes today (alerts.rules.rescue_request.rescue_title): a street (or 未定位),
#: a people count and Chinese labels of groups and needs; no address, no digits but the count
def _safe_rescue_title() -> "re.Pattern[str]":
    from yuqing.vocabulary import NEEDS, VULNERABLE

    words = "|".join(re.escape(w) for w in sorted(set(VULNERABLE.values()) | set(NEEDS.values()), key=len, reverse=True))
    return re.compile(rf"^(?:[\u4e00-\u9fff]{{1,12}}(?:街道|镇|乡)|未定位)(?: \d{{1,4}}人)?"
                      rf"(?: (?:{words})(?:、(?:{words}))*){{0,2}}$")


_SAFE_RESCUE_TITLE = _safe_rescue_title()


def rescue_title(title: str, street: Optional[str] = None) -> str:
    """``求助：民治街道某小区3栋`` → ``求助：民治街道****``.

    The rescue rule builds the title from the home address (or, without one, from the post).
    """
    if not title.startswith(RESCUE_TITLE_PREFIX):
        return title
    rest = title[len(RESCUE_TITLE_PREFIX):].rstrip("…")
    if _SAFE_RESCUE_TITLE.match(rest):  # the rule's own words: street, people, groups, needs
        return title
    masked = mask_address(rest)
    if masked == rest:  # nothing but a street
        return title
    if masked == ADDRESS_MASK and street:
        masked = street + ADDRESS_MASK
    return RESCUE_TITLE_PREFIX + masked


def known_addresses(store, doc_ids: Iterable[str]) -> tuple[str, ...]:
    """The home addresses the analyses of ``doc_ids`` extracted (requests for help)."""
    ids: Sequence[str] = list(dict.fromkeys(i for i in doc_ids if i))
    if not ids:
        return ()
    found = []
    for analysis in store.get_analyses(ids):
        rescue = getattr(analysis, "rescue", None)
        if rescue is not None and rescue.address:
            found.append(rescue.address)
    return tuple(dict.fromkeys(found))

"""报送与闭环 in a real browser (issue 14): an analyst dispatches an alert from its page, the department
answers through the signed link in its mail (no account) — accepts, returns it once with a reason —
the analyst dispatches again, the department accepts and closes with a photo as evidence, and the
alert page shows the whole trail. Real Chromium (tests/browser_support.py), the real service over
HTTP, a real SMTP receiver on loopback; fails on any console error."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_support import browser, needs_chromium, open_page  # noqa: E402,F401  (fixtures)
from conftest import DEPT, PNG, LiveWeb, mail_link, put_alert  # noqa: E402

pytestmark = needs_chromium


@pytest.fixture
def service(write_config, receivers, sqlite_store):
    config, _path = write_config(min_evidence_chars=40)
    put_alert(sqlite_store)
    with LiveWeb(config, sqlite_store) as live:
        live.store = sqlite_store
        live.smtp = receivers[0]
        yield live


def _next_link(smtp, seen: int, timeout: float = 30.0) -> str:
    """The signed link of the next mail after ``seen`` mails (delivery runs beside the request)."""
    deadline = time.monotonic() + timeout
    while len(smtp.messages) <= seen:
        assert time.monotonic() < deadline, "no 报送 mail arrived"
        time.sleep(0.05)
    _rcpt, text, link = mail_link(smtp, seen)
    assert link, text
    return link


def _dispatch(page, note: str) -> None:
    form = page.locator("form[action$='/dispatch-to']")
    form.locator("input[name=department]").fill(DEPT)
    form.locator("input[name=note]").fill(note)
    form.locator("button").click()
    page.wait_for_load_state("networkidle")


def test_dispatch_answer_return_redispatch_and_close_with_evidence(open_page, service, tmp_path):
    store, smtp = service.store, service.smtp
    ana = open_page("t-ana")
    page = ana.go("/alerts/a1")
    _dispatch(page, "请核实垃圾站恶臭")
    assert store.get_record("alerts", "a1").state == "dispatched"
    link = _next_link(smtp, 0)

    # the department: no account, only the signed link from its mail
    dept = open_page()
    answer = dept.go(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert DEPT in answer.content() and "13812345678" not in answer.content()  # phone masked for it
    dept.shot("dept-order")
    answer.locator("form[action*='/accept'] button").click()
    answer.wait_for_load_state("networkidle")
    assert "已签收" in answer.content()
    answer.locator("form[action*='/return'] input[name=text]").fill("不属于本科室职责，应由环卫所处置")
    answer.locator("form[action*='/return'] button").click()
    answer.wait_for_load_state("networkidle")
    assert "退回" in answer.content() and answer.locator("form[action*='/accept']").count() == 0

    # back to the analyst: the return is on the card; dispatch once more
    page = ana.go("/alerts/a1")
    assert "不属于本科室职责" in page.inner_text("body")
    _dispatch(page, "已与环卫所协调，仍请城管科牵头")
    link2 = _next_link(smtp, 1)
    assert link2 != link

    answer = dept.go(link2.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    answer.locator("form[action*='/accept'] button").click()
    answer.wait_for_load_state("networkidle")
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    close = answer.locator("form[action*='/close']")
    close.locator("input[name=text]").fill("已清运，垃圾站已消杀")
    close.locator("input[name=files]").set_input_files(str(photo))
    close.locator("button").click()
    answer.wait_for_load_state("networkidle")
    assert "办结" in answer.content()
    dept.shot("dept-closed")

    # the whole trail on the alert's page
    page = ana.go("/alerts/a1")
    trail = page.inner_text("body")
    for words in ("请核实垃圾站恶臭", "不属于本科室职责", "已清运，垃圾站已消杀"):
        assert words in trail, words
    assert store.get_record("alerts", "a1").state == "resolved"
    ana.shot("alert-closed-loop")

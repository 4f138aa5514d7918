"""Settings of 报送 and 闭环 (the ``dispatch.`` section of config.yaml)."""
from yuqing.config import Setting, minutes_by_severity, not_negative, positive


def _types(value):
    from dispatch.attachments import TYPES

    unknown = [t for t in value if t not in TYPES]
    return f"unknown attachment type(s) {', '.join(map(str, unknown))}; choose from {', '.join(TYPES)}" if unknown else None


SETTINGS = [
    Setting("dispatch.base_url", "", "Address of the web UI as departments reach it (https://yq.example.gov.cn); "
            "the signed links of 报送单 start with it. Empty: http://web.host:web.port."),
    Setting("dispatch.link_hours", 72.0, "How long a department's signed link (/dept/ORDER?sig=…) works. Links are "
            "signed (HMAC-SHA256) with the key in the environment variable YUQING_LINK_SECRET; without it a "
            "random key is made at each start, so a restart invalidates the links already sent (a chase sends "
            "a fresh one).", type=float, check=positive),
    Setting("dispatch.accept_minutes", {"red": 60, "orange": 120, "yellow": 480, "blue": 1440},
            "Minutes a department has to accept (签收) a 报送单, by the alert's severity.", type=dict,
            check=minutes_by_severity(every=True)),
    Setting("dispatch.close_minutes", {"red": 1440, "orange": 2880, "yellow": 10080, "blue": 20160},
            "Minutes from dispatch to closing (办结), by severity.", type=dict,
            check=minutes_by_severity(every=True)),
    Setting("dispatch.chase_minutes", 60, "An overdue 报送单 is chased (催办: the department notified again with a "
            "fresh link) at most this often; each missed deadline period also escalates it one level up the "
            "routing entry's `superior` chain, never back down.", type=int, check=positive),
    Setting("dispatch.check_interval", 300, "Seconds between runs of the service's dispatch job (chasing and "
            "escalating overdue orders, re-sending failed notifications); 0 leaves the job out.", type=int,
            check=not_negative),
    Setting("dispatch.min_evidence_chars", 30, "Closing (办结) needs a result and evidence: an attachment on the "
            "order, or a result of at least this many characters.", type=int, check=positive),
    Setting("dispatch.attachments_dir", "data/dispatch_files", "Folder where departments' attachments are stored "
            "(one sub-folder per order, files named by a random id, never by the sender).", type="path"),
    Setting("dispatch.attachment_types", ["jpeg", "png", "webp", "pdf"], "Attachment types accepted, recognised "
            "by their content (magic bytes), never by name or declared type: jpeg, png, webp, gif, pdf.",
            type=list, check=_types),
    Setting("dispatch.attachment_max_bytes", 10 * 1024 * 1024, "Largest attachment accepted (bytes).", type=int,
            check=positive),
    Setting("dispatch.attachments_per_reply", 5, "Most attachments in one reply.", type=int, check=positive),
]

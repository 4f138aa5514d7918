"""Settings of the emergency desk (the ``desk.`` section of config.yaml)."""
from yuqing.config import Setting


def _positive(value):
    return None if value > 0 else "must be greater than 0"


SETTINGS = [
    Setting("desk.claim_minutes", 15.0, "How long an operator's claim on a request for help (认领: \"I am calling "
            "this number\") holds before another operator may take the row; claiming again renews it.",
            type=float, check=_positive),
]

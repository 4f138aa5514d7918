"""Settings of the emergency desk (the ``desk.`` section of config.yaml)."""
from yuqing.config import Setting, positive


SETTINGS = [
    Setting("desk.claim_minutes", 15.0, "How long an operator's claim on a request for help (认领: \"I am calling "
            "this number\") holds before another operator may take the row; claiming again renews it.",
            type=float, check=positive),
]

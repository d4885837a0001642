"""The enumerations of the typed results and requests.

Each is a ``str``-based :class:`enum.Enum`: a member compares equal to its wire value (``TransType.DEPOSIT ==
"DEPOSIT"``), and a value this version does not know is still accepted and kept readable (``BizResultCode(
"RISK_REJECT").value == "RISK_REJECT"``), because the gateway may add codes at any time.
"""

from __future__ import annotations

import enum
from typing import Any


class _OpenStrEnum(str, enum.Enum):
    """A str enum that turns unknown values into pseudo-members instead of raising."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self.value)

    @property
    def is_known(self) -> bool:
        """Whether this value is one this version of the SDK documents."""
        return self._name_ in type(self).__members__


class BizResultCode(_OpenStrEnum):
    """The business result of an invite award (``biz_result_code``)."""

    #: A new user's award was issued. On the wire ``NEW_AWARD_SUCESS``: the typo is the gateway's own.
    NEW_AWARD_SUCCESS = "NEW_AWARD_SUCESS"
    #: This new user's award was already issued.
    NEW_ALREADY_AWARD = "NEW_ALREADY_AWARD"
    #: An old user's award was issued.
    OLD_AWARD_SUCCESS = "OLD_AWARD_SUCCESS"
    #: The old user has reached the activity's award limit.
    OLD_AWARD_OVER_LIMIT = "OLD_AWARD_OVER_LIMIT"
    #: The activity is paused.
    ACTIVITY_PAUSE = "ACTIVITY_PAUSE"
    #: The activity has ended.
    ACTIVITY_CLOSE = "ACTIVITY_CLOSE"
    #: The gateway rejected a parameter.
    INVALID_PARAMETER = "INVALID_PARAMETER"


class UserAttr(_OpenStrEnum):
    """Whether the user is new or old to Alipay (``user_attr``)."""

    NEW = "NEW"
    OLD = "OLD"


class TransType(_OpenStrEnum):
    """What a points update does (``trans_type``). Requests also accept the plain string."""

    #: Add points; ``biz_no`` is the trade no of the payment that earned them.
    DEPOSIT = "DEPOSIT"
    #: Reserve points; the result's ``point_log_no`` is the ``biz_no`` of the later COMMIT or CANCEL.
    FREEZE = "FREEZE"
    #: Spend frozen points; ``biz_no`` is the ``point_log_no`` of the freeze.
    COMMIT = "COMMIT"
    #: Release frozen points; ``biz_no`` is the ``point_log_no`` of the freeze.
    CANCEL = "CANCEL"
    #: Spend points directly.
    CONSUME = "CONSUME"

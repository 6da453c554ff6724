from tests.support.taubench_shop.tools.account import (
    Calculate,
    FindUserIdByEmail,
    GetUserDetails,
    ModifyUserAddress,
    Think,
    TransferToHumanAgents,
)
from tests.support.taubench_shop.tools.orders import (
    CancelPendingOrder,
    GetOrderDetails,
    ModifyPendingOrderAddress,
)

ALL_TOOLS = [
    Calculate,
    CancelPendingOrder,
    FindUserIdByEmail,
    GetOrderDetails,
    GetUserDetails,
    ModifyPendingOrderAddress,
    ModifyUserAddress,
    Think,
    TransferToHumanAgents,
]

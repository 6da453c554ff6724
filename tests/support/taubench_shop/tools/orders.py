import json
from typing import Any

from tests.support.taubench_shop.tools._info import info


class GetOrderDetails:
    @staticmethod
    def invoke(data: dict[str, Any], order_id: str) -> str:
        orders = data["orders"]
        if order_id in orders:
            return json.dumps(orders[order_id])
        return "Error: order not found"

    @staticmethod
    def get_info() -> dict[str, Any]:
        return info("get_order_details", "Get the status and details of an order.", order_id="Id.")


class CancelPendingOrder:
    @staticmethod
    def invoke(data: dict[str, Any], order_id: str, reason: str) -> str:
        orders = data["orders"]
        if order_id not in orders:
            return "Error: order not found"
        order = orders[order_id]
        if order["status"] != "pending":
            return "Error: non-pending order cannot be cancelled"
        if reason not in ["no longer needed", "ordered by mistake"]:
            return "Error: invalid reason"
        refund = {"transaction_type": "refund", "amount": order["payment_history"][0]["amount"]}
        order["status"] = "cancelled"
        order["cancel_reason"] = reason
        order["payment_history"].append(refund)
        return json.dumps(order)

    @staticmethod
    def get_info() -> dict[str, Any]:
        schema = info(
            "cancel_pending_order",
            "Cancel a pending order. Ask for explicit user confirmation (yes/no) first.",
            order_id="The order id, such as '#W000'.",
            reason="Either 'no longer needed' or 'ordered by mistake'.",
        )
        reason = schema["function"]["parameters"]["properties"]["reason"]
        reason["enum"] = ["no longer needed", "ordered by mistake"]
        return schema


class ModifyPendingOrderAddress:
    @staticmethod
    def invoke(data: dict[str, Any], order_id: str, address1: str, city: str, zip: str) -> str:
        orders = data["orders"]
        if order_id not in orders:
            return "Error: order not found"
        if orders[order_id]["status"] != "pending":
            raise ValueError("non-pending order cannot be modified")
        orders[order_id]["address"] = {"address1": address1, "city": city, "zip": zip}
        return json.dumps(orders[order_id])

    @staticmethod
    def get_info() -> dict[str, Any]:
        return info(
            "modify_pending_order_address",
            "Modify the shipping address of a pending order. Ask for confirmation first.",
            order_id="The order id.",
            address1="Street line.",
            city="City.",
            zip="Zip code.",
        )

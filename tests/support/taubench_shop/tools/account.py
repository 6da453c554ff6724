import json
from typing import Any

from tests.support.taubench_shop.tools._info import info


class FindUserIdByEmail:
    @staticmethod
    def invoke(data: dict[str, Any], email: str) -> str:
        for user_id, user in data["users"].items():
            if user["email"].lower() == email.lower():
                return user_id
        return "Error: user not found"

    @staticmethod
    def get_info() -> dict[str, Any]:
        return info("find_user_id_by_email", "Find user id by email.", email="The email.")


class GetUserDetails:
    @staticmethod
    def invoke(data: dict[str, Any], user_id: str) -> str:
        users = data["users"]
        if user_id in users:
            return json.dumps(users[user_id])
        return "Error: user not found"

    @staticmethod
    def get_info() -> dict[str, Any]:
        return info("get_user_details", "Get the details of a user.", user_id="The user id.")


class ModifyUserAddress:
    @staticmethod
    def invoke(data: dict[str, Any], user_id: str, address1: str, city: str, zip: str) -> str:
        users = data["users"]
        if user_id not in users:
            return "Error: user not found"
        users[user_id]["address"] = {"address1": address1, "city": city, "zip": zip}
        return json.dumps(users[user_id])

    @staticmethod
    def get_info() -> dict[str, Any]:
        return info(
            "modify_user_address",
            "Modify the default address of a user. Ask for explicit confirmation first.",
            user_id="The user id.",
            address1="Street line.",
            city="City.",
            zip="Zip code.",
        )


class Calculate:
    @staticmethod
    def invoke(data: dict[str, Any], expression: str) -> str:
        if not all(c in "0123456789+-*/(). " for c in expression):
            return "Error: invalid characters in expression"
        try:
            return str(round(float(eval(expression, {"__builtins__": None}, {})), 2))
        except Exception as e:
            return f"Error: {e}"

    @staticmethod
    def get_info() -> dict[str, Any]:
        return info("calculate", "Calculate an arithmetic expression.", expression="E.g. 2 * 3.")


class Think:
    @staticmethod
    def invoke(data: dict[str, Any], thought: str) -> str:
        return ""

    @staticmethod
    def get_info() -> dict[str, Any]:
        return info("think", "Think about something; nothing changes.", thought="A thought.")


class TransferToHumanAgents:
    @staticmethod
    def invoke(data: dict[str, Any], summary: str) -> str:
        return "Transfer successful"

    @staticmethod
    def get_info() -> dict[str, Any]:
        return info(
            "transfer_to_human_agents",
            "Transfer the user to a human agent, with a summary of the issue.",
            summary="A summary of the user's issue.",
        )

from typing import Any


def info(name: str, description: str, **params: str) -> dict[str, Any]:
    """An OpenAI function schema with string parameters, all required."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {p: {"type": "string", "description": d} for p, d in params.items()},
                "required": list(params),
            },
        },
    }

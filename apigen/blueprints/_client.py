"""What phase 1 needs from the LLM client: its protocol and per-role usage."""

from __future__ import annotations

from apigen.llm import ModelClient, RoleUsage

__all__ = ["ModelClient", "RoleUsage"]

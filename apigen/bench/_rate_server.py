"""A local OpenAI-compatible endpoint that enforces a request rate (for benchmarks).

``RateLimitedServer(rpm=1200).start()`` serves ``POST /v1/chat/completions`` on
127.0.0.1, answering with a short completion while the request rate stays within
``rpm`` (a token bucket holding ``burst_s`` seconds of requests) and with HTTP 429
plus ``Retry-After`` beyond it, like a hosted provider. Being one process, it
enforces one limit for every worker of a run: the setting the shared rate limiter
is measured against. Reach it through litellm as ``openai/<name>`` with
``api_base=server.url``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["RateLimitedServer"]


class RateLimitedServer:
    """See the module docstring. Counts ``served`` and ``rejected`` requests."""

    def __init__(self, rpm: float, *, burst_s: float = 1.0, port: int = 0) -> None:
        self.rate = rpm / 60.0
        self.capacity = max(1.0, self.rate * burst_s)
        self._level = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()
        self.served = 0
        self.rejected = 0
        self.first: float | None = None
        self.last: float | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                allowed, retry_after = server._admit()
                if allowed:
                    status, body, headers = 200, _completion(payload), {}
                else:
                    status = 429
                    body = {"error": {"message": "rate limit", "type": "rate_limit_error"}}
                    headers = {"retry-after": f"{retry_after:.3f}"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def _admit(self) -> tuple[bool, float]:
        with self._lock:
            now = time.monotonic()
            self._level = min(self.capacity, self._level + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._level >= 1.0:
                self._level -= 1.0
                self.served += 1
                self.first = self.first if self.first is not None else now
                self.last = now
                return True, 0.0
            self.rejected += 1
            return False, (1.0 - self._level) / self.rate

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> RateLimitedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _completion(payload: dict[str, Any]) -> dict[str, Any]:
    messages = payload.get("messages") or [{}]
    text = str(messages[-1].get("content") or "ok")[:200]
    prompt = sum(len(str(m.get("content") or "")) for m in messages) // 4 + 1
    return {
        "id": "chatcmpl-sim",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": payload.get("model", "sim"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": len(text) // 4 + 1,
            "total_tokens": prompt + len(text) // 4 + 1,
        },
    }

"""Fakes at the one seam we do not own: remote LLM servers, speaking their HTTP protocols.

``FakeOpenAIServer`` answers ``GET /v1/models`` and ``POST /v1/chat/completions`` (plain
and server-sent events); ``FakeOllamaServer`` answers ``GET /api/tags`` and
``POST /api/chat`` (plain and newline-delimited JSON streaming). Each replies with what its
``reply`` function returns for the request's messages, and records every request body, so a
test can see exactly what the assistant sent.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[list[dict[str, Any]]], str]


class _FakeServer:
    def __init__(self, reply: Reply, model: str) -> None:
        self.reply = reply
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> _FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake.get(self)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(body)
                fake.post(self, body)

        return Handler

    def get(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def post(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        raise NotImplementedError


def _send_json(handler: BaseHTTPRequestHandler, payload: Any, status: int = 200) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _pieces(text: str) -> list[str]:
    """The reply cut into word-sized pieces, as a server streams tokens."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


class FakeOpenAIServer(_FakeServer):
    """A small OpenAI-compatible chat server (``/v1``)."""

    def __init__(self, reply: Reply, model: str = "fake-gpt") -> None:
        super().__init__(reply, model)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def get(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path.rstrip("/") == "/v1/models":
            _send_json(handler, {"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "fake"}]})
        else:
            _send_json(handler, {"error": {"message": "not found"}}, 404)

    def post(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if handler.path.rstrip("/") != "/v1/chat/completions":
            _send_json(handler, {"error": {"message": "not found"}}, 404)
            return
        text = self.reply(body.get("messages", []))
        created = int(time.time())
        if not body.get("stream"):
            _send_json(
                handler,
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": created,
                    "model": self.model,
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                },
            )
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        for i, piece in enumerate([*_pieces(text), None]):
            delta = {"content": piece} if piece is not None else {}
            if i == 0:
                delta["role"] = "assistant"
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": None if piece is not None else "stop"}],
            }
            handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        handler.wfile.write(b"data: [DONE]\n\n")


class FakeOllamaServer(_FakeServer):
    """A small Ollama server (``/api/chat``, ``/api/tags``)."""

    def __init__(self, reply: Reply, model: str = "fake-llama") -> None:
        super().__init__(reply, model)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path.rstrip("/") == "/api/tags":
            _send_json(handler, {"models": [{"name": f"{self.model}:latest", "model": f"{self.model}:latest"}]})
        else:
            _send_json(handler, {"error": "not found"}, 404)

    def post(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if handler.path.rstrip("/") != "/api/chat":
            _send_json(handler, {"error": "not found"}, 404)
            return
        text = self.reply(body.get("messages", []))
        stamp = "2024-09-06T00:00:00Z"
        done = {"done": True, "done_reason": "stop", "total_duration": 1, "eval_count": 1, "prompt_eval_count": 1}
        if body.get("stream") is False:
            message = {"role": "assistant", "content": text}
            _send_json(handler, {"model": body.get("model"), "created_at": stamp, "message": message, **done})
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "application/x-ndjson")
        handler.end_headers()
        for piece in _pieces(text):
            line = {"model": body.get("model"), "created_at": stamp, "message": {"role": "assistant", "content": piece}}
            handler.wfile.write((json.dumps({**line, "done": False}) + "\n").encode())
        last = {"model": body.get("model"), "created_at": stamp, "message": {"role": "assistant", "content": ""}}
        handler.wfile.write((json.dumps({**last, **done}) + "\n").encode())


def user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message (content as a string or as OpenAI content parts)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
            return str(content or "")
    return ""

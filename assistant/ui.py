"""The chat page: a Gradio app over the same engine the CLI uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .answers import Answer
from .settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def credentials(settings: Settings) -> tuple[str, str] | None:
    """``user:password`` from settings; binding beyond loopback requires it."""
    if settings.auth:
        user, sep, password = settings.auth.partition(":")
        if not (sep and user and password):
            raise ValueError("ASSISTANT_AUTH must look like user:password")
        return user, password
    if settings.host not in LOOPBACK:
        raise ValueError(
            f"binding to {settings.host} needs credentials: set ASSISTANT_AUTH=user:password"
        )
    return None


def build_app(assistant: Any) -> Any:
    import gradio as gr

    def respond(message: str, history: list[Any]) -> Iterator[str]:
        final: Answer | None = None
        for part in assistant.stream(message):
            if isinstance(part, Answer):
                final = part
            else:
                yield part
        if final is not None:
            text = final.answer
            if final.citations:
                text += "\n\nSources:\n" + final.sources_text()
            yield text

    return gr.ChatInterface(
        respond,
        title="News Assistant",
        examples=["What did Kishida say about the 1998 declaration?"],
    )


def serve(assistant: Any, settings: Settings) -> None:
    auth = credentials(settings)
    app = build_app(assistant)
    app.launch(server_name=settings.host, server_port=settings.port, auth=auth, share=False)

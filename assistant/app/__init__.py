"""The chat page: the Gradio app, the rendering of answers and sources, and the library
of articles (upload, remove, re-index)."""

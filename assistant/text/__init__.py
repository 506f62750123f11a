"""The shared text toolkit: one tokeniser, stemmer and stop-word list, one sentence splitter
and dateline pattern, and one detector of what kind of answer a question wants."""

"""Answers: the cited answer types, the extractive answerer, comparisons across outlets,
answers written by a language model, their prompts, and the verifier that checks them."""

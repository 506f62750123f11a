"""Evaluation: read a question file, measure retrieval and answers, sweep settings, and
write a report with plots."""

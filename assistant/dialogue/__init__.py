"""Dialogue: follow-up questions turned into standalone ones, and follow-ups that ask how
someone responded."""

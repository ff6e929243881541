"""Policy engine tests (no Rasa needed)."""

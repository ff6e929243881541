"""Custom actions: thin adapters from Rasa slots to the policy engine."""

"""Operations support: PII masking, masking tracker store, guarded REST channel, health checks,
failed-message export and conversation retention. See docs/operations.md."""

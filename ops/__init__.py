"""Operations support: PII masking, masking tracker store, guarded REST channel, health checks,
failed-message export and conversation retention. See docs/operations.md."""

# Rasa imports this package for the tracker store and the REST channel of every profile: the
# process-wide runtime settings (cached response validation, event class lookup, warning filters) are installed here.
import assistant_runtime as _runtime  # noqa: E402

_runtime.install()

"""Typed failures of the engine.

`ImageRejected` is permanent: the input itself is bad or over a limit, and retrying cannot help. The handler
records it as REJECTED with `reason` and acknowledges the message. `SpecError` is a configuration error
(bad `VARIANTS`). `RenderInterrupted` is transient: `render_isolated` could not finish, for a reason that says
nothing about the input.
"""


class ImageRejected(Exception):
    """The input cannot be rendered; `reason` is one human-readable line."""

    def __init__(self, reason: str) -> None:
        # Reasons end up in a DynamoDB attribute and on one stderr line: keep them single-line and bounded.
        self.reason = " ".join(reason.split())[:300]
        super().__init__(self.reason)


class SpecError(ValueError):
    """A variant spec or preset name is invalid; the message names the field, e.g. `variants[2].fit: ...`."""


class RenderInterrupted(Exception):
    """A render cut short by something other than the input: the caller's wall deadline, or its process died
    (a signal, a crash). The input is not known to be bad; the caller retries it."""

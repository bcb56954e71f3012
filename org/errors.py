"""The one error type for rule violations a user can act on.

Raised by services with a specific Chinese message; turned into a 400 (API) or a form error
(pages) in one place each (`org.api.errors.exception_handler`, `org.views.ApplicationErrorMixin`).
"""


class ApplicationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid", fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}

"""Log filters named in ``settings.LOGGING``."""

import logging


class OneLineForbidden(logging.Filter):
    """A 403 is an expected answer (someone tried a page their role or village does not allow): one line with
    the path, the user and the reason, never a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            reason = record.exc_info[1] if record.exc_info and record.exc_info[1] else None
            request = getattr(record, "request", None)
            user = getattr(request, "user", None)
            who = user.get_username() if user is not None and user.is_authenticated else "anonymous"
            detail = f" (user {who}{f': {reason}' if reason and str(reason) else ''})"
            record.msg = str(record.msg) + detail.replace("%", "%%")
            record.exc_info = None
            record.exc_text = None
        return True

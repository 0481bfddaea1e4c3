"""Invitation tokens are secrets (whoever holds one can submit a story for a family): they never reach a log.

The token travels in the path of the families' pages (`/<lang>/share/<token>/...`), so the request line, the path and
the Referer of every request made from those pages carry it. `redact` replaces it; `RedactSecretsFilter` applies it to
Django's loggers (django.request, django.server) and `RedactingGunicornLogger` to gunicorn's access log.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

# `share/receipt/` is a fixed page, not a token; anything else after /share/ up to the next separator is one.
SHARE_TOKEN_RE = re.compile(r"(/share/)(?!receipt(?:[/?#\s\"']|$))[^/?#\s\"']+")
# The short code can also arrive as a query parameter (a hand-out link).
CODE_PARAM_RE = re.compile(r"([?&](?:code|token)=)[^&#\s\"']+", re.IGNORECASE)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with every invitation token or short code replaced by a placeholder."""
    if not isinstance(text, str) or ("/share/" not in text and "=" not in text):
        return text
    return CODE_PARAM_RE.sub(rf"\1{REDACTED}", SHARE_TOKEN_RE.sub(rf"\1{REDACTED}", text))


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message and arguments so no handler ever formats a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: self._clean(value) for key, value in record.args.items()}
        return True

    @staticmethod
    def _clean(value):
        return redact(value) if isinstance(value, str) else value


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger, with tokens removed from every access-log atom (request line, path, query, Referer) and
    from its error log ("Error handling request /kk/share/…")."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RedactSecretsFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}

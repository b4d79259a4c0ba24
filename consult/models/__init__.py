"""The stored data, one module per purpose; every model is importable from here."""

from __future__ import annotations

from consult.models.jobs import PreparedDownload, QueuedJob, ThemeGroupTables, ThemeRun
from consult.models.mail import OutboxMessage, RequestedEmail
from consult.models.officers import AuditEvent, Officer, OfficerRole, OfficerSession, SignInLink
from consult.models.publishing import BoardReportWords, Release, ReleaseGroup
from consult.models.responses import Answer, Channel, Consultation, Invitation, Origin, Response, Status
from consult.models.themes import Stage, Theme, ThemeAnswer, ThemeAnswerTheme, ThemeSet

__all__ = [
    "Answer",
    "AuditEvent",
    "BoardReportWords",
    "Channel",
    "Consultation",
    "Invitation",
    "Officer",
    "OfficerRole",
    "OfficerSession",
    "Origin",
    "OutboxMessage",
    "PreparedDownload",
    "QueuedJob",
    "Release",
    "ReleaseGroup",
    "RequestedEmail",
    "Response",
    "SignInLink",
    "Stage",
    "Status",
    "Theme",
    "ThemeAnswer",
    "ThemeAnswerTheme",
    "ThemeGroupTables",
    "ThemeRun",
    "ThemeSet",
]

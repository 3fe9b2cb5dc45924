from enum import StrEnum


class TeamRole(StrEnum):
    LEAD = "lead"
    MEMBER = "member"

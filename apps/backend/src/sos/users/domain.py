from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    RESPONDER = "responder"
    REPORTER = "reporter"


class MembershipStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


STAFF_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})

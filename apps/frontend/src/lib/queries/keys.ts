/** Every query key of the console, so an event (or a mutation) can invalidate exactly what it changed. */
export const keys = {
  alerts: {
    all: ["alerts"] as const,
    list: (filters: object) => ["alerts", "list", filters] as const,
    detail: (id: string) => ["alerts", "detail", id] as const,
    timeline: (id: string) => ["alerts", "detail", id, "timeline"] as const,
    messages: (id: string) => ["alerts", "detail", id, "messages"] as const,
    locations: (id: string) => ["alerts", "detail", id, "locations"] as const,
    assignments: (id: string) => ["alerts", "detail", id, "assignments"] as const,
  },
  incidents: {
    all: ["incidents"] as const,
    list: (filters: object) => ["incidents", "list", filters] as const,
    detail: (id: string) => ["incidents", "detail", id] as const,
    timeline: (id: string) => ["incidents", "detail", id, "timeline"] as const,
    messages: (id: string) => ["incidents", "detail", id, "messages"] as const,
  },
  responders: {
    all: ["responders"] as const,
    list: (filters: object) => ["responders", "list", filters] as const,
    detail: (id: string) => ["responders", "detail", id] as const,
    me: ["responders", "me"] as const,
  },
  users: {
    all: ["users"] as const,
    list: (filters: object) => ["users", "list", filters] as const,
    me: ["users", "me"] as const,
  },
  teams: {
    all: ["teams"] as const,
    list: ["teams", "list"] as const,
    members: (id: string) => ["teams", id, "members"] as const,
  },
  organization: ["organization"] as const,
  notifications: {
    all: ["notifications"] as const,
    recent: ["notifications", "recent"] as const,
  },
  contactMethods: ["me", "contact-methods"] as const,
  notificationRules: ["me", "notification-rules"] as const,
  quietHours: ["me", "quiet-hours"] as const,
  webPushKey: ["web-push-key"] as const,
  providers: {
    all: ["notification-providers"] as const,
    list: ["notification-providers", "list"] as const,
    kinds: ["notification-providers", "kinds"] as const,
  },
};

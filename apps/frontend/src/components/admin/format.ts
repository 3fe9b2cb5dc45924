const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A point in time as the reader's locale writes it, e.g. "25 Nov 2026, 21:28". */
export const formatDateTime = (iso: string): string => DATE_TIME.format(new Date(iso));

"use client";

import type { NotificationRead } from "@sos/contracts";
import { Bell } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { formatAge, formatDateTime } from "@/components/alerts/format";
import { useNow } from "@/components/alerts/use-now";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { cn } from "@/lib/cn";
import { unreadCount, useMarkNotificationRead, useMyNotifications } from "@/lib/queries/notifications";

function NotificationItem({
  notification,
  now,
  onRead,
  onOpen,
}: {
  notification: NotificationRead;
  now: number;
  onRead: (id: string) => void;
  onOpen: () => void;
}) {
  const unread = notification.read_at === null;
  return (
    <li className={cn("rounded-md border border-border p-md", unread && "border-l-4 border-l-danger")}>
      <p className="font-medium text-foreground">
        {unread ? <span className="sr-only">Unread: </span> : null}
        {notification.title}
      </p>
      <p className="text-sm text-muted-foreground">{notification.body}</p>
      <div className="mt-xs flex flex-wrap items-center gap-sm text-xs text-muted-foreground">
        <time dateTime={notification.created_at} title={formatDateTime(notification.created_at)}>
          {formatAge(notification.created_at, now)}
        </time>
        {notification.alert_id ? (
          <Link
            href={`/alerts/view/?id=${notification.alert_id}`}
            onClick={onOpen}
            className="font-medium text-primary underline-offset-2 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            Open alert
          </Link>
        ) : null}
        {unread ? (
          <Button variant="outline" size="sm" onClick={() => onRead(notification.id)}>
            Mark read
          </Button>
        ) : null}
      </div>
    </li>
  );
}

/** The bell in the header: who was paged for what (escalations, assignments), with the unread ones first in mind. */
export function NotificationsMenu() {
  const [open, setOpen] = useState(false);
  const now = useNow();
  const notifications = useMyNotifications();
  const markRead = useMarkNotificationRead();
  const unread = unreadCount(notifications.data);
  const items = notifications.data?.items ?? [];
  // The label names what the badge shows, so the visible text and the accessible name agree.
  const badge = unread > 9 ? "9+" : String(unread);
  const label = unread ? `Notifications, ${badge} unread` : "Notifications";
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" aria-label={label} className="relative">
          <Bell aria-hidden="true" />
          {unread ? (
            <span
              aria-hidden="true"
              className="absolute -right-[0.375rem] -top-[0.375rem] min-w-[1.25rem] rounded-full bg-danger px-[0.25rem] text-center text-xs font-semibold leading-[1.25rem] text-danger-foreground"
            >
              {badge}
            </span>
          ) : null}
        </Button>
      </DialogTrigger>
      <DialogContent title="Notifications" description="Escalations and assignments that reached you, newest first.">
        {notifications.isError && !notifications.data ? (
          <p role="alert" className="text-sm text-danger">
            Notifications could not be loaded; they are retried in the background.
          </p>
        ) : items.length === 0 ? (
          <p className="text-sm text-muted-foreground">No notifications yet.</p>
        ) : (
          <ul className="flex flex-col gap-sm">
            {items.map((notification) => (
              <NotificationItem
                key={notification.id}
                notification={notification}
                now={now}
                onRead={(id) => markRead.mutate(id)}
                onOpen={() => setOpen(false)}
              />
            ))}
          </ul>
        )}
      </DialogContent>
    </Dialog>
  );
}

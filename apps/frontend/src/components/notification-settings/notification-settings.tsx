"use client";

import { Card, CardTitle } from "@/components/ui/card";
import { EmptyState, QueryBody } from "@/components/ui/states";
import { useContactMethods } from "@/lib/queries/contact-methods";
import { useNotificationRules, useQuietHours } from "@/lib/queries/notification-rules";
import { AddMethodForm } from "./add-method-form";
import { MethodRow } from "./method-row";
import { PushControl } from "./push-control";
import { QuietHoursForm } from "./quiet-hours-form";
import { RuleEditor } from "./rules-editor";

/** How pages reach the signed-in person: contact methods, rules per urgency, and quiet hours. */
export function NotificationSettings() {
  const methods = useContactMethods();
  const rules = useNotificationRules();
  const quietHours = useQuietHours();
  return (
    <div className="flex max-w-[56rem] flex-col gap-lg">
      <Card className="flex flex-col gap-md">
        <div>
          <CardTitle>Contact methods</CardTitle>
          <p className="text-sm text-muted-foreground">
            Where pages reach you. Email addresses and phone numbers are used once you enter the code sent to them.
          </p>
        </div>
        <QueryBody query={methods} loading="Loading your contact methods" rows={2}>
          {(list) =>
            list.length === 0 ? (
              <EmptyState title="No contact methods yet">
                Until you add one, pages reach you only inside the console.
              </EmptyState>
            ) : (
              <ul className="flex flex-col gap-sm" aria-label="Your contact methods">
                {list.map((method) => (
                  <MethodRow key={method.id} method={method} />
                ))}
              </ul>
            )
          }
        </QueryBody>
        <PushControl />
        <div className="border-t border-border pt-md">
          <AddMethodForm />
        </div>
      </Card>

      <section aria-labelledby="rules-heading" className="flex flex-col gap-md">
        <div>
          <h2 id="rules-heading" className="text-lg font-semibold text-foreground">
            Notification rules
          </h2>
          <p className="text-sm text-muted-foreground">
            Each step notifies one contact method, after its wait from the start of the page, until someone
            acknowledges. With no rule, every verified push device and email address of yours is notified at once.
            Moving a step keeps the waits in place and changes which method is used when.
          </p>
        </div>
        <QueryBody query={rules} loading="Loading your notification rules" rows={2}>
          {(saved) => (
            <>
              <RuleEditor urgency="default" saved={saved.default} methods={methods.data ?? []} />
              <RuleEditor urgency="critical" saved={saved.critical} methods={methods.data ?? []} />
            </>
          )}
        </QueryBody>
      </section>

      <QueryBody query={quietHours} loading="Loading your quiet hours" rows={1}>
        {(saved) => <QuietHoursForm saved={saved} />}
      </QueryBody>
    </div>
  );
}

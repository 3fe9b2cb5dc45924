"use client";

import type { ContactMethodRead, RuleStepRead, Urgency } from "@sos/contracts";
import { ArrowDown, ArrowUp, Plus, Save, Trash2, Undo2 } from "lucide-react";
import { useEffect, useId, useMemo, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardTitle } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useReplaceRule } from "@/lib/queries/notification-rules";
import { notify } from "@/lib/toast";
import { CHANNEL_LABEL, STATE_TEXT, methodState, usable } from "./contact-method-model";
import {
  addStep,
  checkRule,
  describeDelay,
  draftOf,
  MAX_STEPS,
  moveStep,
  removeStep,
  sameSteps,
  secondsOf,
  type DelayUnit,
  type DraftStep,
  type StepErrors,
} from "./rules-model";

const TITLE: Record<Urgency, string> = { default: "Default alerts", critical: "Critical alerts" };
const EXPLANATION: Record<Urgency, string> = {
  default: "Pages about alerts below critical severity. They wait until your quiet hours end.",
  critical: "Pages about critical alerts. They ring through your quiet hours.",
};

const methodName = (method: ContactMethodRead): string =>
  `${method.label} (${CHANNEL_LABEL[method.channel]}${usable(method) ? "" : `, ${STATE_TEXT[methodState(method)].label.toLowerCase()}`})`;

/** The ordered steps of one urgency's rule: which method, after how long. */
export function RuleEditor({
  urgency,
  saved,
  methods,
}: {
  urgency: Urgency;
  saved: readonly RuleStepRead[];
  methods: readonly ContactMethodRead[];
}) {
  const id = useId();
  const replace = useReplaceRule();
  const fromServer = useMemo(() => draftOf(saved), [saved]);
  const [draft, setDraft] = useState<DraftStep[] | null>(null);
  const [errors, setErrors] = useState<StepErrors[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [focusRequest, setFocusRequest] = useState<string | null>(null);
  const steps = draft ?? fromServer;
  const dirty = draft !== null && !sameSteps(draft, saved);
  const byId = new Map(methods.map((method) => [method.id, method]));
  const canAdd =
    steps.length < MAX_STEPS && methods.some((m) => usable(m) && !steps.some((s) => s.contactMethodId === m.id));

  useEffect(() => {
    if (!focusRequest) return;
    const element = document.getElementById(focusRequest);
    if (element instanceof HTMLElement) element.focus();
    setFocusRequest(null);
  }, [focusRequest]);

  const change = (next: DraftStep[]) => {
    setDraft(next);
    setErrors([]);
    setFormError(null);
  };

  const nameAt = (step: DraftStep | undefined) => {
    const method = step ? byId.get(step.contactMethodId) : undefined;
    return method ? method.label : "The step";
  };

  const move = (index: number, direction: -1 | 1) => {
    const next = moveStep(steps, index, direction);
    change(next);
    const target = index + direction;
    setAnnouncement(
      `${nameAt(steps[index])} is now step ${target + 1}, ${describeDelay(next[target] ? (secondsOf(next[target]) ?? 0) : 0)}.`,
    );
    // Keep the keyboard on the moved step; at either end the other move button takes the focus.
    const edge = target === 0 ? "down" : target === next.length - 1 ? "up" : direction === -1 ? "up" : "down";
    setFocusRequest(`${id}-step-${target}-${edge}`);
  };

  const remove = (index: number) => {
    const next = removeStep(steps, index);
    change(next);
    setAnnouncement(`${nameAt(steps[index])} removed from the rule.`);
    setFocusRequest(next.length ? `${id}-step-${Math.min(index, next.length - 1)}-method` : `${id}-add`);
  };

  const update = (index: number, changes: Partial<DraftStep>) =>
    change(steps.map((step, at) => (at === index ? { ...step, ...changes } : step)));

  const save = () => {
    const check = checkRule(steps, methods);
    if (!check.ok) {
      setErrors(check.errors);
      setFormError(check.message);
      return;
    }
    replace.mutate(
      { urgency, steps: check.steps },
      {
        onSuccess: () => {
          setDraft(null);
          notify({
            tone: "success",
            title: `${TITLE[urgency]} rule saved`,
            ...(check.steps.length
              ? {}
              : { description: "Without steps, every verified push device and email is notified at once." }),
          });
        },
        onError: (error) =>
          setFormError(error instanceof ApiProblem ? describeProblem(error) : "Saving failed. Try again."),
      },
    );
  };

  return (
    <Card role="region" className="flex flex-col gap-md" aria-labelledby={`${id}-title`}>
      <div>
        <CardTitle id={`${id}-title`}>{TITLE[urgency]}</CardTitle>
        <p className="text-sm text-muted-foreground">{EXPLANATION[urgency]}</p>
      </div>
      {steps.length === 0 ? (
        <p className="rounded-md bg-muted p-sm text-sm text-foreground">
          No rule: every verified push device and email address of yours is notified at once.
        </p>
      ) : (
        <ol className="flex flex-col gap-sm" aria-label={`Steps of the ${TITLE[urgency].toLowerCase()} rule`}>
          {steps.map((step, index) => {
            const stepId = `${id}-step-${index}`;
            const error = errors[index] ?? {};
            const known = byId.has(step.contactMethodId);
            return (
              <li key={step.key} className="flex flex-col gap-xs rounded-md border border-border p-sm">
                <div className="flex flex-wrap items-end gap-sm">
                  <span aria-hidden="true" className="pb-sm text-sm font-semibold text-muted-foreground">
                    {index + 1}.
                  </span>
                  <div className="flex min-w-[12rem] flex-1 flex-col gap-xs">
                    <label htmlFor={`${stepId}-method`} className="text-xs font-medium text-foreground">
                      Step {index + 1}: contact method
                    </label>
                    <Select
                      id={`${stepId}-method`}
                      value={step.contactMethodId}
                      aria-invalid={Boolean(error.method)}
                      aria-describedby={error.method ? `${stepId}-method-error` : undefined}
                      onChange={(event) => update(index, { contactMethodId: event.target.value })}
                    >
                      {known ? null : <option value={step.contactMethodId}>A removed method</option>}
                      {methods.map((method) => (
                        <option key={method.id} value={method.id} disabled={!usable(method)}>
                          {methodName(method)}
                        </option>
                      ))}
                    </Select>
                  </div>
                  <div className="flex flex-col gap-xs">
                    <label htmlFor={`${stepId}-delay`} className="text-xs font-medium text-foreground">
                      Step {index + 1}: wait
                    </label>
                    <div className="flex gap-xs">
                      <Input
                        id={`${stepId}-delay`}
                        type="number"
                        inputMode="numeric"
                        min={0}
                        className="w-24"
                        value={step.amount}
                        aria-invalid={Boolean(error.delay)}
                        aria-describedby={error.delay ? `${stepId}-delay-error` : undefined}
                        onChange={(event) => update(index, { amount: event.target.value })}
                      />
                      <Select
                        aria-label={`Step ${index + 1}: unit of the wait`}
                        className="w-32"
                        value={step.unit}
                        onChange={(event) => update(index, { unit: event.target.value as DelayUnit })}
                      >
                        <option value="minutes">minutes</option>
                        <option value="seconds">seconds</option>
                      </Select>
                    </div>
                  </div>
                  <div className="flex gap-xs">
                    <Button
                      id={`${stepId}-up`}
                      variant="outline"
                      size="icon"
                      aria-label={`Move step ${index + 1} up`}
                      disabled={index === 0}
                      onClick={() => move(index, -1)}
                    >
                      <ArrowUp aria-hidden="true" />
                    </Button>
                    <Button
                      id={`${stepId}-down`}
                      variant="outline"
                      size="icon"
                      aria-label={`Move step ${index + 1} down`}
                      disabled={index === steps.length - 1}
                      onClick={() => move(index, 1)}
                    >
                      <ArrowDown aria-hidden="true" />
                    </Button>
                    <Button
                      variant="outline"
                      size="icon"
                      aria-label={`Remove step ${index + 1}`}
                      onClick={() => remove(index)}
                    >
                      <Trash2 aria-hidden="true" />
                    </Button>
                  </div>
                </div>
                {error.method ? (
                  <p id={`${stepId}-method-error`} role="alert" className="text-xs font-medium text-danger">
                    {error.method}
                  </p>
                ) : null}
                {error.delay ? (
                  <p id={`${stepId}-delay-error`} role="alert" className="text-xs font-medium text-danger">
                    {error.delay}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
      {formError ? (
        <p role="alert" className="text-sm font-medium text-danger">
          {formError}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-sm border-t border-border pt-md">
        <Button
          id={`${id}-add`}
          variant="outline"
          onClick={() => {
            const next = addStep(steps, methods);
            change(next);
            setFocusRequest(`${id}-step-${next.length - 1}-method`);
          }}
          disabled={!canAdd}
        >
          <Plus aria-hidden="true" /> Add step
        </Button>
        <p className="mr-auto text-sm font-medium text-foreground" role="status">
          {dirty ? "Unsaved changes" : null}
        </p>
        <Button
          variant="outline"
          onClick={() => {
            change(fromServer);
            setDraft(null);
          }}
          disabled={!dirty || replace.isPending}
        >
          <Undo2 aria-hidden="true" /> Undo changes
        </Button>
        <Button onClick={save} disabled={!dirty || replace.isPending}>
          <Save aria-hidden="true" /> {replace.isPending ? "Saving…" : `Save ${TITLE[urgency].toLowerCase()} rule`}
        </Button>
      </div>
      {canAdd || steps.length ? null : (
        <p className="text-xs text-muted-foreground">Add and verify a contact method above to build a rule.</p>
      )}
    </Card>
  );
}

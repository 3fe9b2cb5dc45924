import type { ContactMethodRead, RuleStepIn, RuleStepRead } from "@sos/contracts";
import { CHANNEL_LABEL, usable } from "./contact-method-model";

export const MAX_STEPS = 10;
export const MAX_DELAY_SECONDS = 86_400;

export type DelayUnit = "minutes" | "seconds";

/** One step as edited: which method, and the wait before it as typed. */
export interface DraftStep {
  key: string;
  contactMethodId: string;
  amount: string;
  unit: DelayUnit;
}

let nextKey = 1;
const newKey = (): string => `step-${nextKey++}`;

function delayOf(seconds: number): Pick<DraftStep, "amount" | "unit"> {
  return seconds % 60 === 0
    ? { amount: String(seconds / 60), unit: "minutes" }
    : { amount: String(seconds), unit: "seconds" };
}

export function draftOf(steps: readonly RuleStepRead[]): DraftStep[] {
  return steps.map((step) => ({
    key: newKey(),
    contactMethodId: step.contact_method_id,
    ...delayOf(step.delay_seconds),
  }));
}

/** The wait in seconds, or null when what was typed is not a whole number. */
export function secondsOf(step: Pick<DraftStep, "amount" | "unit">): number | null {
  const value = step.amount.trim();
  if (!/^\d+$/.test(value)) return null;
  return Number(value) * (step.unit === "minutes" ? 60 : 1);
}

/**
 * Adds a step after the last one, with the first usable method not in the rule yet, five minutes after the last
 * step (at once when it is the first). Unchanged when the rule is full or no method is left.
 */
export function addStep(steps: readonly DraftStep[], methods: readonly ContactMethodRead[]): DraftStep[] {
  if (steps.length >= MAX_STEPS) return [...steps];
  const used = new Set(steps.map((step) => step.contactMethodId));
  const method = methods.find((each) => usable(each) && !used.has(each.id));
  if (!method) return [...steps];
  const last = steps.at(-1);
  const lastSeconds = last ? (secondsOf(last) ?? 0) : null;
  const delay = lastSeconds === null ? 0 : Math.min(lastSeconds + 300, MAX_DELAY_SECONDS);
  return [...steps, { key: newKey(), contactMethodId: method.id, ...delayOf(delay) }];
}

export function removeStep(steps: readonly DraftStep[], index: number): DraftStep[] {
  return steps.filter((_, at) => at !== index);
}

/**
 * Moves the method of step `index` one place up (-1) or down (+1). The waits stay where they are, so the rule stays
 * in order of delay: moving a method up makes it be used earlier.
 */
export function moveStep(steps: readonly DraftStep[], index: number, direction: -1 | 1): DraftStep[] {
  const target = index + direction;
  const from = steps[index];
  const to = steps[target];
  if (!from || !to) return [...steps];
  const moved = [...steps];
  moved[target] = { ...from, amount: to.amount, unit: to.unit };
  moved[index] = { ...to, amount: from.amount, unit: from.unit };
  return moved;
}

export type StepErrors = Partial<Record<"method" | "delay", string>>;

export type RuleCheck = { ok: true; steps: RuleStepIn[] } | { ok: false; errors: StepErrors[]; message: string };

/** The API's rules for a rule, checked before saving: usable methods, each once, whole waits, in order of delay. */
export function checkRule(steps: readonly DraftStep[], methods: readonly ContactMethodRead[]): RuleCheck {
  const errors: StepErrors[] = steps.map(() => ({}));
  const byId = new Map(methods.map((method) => [method.id, method]));
  const seen = new Set<string>();
  let previous = 0;
  steps.forEach((step, index) => {
    const error = errors[index] as StepErrors;
    const method = byId.get(step.contactMethodId);
    if (!method) error.method = "Choose a contact method.";
    else if (!usable(method))
      error.method = `${method.label} (${CHANNEL_LABEL[method.channel]}) cannot be used until it is verified.`;
    else if (seen.has(method.id)) error.method = "This method is already in the rule; use each one once.";
    if (method) seen.add(method.id);
    const seconds = secondsOf(step);
    if (seconds === null) error.delay = "Enter a whole number.";
    else if (seconds > MAX_DELAY_SECONDS) error.delay = "Wait at most 24 hours (1440 minutes).";
    else if (seconds < previous) error.delay = "Wait at least as long as the step before: steps run in order.";
    if (seconds !== null) previous = Math.max(previous, seconds);
  });
  if (steps.length > MAX_STEPS) return { ok: false, errors, message: `A rule has at most ${MAX_STEPS} steps.` };
  const failed = errors.filter((error) => Object.keys(error).length > 0).length;
  if (failed)
    return {
      ok: false,
      errors,
      message: `${failed} step${failed === 1 ? " needs" : "s need"} attention: see the messages next to ${failed === 1 ? "it" : "them"}.`,
    };
  return {
    ok: true,
    steps: steps.map((step) => ({ contact_method_id: step.contactMethodId, delay_seconds: secondsOf(step) ?? 0 })),
  };
}

/** "at once", "after 5 minutes", "after 1 minute 30 seconds". */
export function describeDelay(seconds: number): string {
  if (seconds === 0) return "at once";
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts = [
    minutes ? `${minutes} minute${minutes === 1 ? "" : "s"}` : null,
    rest ? `${rest} second${rest === 1 ? "" : "s"}` : null,
  ];
  return `after ${parts.filter(Boolean).join(" ")}`;
}

export const sameSteps = (draft: readonly DraftStep[], saved: readonly RuleStepRead[]): boolean =>
  draft.length === saved.length &&
  draft.every(
    (step, index) =>
      step.contactMethodId === saved[index]?.contact_method_id && secondsOf(step) === saved[index]?.delay_seconds,
  );

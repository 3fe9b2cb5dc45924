import type { ContactMethodRead } from "@sos/contracts";
import {
  addStep,
  checkRule,
  describeDelay,
  draftOf,
  moveStep,
  removeStep,
  sameSteps,
  type DraftStep,
} from "./rules-model";

const STAMP = "2026-11-25T20:27:41Z";

function method(id: string, overrides: Partial<ContactMethodRead> = {}): ContactMethodRead {
  return {
    id,
    channel: "email",
    label: `Method ${id}`,
    address: `${id}@example.org`,
    verified: true,
    verified_at: STAMP,
    opted_out: false,
    disabled_reason: null,
    created_at: STAMP,
    ...overrides,
  };
}

const EMAIL = "01a21464-0000-7000-8000-0000000000e1";
const SMS = "01a21464-0000-7000-8000-0000000000e2";
const PUSH = "01a21464-0000-7000-8000-0000000000e3";
const methods = [method(EMAIL), method(SMS, { channel: "sms" }), method(PUSH, { channel: "web_push" })];

const step = (contactMethodId: string, amount: string, unit: DraftStep["unit"] = "minutes"): DraftStep => ({
  key: `${contactMethodId}-${amount}`,
  contactMethodId,
  amount,
  unit,
});

describe("draftOf", () => {
  it("shows whole minutes in minutes and anything else in seconds", () => {
    const draft = draftOf([
      { contact_method_id: EMAIL, channel: "email", label: "Work", delay_seconds: 300 },
      { contact_method_id: SMS, channel: "sms", label: "Phone", delay_seconds: 90 },
    ]);
    expect(draft.map(({ amount, unit }) => [amount, unit])).toEqual([
      ["5", "minutes"],
      ["90", "seconds"],
    ]);
  });
});

describe("addStep", () => {
  it("starts a rule with a step that notifies at once", () => {
    expect(addStep([], methods)).toMatchObject([{ contactMethodId: EMAIL, amount: "0", unit: "minutes" }]);
  });

  it("adds the next unused method five minutes after the last step", () => {
    expect(addStep([step(EMAIL, "2")], methods)[1]).toMatchObject({ contactMethodId: SMS, amount: "7" });
  });

  it("skips methods that are not verified", () => {
    const list = [method(EMAIL, { verified: false }), method(SMS, { opted_out: true }), method(PUSH)];
    expect(addStep([], list)[0]?.contactMethodId).toBe(PUSH);
  });

  it("adds nothing when every usable method is in the rule", () => {
    const steps = [step(EMAIL, "0"), step(SMS, "1"), step(PUSH, "2")];
    expect(addStep(steps, methods)).toEqual(steps);
  });
});

describe("moveStep", () => {
  it("moves a method up while the waits stay in place", () => {
    const moved = moveStep([step(EMAIL, "0"), step(SMS, "5")], 1, -1);
    expect(moved.map(({ contactMethodId, amount }) => [contactMethodId, amount])).toEqual([
      [SMS, "0"],
      [EMAIL, "5"],
    ]);
  });

  it("leaves the first step where it is when asked to move it up", () => {
    const steps = [step(EMAIL, "0"), step(SMS, "5")];
    expect(moveStep(steps, 0, -1)).toEqual(steps);
  });
});

describe("removeStep", () => {
  it("removes only the step asked for", () => {
    expect(removeStep([step(EMAIL, "0"), step(SMS, "5")], 0).map((each) => each.contactMethodId)).toEqual([SMS]);
  });
});

describe("checkRule", () => {
  it("turns the steps into seconds for the API", () => {
    expect(checkRule([step(PUSH, "0"), step(SMS, "90", "seconds"), step(EMAIL, "3")], methods)).toEqual({
      ok: true,
      steps: [
        { contact_method_id: PUSH, delay_seconds: 0 },
        { contact_method_id: SMS, delay_seconds: 90 },
        { contact_method_id: EMAIL, delay_seconds: 180 },
      ],
    });
  });

  it("refuses a step that waits less than the one before", () => {
    const check = checkRule([step(EMAIL, "10"), step(SMS, "5")], methods);
    expect(check.ok ? null : check.errors[1]?.delay).toBe(
      "Wait at least as long as the step before: steps run in order.",
    );
  });

  it("refuses the same method twice", () => {
    const check = checkRule([step(EMAIL, "0"), step(EMAIL, "5")], methods);
    expect(check.ok ? null : check.errors[1]?.method).toBe("This method is already in the rule; use each one once.");
  });

  it("refuses a method that is not verified", () => {
    const list = [method(EMAIL, { verified: false, label: "Work" })];
    const check = checkRule([step(EMAIL, "0")], list);
    expect(check.ok ? null : check.errors[0]?.method).toBe("Work (Email) cannot be used until it is verified.");
  });

  it("refuses a wait that is not a whole number", () => {
    const check = checkRule([step(EMAIL, "1.5")], methods);
    expect(check.ok ? null : check.errors[0]?.delay).toBe("Enter a whole number.");
  });

  it("refuses a wait longer than a day", () => {
    const check = checkRule([step(EMAIL, "1441")], methods);
    expect(check.ok ? null : check.errors[0]?.delay).toBe("Wait at most 24 hours (1440 minutes).");
  });

  it("counts the steps that need attention", () => {
    const check = checkRule([step(EMAIL, "x"), step(EMAIL, "y")], methods);
    expect(check.ok ? null : check.message).toBe("2 steps need attention: see the messages next to them.");
  });

  it("accepts an empty rule, which removes it", () => {
    expect(checkRule([], methods)).toEqual({ ok: true, steps: [] });
  });
});

describe("describeDelay", () => {
  it("reads a wait in words", () => {
    expect(describeDelay(0)).toBe("at once");
    expect(describeDelay(90)).toBe("after 1 minute 30 seconds");
    expect(describeDelay(600)).toBe("after 10 minutes");
  });
});

describe("sameSteps", () => {
  it("treats 5 minutes and 300 seconds as the same wait", () => {
    expect(
      sameSteps(
        [step(EMAIL, "5")],
        [{ contact_method_id: EMAIL, channel: "email", label: "Work", delay_seconds: 300 }],
      ),
    ).toBe(true);
  });
});

import { draftOfQuietHours, quietHoursBody } from "./quiet-hours-model";

describe("draftOfQuietHours", () => {
  it("starts quiet hours never set in the browser's time zone, switched off", () => {
    expect(draftOfQuietHours({ start: null, end: null, timezone: "UTC" }, "Europe/Berlin")).toEqual({
      enabled: false,
      start: "22:00",
      end: "07:00",
      timezone: "Europe/Berlin",
    });
  });

  it("shows saved quiet hours in their own time zone", () => {
    expect(draftOfQuietHours({ start: "23:00", end: "06:30", timezone: "Asia/Tokyo" }, "Europe/Berlin")).toMatchObject({
      enabled: true,
      timezone: "Asia/Tokyo",
    });
  });
});

describe("quietHoursBody", () => {
  it("clears quiet hours by sending no times", () => {
    expect(quietHoursBody({ enabled: false, start: "22:00", end: "07:00", timezone: "Europe/Berlin" })).toEqual({
      body: { start: null, end: null, timezone: "Europe/Berlin" },
    });
  });

  it("allows a window across midnight", () => {
    expect(quietHoursBody({ enabled: true, start: "22:00", end: "07:00", timezone: "Europe/Berlin" })).toEqual({
      body: { start: "22:00", end: "07:00", timezone: "Europe/Berlin" },
    });
  });

  it("refuses a window that ends when it starts", () => {
    expect(quietHoursBody({ enabled: true, start: "22:00", end: "22:00", timezone: "UTC" })).toEqual({
      errors: { end: "End quiet hours at a different time than they start." },
    });
  });
});

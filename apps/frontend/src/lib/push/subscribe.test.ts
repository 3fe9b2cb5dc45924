import { base64UrlToBytes, browserName, pushSupport, subscriptionJson } from "./subscribe";

const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0";

describe("base64UrlToBytes", () => {
  it("decodes the unpadded URL-safe alphabet of a VAPID key", () => {
    expect(Array.from(base64UrlToBytes("-_8"))).toEqual([0xfb, 0xff]);
  });
});

describe("browserName", () => {
  it("names the browser and the system", () => {
    expect(browserName(CHROME_LINUX)).toBe("Chrome on Linux");
    expect(browserName(FIREFOX_ANDROID)).toBe("Firefox on Android");
  });
});

describe("pushSupport", () => {
  const navigatorWithWorker = { serviceWorker: {} } as unknown as Navigator;

  it("says push is unsupported without a PushManager", () => {
    expect(pushSupport({ navigator: navigatorWithWorker, Notification: { permission: "default" } })).toBe(
      "unsupported",
    );
  });

  it("says notifications were denied", () => {
    expect(
      pushSupport({ navigator: navigatorWithWorker, PushManager: class {}, Notification: { permission: "denied" } }),
    ).toBe("denied");
  });

  it("needs a secure page", () => {
    expect(pushSupport({ isSecureContext: false, navigator: {} as Navigator })).toBe("insecure");
  });
});

describe("subscriptionJson", () => {
  it("keeps the endpoint and both keys", () => {
    expect(
      subscriptionJson({
        endpoint: "https://push.example/x",
        keys: { p256dh: "BPk", auth: "au" },
        expirationTime: null,
      }),
    ).toEqual({ endpoint: "https://push.example/x", keys: { p256dh: "BPk", auth: "au" }, expirationTime: null });
  });

  it("refuses a subscription without keys", () => {
    expect(() => subscriptionJson({ endpoint: "https://push.example/x" })).toThrow(/without encryption keys/);
  });
});

import {
  handleNotificationClick,
  notificationFor,
  parsePushPayload,
  showPush,
  type ClientsLike,
  type WindowClientLike,
} from "./sw-handlers";

const ORIGIN = "https://sos.example.org";
const ALERT = "01a21464-0000-7000-8000-00000000a0a1";
const ACK_URL = `${ORIGIN}/api/v1/ack/0123456789abcdef0123456789abcdef.1764600000.abc`;

/** The payload as the server's Web Push adapter sends it. */
const PAGE = {
  title: "CRITICAL: Medical SOS",
  body: "Man collapsed · Alexanderplatz",
  alert_id: ALERT,
  url: `${ORIGIN}/alerts/view?id=${ALERT}`,
  ack_url: ACK_URL,
  critical: true,
  purpose: "page",
  tag: `alert-${ALERT}`,
  actions: [
    { action: "ack", title: "Acknowledge" },
    { action: "open", title: "Open" },
  ],
};

const pushData = (body: unknown) => ({
  json: () => (typeof body === "string" ? JSON.parse(body) : body),
  text: () => (typeof body === "string" ? body : JSON.stringify(body)),
});

/** The browser's registration.showNotification, recording what was shown. */
function notifications() {
  const shown: { title: string; options: NotificationOptions & Record<string, unknown> }[] = [];
  return {
    shown,
    showNotification: async (title: string, options: NotificationOptions = {}) => {
      shown.push({ title, options: options as NotificationOptions & Record<string, unknown> });
    },
  };
}

/** The worker's `clients`, with the console windows that are open. */
function windows(urls: string[]) {
  const focused: string[] = [];
  const opened: string[] = [];
  const navigated: string[] = [];
  const list: WindowClientLike[] = urls.map((url) => {
    const client: WindowClientLike = {
      url,
      focus: async () => void focused.push(client.url),
      navigate: async (to: string) => {
        navigated.push(to);
        client.url = to;
      },
    };
    return client;
  });
  const clients: ClientsLike = {
    matchAll: async () => list,
    openWindow: async (url: string) => void opened.push(url),
  };
  return { clients, focused, opened, navigated };
}

function clickOn(action: string, data: unknown) {
  const closed: boolean[] = [];
  return {
    event: { action, notification: { data, tag: `alert-${ALERT}`, close: () => void closed.push(true) } },
    closed,
  };
}

const ackServer = (status: number, body: unknown) => {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetcher = (async (url: string, init?: RequestInit) => {
    requests.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  }) as typeof fetch;
  return { fetcher, requests };
};

describe("parsePushPayload", () => {
  it("reads the server's page payload", () => {
    expect(parsePushPayload(pushData(PAGE), ORIGIN)).toMatchObject({
      title: "CRITICAL: Medical SOS",
      alertId: ALERT,
      ackUrl: ACK_URL,
      critical: true,
      tag: `alert-${ALERT}`,
    });
  });

  it("shows a message that is not JSON as its text", () => {
    const data = { json: () => JSON.parse("not json"), text: () => "not json" };
    expect(parsePushPayload(data, ORIGIN)).toMatchObject({ title: "SOS alert", body: "not json", critical: false });
  });

  it("ignores links that are not web addresses", () => {
    const payload = parsePushPayload(pushData({ ...PAGE, url: "javascript:alert(1)", ack_url: "data:x" }), ORIGIN);
    expect([payload.url, payload.ackUrl]).toEqual([`${ORIGIN}/alerts/view/?id=${ALERT}`, null]);
  });
});

describe("notificationFor", () => {
  it("keeps a critical page on screen until someone acts", () => {
    expect(notificationFor(parsePushPayload(pushData(PAGE), ORIGIN)).options.requireInteraction).toBe(true);
  });

  it("lets a default page disappear on its own", () => {
    const payload = parsePushPayload(pushData({ ...PAGE, critical: false }), ORIGIN);
    expect(notificationFor(payload).options.requireInteraction).toBe(false);
  });

  it("drops the Acknowledge button when there is no acknowledge link", () => {
    const payload = parsePushPayload(pushData({ ...PAGE, ack_url: null }), ORIGIN);
    expect(notificationFor(payload).options.actions).toEqual([{ action: "open", title: "Open" }]);
  });
});

describe("showPush", () => {
  it("shows the page with its tag, actions and the links the click needs", async () => {
    const registration = notifications();
    await showPush(registration, pushData(PAGE), ORIGIN);
    expect(registration.shown).toEqual([
      {
        title: "CRITICAL: Medical SOS",
        options: expect.objectContaining({
          body: "Man collapsed · Alexanderplatz",
          tag: `alert-${ALERT}`,
          actions: PAGE.actions,
          data: { url: PAGE.url, ackUrl: ACK_URL, alertId: ALERT },
        }),
      },
    ]);
  });

  it("still shows a notification for an empty push", async () => {
    const registration = notifications();
    await showPush(registration, null, ORIGIN);
    expect(registration.shown.map((each) => each.title)).toEqual(["SOS alert"]);
  });
});

describe("handleNotificationClick", () => {
  const data = { url: PAGE.url, ackUrl: ACK_URL, alertId: ALERT };

  it("acknowledges with a POST that asks for JSON", async () => {
    const server = ackServer(200, { status: "acknowledged", alert_id: ALERT, message: "You acknowledged the alert." });
    const { event } = clickOn("ack", data);
    await handleNotificationClick(event, {
      registration: notifications(),
      clients: windows([]).clients,
      fetch: server.fetcher,
      origin: ORIGIN,
    });
    expect(server.requests).toEqual([
      { url: ACK_URL, init: { method: "POST", headers: { Accept: "application/json" } } },
    ]);
  });

  it("shows the server's answer after acknowledging", async () => {
    const registration = notifications();
    const server = ackServer(200, { status: "acknowledged", alert_id: ALERT, message: "You acknowledged the alert." });
    await handleNotificationClick(clickOn("ack", data).event, {
      registration,
      clients: windows([]).clients,
      fetch: server.fetcher,
      origin: ORIGIN,
    });
    expect(registration.shown.map(({ title, options }) => [title, options.body])).toEqual([
      ["Acknowledged", "You acknowledged the alert."],
    ]);
  });

  it("says when the link was already used", async () => {
    const registration = notifications();
    const server = ackServer(409, { status: "used", alert_id: ALERT, message: "This link was already used." });
    await handleNotificationClick(clickOn("ack", data).event, {
      registration,
      clients: windows([]).clients,
      fetch: server.fetcher,
      origin: ORIGIN,
    });
    expect(registration.shown.map(({ title, options }) => [title, options.body])).toEqual([
      ["Could not acknowledge", "This link was already used."],
    ]);
  });

  it("tells the person to open the alert when the server cannot be reached", async () => {
    const registration = notifications();
    const offline = (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch;
    await handleNotificationClick(clickOn("ack", data).event, {
      registration,
      clients: windows([]).clients,
      fetch: offline,
      origin: ORIGIN,
    });
    expect(registration.shown[0]?.options.body).toBe("No connection to the server. Open the alert to acknowledge it.");
  });

  it("closes the clicked notification", async () => {
    const { event, closed } = clickOn("open", data);
    await handleNotificationClick(event, {
      registration: notifications(),
      clients: windows([]).clients,
      fetch: ackServer(200, {}).fetcher,
      origin: ORIGIN,
    });
    expect(closed).toEqual([true]);
  });

  it("opens the alert in a new window when no console window is open", async () => {
    const open = windows([]);
    await handleNotificationClick(clickOn("open", data).event, {
      registration: notifications(),
      clients: open.clients,
      fetch: ackServer(200, {}).fetcher,
      origin: ORIGIN,
    });
    expect(open.opened).toEqual([PAGE.url]);
  });

  it("turns an open console window to the alert instead of opening another", async () => {
    const open = windows([`${ORIGIN}/assignments/`]);
    await handleNotificationClick(clickOn("", data).event, {
      registration: notifications(),
      clients: open.clients,
      fetch: ackServer(200, {}).fetcher,
      origin: ORIGIN,
    });
    expect([open.navigated, open.focused, open.opened]).toEqual([[PAGE.url], [PAGE.url], []]);
  });

  it("focuses the window already showing the alert", async () => {
    const open = windows([`${ORIGIN}/alerts/`, PAGE.url]);
    await handleNotificationClick(clickOn("open", data).event, {
      registration: notifications(),
      clients: open.clients,
      fetch: ackServer(200, {}).fetcher,
      origin: ORIGIN,
    });
    expect([open.focused, open.navigated]).toEqual([[PAGE.url], []]);
  });
});

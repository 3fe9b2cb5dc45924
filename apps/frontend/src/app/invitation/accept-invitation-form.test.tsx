import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { AcceptInvitationForm, validateInvitation } from "./accept-invitation-form";

function problem(status: number, body: object): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/problem+json" } });
}

async function fillAndSubmit(token: string, password: string, confirm = password) {
  const user = userEvent.setup();
  if (token) await user.type(screen.getByLabelText("Invitation token"), token);
  await user.type(screen.getByLabelText("New password"), password);
  await user.type(screen.getByLabelText("Repeat the password"), confirm);
  await user.click(screen.getByRole("button", { name: "Accept and set password" }));
}

test("a short password is refused before anything is sent", () => {
  expect(validateInvitation("tok", "short", "short").password).toMatch(/at least 12 characters/);
});

test("two different passwords are refused before anything is sent", () => {
  expect(validateInvitation("tok", "correct horse battery", "correct horse battery!").confirm).toMatch(/differ/);
});

test("an accepted invitation tells the person to sign in", async () => {
  const fetchMock = vi.fn(async () =>
    Response.json({
      email: "new@demo.sos.test",
      organization_id: "0193a000-0000-7000-8000-000000000001",
      organization_slug: "demo",
      role: "responder",
      user_id: "0193a000-0000-7000-8000-000000000002",
    }),
  );
  vi.stubGlobal("fetch", fetchMock);
  render(<AcceptInvitationForm />);
  await fillAndSubmit("one-time-token", "correct horse battery");
  expect(await screen.findByRole("heading", { name: /Invitation accepted/ })).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "Go to sign in" })).toHaveAttribute("href", expect.stringMatching(/^\/login\/?$/));
});

test("a used or expired token says to ask for a new one and keeps what was typed", async () => {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => problem(400, { status: 400, title: "Bad request", code: "invalid_token" })),
  );
  render(<AcceptInvitationForm />);
  await fillAndSubmit("stale-token", "correct horse battery");
  expect(await screen.findByRole("alert")).toHaveTextContent(/Ask your administrator for a new one/);
  expect(screen.getByLabelText("Invitation token")).toHaveValue("stale-token");
});

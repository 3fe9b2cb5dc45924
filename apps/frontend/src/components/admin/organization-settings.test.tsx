import type { OrganizationRead } from "@sos/contracts";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { OrganizationSettings } from "./organization-settings";
import { fakeApi, json, organization, problem, renderWithClient, signInAs } from "./test-kit";

beforeEach(() => signInAs("01a21464-8441-7603-b1f6-e1b491622904"));

test("editing marks the form as unsaved; Cancel puts the saved values back", async () => {
  fakeApi({ "GET /api/v1/organization": () => json(organization()) });
  renderWithClient(<OrganizationSettings />);
  const user = userEvent.setup();
  const name = await screen.findByRole("textbox", { name: "Organization name" });
  const save = screen.getByRole("button", { name: "Save" });
  const cancel = screen.getByRole("button", { name: "Cancel" });
  expect(save).toBeDisabled();
  expect(cancel).toBeDisabled();
  expect(screen.queryByText("Unsaved changes")).not.toBeInTheDocument();

  await user.clear(name);
  await user.type(name, "Demo Response Brandenburg");
  expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
  expect(save).toBeEnabled();

  await user.click(cancel);
  expect(name).toHaveValue("Demo Response Berlin");
  expect(screen.queryByText("Unsaved changes")).not.toBeInTheDocument();
  expect(save).toBeDisabled();
});

test("typing a value back to what was saved is not an unsaved change", async () => {
  fakeApi({ "GET /api/v1/organization": () => json(organization()) });
  renderWithClient(<OrganizationSettings />);
  const user = userEvent.setup();
  const name = await screen.findByRole("textbox", { name: "Organization name" });

  await user.type(name, "!");
  expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
  await user.type(name, "{Backspace}");
  expect(screen.queryByText("Unsaved changes")).not.toBeInTheDocument();
});

test("the server's 422 field errors appear next to their fields, and only changed fields are sent", async () => {
  const api = fakeApi({
    "GET /api/v1/organization": () => json(organization()),
    "PATCH /api/v1/organization": () =>
      problem(422, "validation_failed", "The request has invalid fields.", {
        errors: [
          {
            in: "body",
            pointer: "#/timezone",
            type: "value_error",
            message: "Value error, must be an IANA time zone such as 'Europe/Berlin' or 'UTC'",
          },
        ],
      }),
  });
  renderWithClient(<OrganizationSettings />);
  const user = userEvent.setup();
  const zone = await screen.findByRole("combobox", { name: "Time zone" });
  await user.clear(zone);
  await user.type(zone, "Mars/Olympus_Mons");
  await user.click(screen.getByRole("button", { name: "Save" }));

  const message = "Must be an IANA time zone such as 'Europe/Berlin' or 'UTC'";
  expect(await screen.findByText(message)).toBeInTheDocument();
  expect(zone).toHaveAttribute("aria-invalid", "true");
  expect(zone).toHaveAccessibleDescription(expect.stringContaining(message));
  expect(screen.getByRole("textbox", { name: "Organization name" })).not.toHaveAttribute("aria-invalid", "true");
  expect(screen.getByText("Unsaved changes")).toBeInTheDocument();

  const [patch] = api.sent("PATCH", "/api/v1/organization");
  expect(patch?.headers.get("If-Match")).toBe('"1"');
  expect(await patch?.json()).toEqual({ timezone: "Mars/Olympus_Mons" });
});

test("when someone else saved first (412), the form keeps the draft and offers to discard it or keep it", async () => {
  let current: OrganizationRead = organization();
  fakeApi({
    "GET /api/v1/organization": () => json(current),
    "PATCH /api/v1/organization": () => {
      current = organization({ name: "Berlin Fire Brigade", version: 2 });
      return problem(412, "version_mismatch", "The organization is at version 2, not 1; reload it and retry.");
    },
  });
  renderWithClient(<OrganizationSettings />);
  const user = userEvent.setup();
  const name = await screen.findByRole("textbox", { name: "Organization name" });
  await user.clear(name);
  await user.type(name, "Demo Response Brandenburg");
  await user.click(screen.getByRole("button", { name: "Save" }));

  expect(await screen.findByText(/Someone else saved these settings while you were editing/)).toHaveTextContent(
    "Berlin Fire Brigade",
  );
  expect(name).toHaveValue("Demo Response Brandenburg");

  await user.click(screen.getByRole("button", { name: "Discard mine and show theirs" }));
  await waitFor(() => expect(name).toHaveValue("Berlin Fire Brigade"));
  expect(screen.queryByText("Unsaved changes")).not.toBeInTheDocument();
});

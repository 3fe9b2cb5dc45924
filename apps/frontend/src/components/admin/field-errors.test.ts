import { createUser, updateOrganization, updateUser } from "@sos/contracts";
import { api } from "@/lib/api/client";
import { ApiProblem } from "@/lib/api/problem";
import { callWithFieldErrors, fieldErrorsOf, withCodeOnField } from "./field-errors";
import { fakeApi, json, problem } from "./test-kit";

const USER_ID = "01a21464-844c-7701-a073-9daa18c3fbc1";

async function refusal(request: Promise<unknown>): Promise<unknown> {
  try {
    await request;
  } catch (error) {
    return error;
  }
  throw new Error("the request succeeded");
}

test("a 422 problem's errors are kept by field, first message per field, without pydantic's prefix", async () => {
  fakeApi({
    "PATCH /api/v1/organization": () =>
      problem(422, "validation_failed", "The request has invalid fields.", {
        errors: [
          { in: "body", pointer: "#/timezone", type: "value_error", message: "Value error, must be an IANA time zone" },
          { in: "body", pointer: "#/timezone", type: "string_too_long", message: "second message" },
          {
            in: "body",
            pointer: "#/name",
            type: "string_too_short",
            message: "String should have at least 1 character",
          },
        ],
      }),
  });
  const error = await refusal(
    callWithFieldErrors(updateOrganization({ client: api, body: { timezone: "Mars/Base" } })),
  );
  expect(error).toBeInstanceOf(ApiProblem);
  expect(fieldErrorsOf(error)).toEqual({
    timezone: "Must be an IANA time zone",
    name: "String should have at least 1 character",
  });
});

test("a 403 naming the refused fields puts its detail on each of them", async () => {
  const detail = "This person also belongs to other organizations, so only they can change their name and phone.";
  fakeApi({
    "PATCH /api/v1/users/:id": () =>
      json(
        {
          type: "urn:sos:problem:forbidden",
          title: "Forbidden",
          status: 403,
          detail,
          code: "forbidden",
          fields: ["full_name", "phone"],
        },
        403,
      ),
  });
  const error = await refusal(
    callWithFieldErrors(updateUser({ client: api, path: { user_id: USER_ID }, body: { full_name: "New Name" } })),
  );
  expect(fieldErrorsOf(error)).toEqual({ full_name: detail, phone: detail });
});

test("a body the generated SDK refuses before sending reads as a 422 with field errors", async () => {
  const server = fakeApi({});
  const error = await refusal(
    callWithFieldErrors(updateUser({ client: api, path: { user_id: USER_ID }, body: { phone: "call me" } })),
  );
  expect(error).toBeInstanceOf(ApiProblem);
  expect((error as ApiProblem).status).toBe(422);
  expect(fieldErrorsOf(error).phone).toBeTruthy();
  expect(server.requests).toHaveLength(0);
});

test("a conflict code can be attributed to the field it is about", async () => {
  fakeApi({
    "POST /api/v1/users": () =>
      problem(409, "already_exists", "noor@demo.sos.test is already a member of this organization."),
  });
  const error = await refusal(
    callWithFieldErrors(
      createUser({ client: api, body: { email: "noor@demo.sos.test", full_name: "Noor", role: "responder" } }),
    ),
  );
  expect(withCodeOnField(error, { already_exists: "email" })).toEqual({
    email: "noor@demo.sos.test is already a member of this organization.",
  });
});

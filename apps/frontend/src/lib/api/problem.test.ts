import { ApiProblem, describeProblem, problemFrom } from "./problem";

const response = (status: number, headers: Record<string, string> = {}) => new Response(null, { status, headers });

test("a problem document keeps its code, detail and request id", () => {
  const problem = problemFrom(
    { title: "Conflict", detail: "Cannot resolve a triggered alert.", code: "invalid_transition", request_id: "req-1" },
    response(409),
  );
  expect(problem).toMatchObject({ status: 409, code: "invalid_transition", requestId: "req-1" });
  expect(problem.isConflict).toBe(true);
});

test("an OAuth error names its error code", () => {
  expect(problemFrom({ error: "invalid_grant" }, response(400)).code).toBe("invalid_grant");
});

test("a stale write tells the person the latest version is shown", () => {
  expect(describeProblem(new ApiProblem({ status: 412, title: "Precondition failed" }))).toMatch(/latest version/);
});

test("a refused transition explains and says to check the latest state", () => {
  const text = describeProblem(new ApiProblem({ status: 409, title: "Conflict", detail: "Already resolved." }));
  expect(text).toBe("Already resolved. The latest state is shown; check it and try again.");
});

test("no response at all is described as being offline", () => {
  expect(describeProblem(problemFrom(undefined, undefined))).toMatch(/offline/);
});

// Proves the generated client is usable: compiled with the strict tsconfig, then run by `node --test`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import * as contracts from '../src/index.js';
import { createSosClient, issueToken, listAlerts, raiseAlert, zAlertCreate, type AlertCreate } from '../src/index.js';

const spec = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { operationId?: string }>>;
};
const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** A fetch that records requests and answers with `body` as JSON. */
function fakeFetch(body: unknown, status = 200) {
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    requests.push(new Request(input, init));
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

test('every operationId in openapi.json has an SDK function of the camelCased name', () => {
  const ids = Object.values(spec.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
  assert.ok(ids.length > 10);
  const exported = contracts as unknown as Record<string, unknown>;
  for (const id of ids) {
    assert.ok(id, 'every operation has an operationId');
    assert.equal(typeof exported[camel(id)], 'function', `${id} -> ${camel(id)}`);
  }
  for (const name of ['raiseAlert', 'listAlerts', 'issueToken']) assert.equal(typeof exported[name], 'function');
});

test('zAlertCreate rejects an out-of-range latitude and accepts a valid body', () => {
  assert.equal(zAlertCreate.safeParse({ location: { lat: 100, lon: 0 } }).success, false);
  assert.equal(zAlertCreate.safeParse({ location: { lat: 0, lon: 181 } }).success, false);
  assert.equal(zAlertCreate.safeParse({}).success, false);

  const ok = zAlertCreate.safeParse({ location: { lat: 48.2082, lon: 16.3738, accuracy_m: 12 }, note: 'Fall' });
  assert.equal(ok.success, true);
  // Server-side defaults are mirrored in the schema.
  assert.deepEqual(ok.data, {
    category: 'other',
    location: { lat: 48.2082, lon: 16.3738, accuracy_m: 12 },
    note: 'Fall',
    severity: 'critical',
    source: 'app',
  });
});

test('raiseAlert sends the body with the bearer token to the configured base URL', async () => {
  const { fetch, requests } = fakeFetch({ id: 'x' }, 201);
  const client = createSosClient({ baseUrl: 'http://backend.test', getToken: () => 'tok-123', fetch });
  const body: AlertCreate = { location: { lat: 48.2, lon: 16.37 } };

  const result = await raiseAlert({ client, body, headers: { 'Idempotency-Key': 'key-00000001' } });

  assert.equal(result.response?.status, 201);
  assert.equal(requests.length, 1);
  const req = requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, 'http://backend.test/api/v1/alerts');
  assert.equal(req.headers.get('authorization'), 'Bearer tok-123');
  assert.equal(req.headers.get('idempotency-key'), 'key-00000001');
  assert.deepEqual(JSON.parse(await req.text()), body);
});

test('the SDK validates requests with Zod before sending anything', async () => {
  const { fetch, requests } = fakeFetch({});
  const client = createSosClient({ baseUrl: 'http://backend.test', fetch });
  await assert.rejects(raiseAlert({ client, body: { location: { lat: 100, lon: 0 } }, throwOnError: true }));
  assert.equal(requests.length, 0);
});

test('listAlerts and issueToken build the expected requests', async () => {
  const page = fakeFetch({ items: [], next_cursor: null });
  const client = createSosClient({ baseUrl: 'http://backend.test', getToken: () => undefined, fetch: page.fetch });
  await listAlerts({ client });
  assert.equal(new URL(page.requests[0]!.url).pathname, '/api/v1/alerts');
  assert.equal(page.requests[0]!.headers.get('authorization'), null, 'no token, no header');

  const token = fakeFetch({ access_token: 'a', token_type: 'bearer' });
  const authClient = createSosClient({ baseUrl: 'http://backend.test', fetch: token.fetch });
  await issueToken({ client: authClient, body: { grant_type: 'password', username: 'u@example.org', password: 'pw' } });
  const req = token.requests[0]!;
  assert.equal(req.headers.get('content-type'), 'application/x-www-form-urlencoded');
  assert.equal(new URLSearchParams(await req.text()).get('grant_type'), 'password');
});

// Type-level checks: these lines must fail to compile (tsc reports unused @ts-expect-error otherwise).
export function typeChecks(): void {
  // @ts-expect-error location is required
  const missing: AlertCreate = {};
  // @ts-expect-error severity is an enum
  const badSeverity: AlertCreate = { location: { lat: 0, lon: 0 }, severity: 'apocalyptic' };
  void missing;
  void badSeverity;
}

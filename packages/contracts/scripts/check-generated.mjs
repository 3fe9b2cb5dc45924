// Fails when src/generated/ is not exactly what `npm run generate` produces from openapi.json,
// so a change to the API without a regenerated client fails CI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(root, 'src', 'generated');
const tmp = mkdtempSync(join(tmpdir(), 'sos-contracts-'));
const fresh = join(tmp, 'generated');

/** Relative paths of all files under dir, sorted. */
function listFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

try {
  execFileSync(join(root, 'node_modules', '.bin', 'openapi-ts'), [], {
    cwd: root,
    env: { ...process.env, OPENAPI_TS_OUTPUT: fresh },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const want = listFiles(fresh);
  const have = listFiles(committed);
  const problems = [];
  for (const f of want.filter((f) => !have.includes(f))) problems.push(`missing: src/generated/${f}`);
  for (const f of have.filter((f) => !want.includes(f))) problems.push(`unexpected: src/generated/${f}`);
  for (const f of want.filter((f) => have.includes(f))) {
    if (!readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f)))) {
      problems.push(`differs: src/generated/${f}`);
    }
  }
  if (want.length === 0) problems.push('the generator produced no files');
  if (problems.length > 0) {
    console.error('src/generated/ is stale; run `npm run generate` in packages/contracts and commit the result.');
    for (const p of problems) console.error(`  ${p}`);
    process.exitCode = 1;
  } else {
    console.log(`src/generated/ is up to date with openapi.json (${want.length} files).`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// Builds out/sw.js, the console's service worker, after `next build` wrote the static export to out/.
// The worker has to be built after the export: only then do the pages' HTML files exist to be precached, which
// Serwist's Next.js (webpack) integration cannot see. So: esbuild bundles src/app/sw.ts, then Serwist's
// injectManifest writes the list of every file of this build (with content hashes) into it.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { injectManifest } from "@serwist/build";
import { build } from "esbuild";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(appDir, "out");

try {
  await stat(path.join(outDir, "index.html"));
} catch {
  console.error("out/index.html is missing: run `next build` (the static export) before building the service worker.");
  process.exit(1);
}

const workDir = await mkdtemp(path.join(tmpdir(), "sos-sw-"));
try {
  const bundled = path.join(workDir, "sw.js");
  await build({
    entryPoints: [path.join(appDir, "src/app/sw.ts")],
    outfile: bundled,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });

  const { count, size, warnings } = await injectManifest({
    swSrc: bundled,
    swDest: path.join(outDir, "sw.js"),
    globDirectory: outDir,
    globPatterns: [
      "**/*.html", // every exported page, and 404.html as the last resort offline
      "**/index.txt", // the RSC payloads client-side navigation loads
      "_next/static/**/*", // scripts, styles, fonts
      "manifest.webmanifest",
      "icon.svg",
    ],
    // 404/index.html duplicates 404.html; the root index.txt is the same kind of payload as the others.
    globIgnores: ["404/**", "**/*.map"],
    modifyURLPrefix: { "": "/" },
    // Files under _next/static have content hashes in their names: their URL is their revision.
    dontCacheBustURLsMatching: /^\/_next\/static\//,
    maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
  });
  for (const warning of warnings) console.warn(`service worker: ${warning}`);
  console.log(`service worker: out/sw.js precaches ${count} files (${(size / 1024).toFixed(0)} KiB)`);
} finally {
  await rm(workDir, { recursive: true, force: true });
}

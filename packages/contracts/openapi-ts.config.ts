import { defineConfig } from '@hey-api/openapi-ts';

// Generates src/generated/ from openapi.json. OPENAPI_TS_OUTPUT overrides the output
// directory so `npm run check` can regenerate into a temp dir and compare.
export default defineConfig({
  input: './openapi.json',
  output: {
    path: process.env.OPENAPI_TS_OUTPUT ?? './src/generated',
    // Explicit `.js` import suffixes: valid for Node ESM, TypeScript NodeNext and bundlers alike.
    module: { extension: '.js' },
  },
  plugins: [
    '@hey-api/client-fetch',
    '@hey-api/typescript',
    // Request bodies, path, query and headers are checked with the Zod schemas before
    // anything is sent. Responses are typed but not parsed at runtime.
    { name: '@hey-api/sdk', validator: { request: 'zod', response: false } },
    // Accept "+00:00" as well as "Z" in date-times.
    { name: 'zod', dates: { offset: true } },
  ],
});

import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";

// The production build is a static export that the backend serves at "/". During `next dev`
// the API calls go to a running backend through a rewrite (SOS_API_ORIGIN, default :8000).
export default function config(phase: string): NextConfig {
  const base: NextConfig = {
    reactStrictMode: true,
    trailingSlash: true,
    images: { unoptimized: true },
    transpilePackages: ["@sos/contracts"],
    // The contracts client is TypeScript source with NodeNext-style ".js" import suffixes.
    webpack(webpackConfig: { resolve: { extensionAlias?: Record<string, string[]> } }) {
      webpackConfig.resolve.extensionAlias = { ".js": [".ts", ".tsx", ".js"] };
      return webpackConfig;
    },
    env: {
      NEXT_PUBLIC_MAP_TILE_URL: process.env.NEXT_PUBLIC_MAP_TILE_URL ?? "",
    },
  };
  if (phase === PHASE_DEVELOPMENT_SERVER) {
    const origin = process.env.SOS_API_ORIGIN ?? "http://127.0.0.1:8000";
    return {
      ...base,
      async rewrites() {
        return [
          { source: "/api/:path*", destination: `${origin}/api/:path*` },
          { source: "/livez", destination: `${origin}/livez` },
          { source: "/console-config.json", destination: `${origin}/console-config.json` },
        ];
      },
    };
  }
  return { ...base, output: "export" };
}

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import * as index from "../dist/js/index.js";
import * as light from "../dist/js/light.js";
import * as dark from "../dist/js/dark.js";

const dist = (p) => new URL(`../dist/${p}`, import.meta.url);
const read = (p) => readFileSync(dist(p), "utf8");
const cssVars = (block) => [...block.matchAll(/^\s*(--[a-z0-9-]+):/gm)].map((m) => m[1]);

describe("build outputs", () => {
  const files = [
    "css/tokens.css", "css/theme.css", "css/dark.css",
    "js/index.js", "js/index.d.ts", "js/light.js", "js/light.d.ts", "js/dark.js", "js/dark.d.ts",
    "json/light.json", "json/dark.json",
    "compose/SosLightTokens.kt", "compose/SosDarkTokens.kt",
  ];
  for (const f of files) test(`dist/${f} exists`, () => assert.ok(existsSync(dist(f)), f));
});

describe("Tailwind 4 CSS", () => {
  const css = read("css/tokens.css");
  const [, themeBlock] = /@theme \{([^}]*)\}/.exec(css) ?? [];
  const [, darkBlock] = /\[data-theme="dark"\], \.dark \{([^}]*)\}/.exec(css) ?? [];

  test("has an @theme block and a dark block", () => {
    assert.ok(themeBlock, "@theme block");
    assert.ok(darkBlock, "dark block");
  });

  test("@theme uses Tailwind namespaces for every token family", () => {
    for (const v of [
      "--color-background", "--color-foreground", "--color-surface", "--color-muted-foreground", "--color-border",
      "--color-input", "--color-ring", "--color-primary", "--color-primary-foreground", "--color-danger",
      "--color-severity-critical-fg", "--color-status-on-scene-bg", "--color-slate-900",
      "--font-sans", "--font-mono", "--text-base", "--font-weight-bold", "--leading-normal",
      "--spacing-md", "--radius-md", "--shadow-md", "--duration-fast", "--ease-standard",
    ]) {
      assert.match(themeBlock, new RegExp(`^\\s*${v}: `, "m"), v);
    }
    assert.match(themeBlock, /--ease-standard: cubic-bezier\(0\.2, 0, 0, 1\);/);
    assert.match(themeBlock, /--shadow-md: 0px 4px 8px -2px #0f172a26;/);
  });

  test("the dark block overrides exactly the semantic colours", () => {
    const themed = cssVars(themeBlock).filter((v) => !/^--color-(slate|blue|red|orange|amber|green|violet)-/.test(v) && v.startsWith("--color-"));
    assert.deepEqual(cssVars(darkBlock).sort(), themed.sort());
  });

  test("string tokens (labels, icon names) stay out of CSS", () => {
    assert.doesNotMatch(css, /-label:|-icon:/);
  });
});

describe("JS / TS modules", () => {
  test("flat per-theme constants agree with the nested themes", () => {
    assert.equal(light.ColorPrimary, index.themes.light.color.primary);
    assert.equal(dark.ColorPrimary, index.themes.dark.color.primary);
    assert.notEqual(light.ColorBackground, dark.ColorBackground);
    assert.equal(light.SeverityCriticalLabel, "Critical");
    assert.equal(light.StatusOnSceneIcon, index.status.on_scene.icon);
  });

  test("type declarations cover the exports", () => {
    const dts = read("js/index.d.ts");
    for (const name of ["themes", "severity", "status", "themeNames"]) {
      assert.match(dts, new RegExp(`export declare const ${name}: `));
      assert.ok(name in index, name);
    }
    assert.match(dts, /export type Severity = keyof typeof severity;/);
    assert.match(read("js/light.d.ts"), /export const ColorPrimary: string;/);
  });
});

describe("Jetpack Compose", () => {
  for (const theme of ["Light", "Dark"]) {
    const kt = read(`compose/Sos${theme}Tokens.kt`);
    test(`Sos${theme}Tokens.kt is a Compose object with colours, dp and sp`, () => {
      assert.match(kt, /^package org\.sos\.designsystem$/m);
      assert.match(kt, new RegExp(`^object Sos${theme}Tokens \\{$`, "m"));
      assert.match(kt, /val colorPrimary = Color\(0xff[0-9a-f]{6}\)/);
      assert.match(kt, /val colorSeverityCriticalFg = Color\(0xff[0-9a-f]{6}\)/);
      assert.match(kt, /val spacingMd = 12\.00\.dp/);
      assert.match(kt, /val radiusMd = 6\.00\.dp/);
      assert.match(kt, /val textBase = 16\.00\.sp/);
    });
    test(`Sos${theme}Tokens.kt leaves out what Kotlin cannot express`, () => {
      for (const bad of ["fontSans", "shadowMd", "durationFast", "easeStandard", "radiusFull", "Label", "Icon"]) {
        assert.doesNotMatch(kt, new RegExp(`val \\w*${bad}\\b`), bad);
      }
      assert.doesNotMatch(kt, /rem|px|ms/);
    });
  }
});

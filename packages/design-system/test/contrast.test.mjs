import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { themes } from "../dist/js/index.js";
import { THRESHOLDS, contrastRatio, meetsThreshold, relativeLuminance } from "./wcag.mjs";

const declared = JSON.parse(readFileSync(new URL("../contrast-pairs.json", import.meta.url), "utf8"));
const resolve = (theme, path) => path.split(".").reduce((node, key) => node?.[key], themes[theme]);

describe("contrast function", () => {
  test("known values", () => {
    assert.equal(contrastRatio("#000000", "#ffffff"), 21);
    assert.equal(contrastRatio("#fff", "#000"), 21);
    assert.equal(contrastRatio("#123456", "#123456"), 1);
    assert.equal(relativeLuminance("#ffffff"), 1);
    assert.equal(relativeLuminance("#000000"), 0);
    assert.ok(Math.abs(contrastRatio("#777777", "#ffffff") - 4.48) < 0.01);
    assert.ok(Math.abs(contrastRatio("#767676", "#ffffff") - 4.54) < 0.01);
  });

  test("thresholds reject colours just below them", () => {
    assert.equal(meetsThreshold("#777777", "#ffffff", "text"), false); // 4.48 < 4.5
    assert.equal(meetsThreshold("#767676", "#ffffff", "text"), true); // 4.54
    assert.equal(meetsThreshold("#777777", "#ffffff", "large-text"), true);
    assert.equal(meetsThreshold("#959595", "#ffffff", "ui"), false); // 2.96 < 3
    assert.equal(meetsThreshold("#949494", "#ffffff", "ui"), true); // 3.03
    assert.throws(() => meetsThreshold("#000", "#fff", "decorative"));
    assert.throws(() => contrastRatio("#00000080", "#fff"));
  });

  test("contrast-pairs.json uses the same thresholds", () => {
    assert.deepEqual(declared.thresholds, THRESHOLDS);
  });
});

for (const theme of declared.themes) {
  describe(`${theme} theme pairs`, () => {
    for (const { foreground, background, kind } of declared.pairs) {
      test(`${foreground} on ${background} (${kind})`, () => {
        const fg = resolve(theme, foreground);
        const bg = resolve(theme, background);
        assert.match(`${fg}`, /^#[0-9a-f]{6}$/i, `${foreground} is not a colour in ${theme}`);
        assert.match(`${bg}`, /^#[0-9a-f]{6}$/i, `${background} is not a colour in ${theme}`);
        const ratio = contrastRatio(fg, bg);
        assert.ok(
          ratio >= THRESHOLDS[kind],
          `${theme}: ${foreground} ${fg} on ${background} ${bg} is ${ratio.toFixed(2)}:1, needs ${THRESHOLDS[kind]}:1 (${kind})`,
        );
      });
    }
  });
}

describe("pair coverage", () => {
  const key = (fg, bg) => `${fg} on ${bg}`;
  const pairs = new Set(declared.pairs.map((p) => key(p.foreground, p.background)));

  test("every theme named in contrast-pairs.json is built", () => {
    assert.deepEqual(Object.keys(themes).sort(), [...declared.themes].sort());
  });

  test("every semantic *-foreground colour is checked against its background", () => {
    for (const name of Object.keys(themes.light.color).filter((n) => n.endsWith("-foreground") && n !== "muted-foreground")) {
      const base = name.replace(/-foreground$/, "");
      assert.ok(pairs.has(key(`color.${name}`, `color.${base}`)), `missing pair color.${name} on color.${base}`);
    }
  });

  test("every severity and status colour is checked on its badge, the page and surfaces", () => {
    for (const group of ["severity", "status"]) {
      for (const item of Object.keys(themes.light.color[group])) {
        const fg = `color.${group}.${item}.fg`;
        for (const bg of [`color.${group}.${item}.bg`, "color.background", "color.surface"]) {
          assert.ok(pairs.has(key(fg, bg)), `missing pair ${key(fg, bg)}`);
        }
      }
    }
  });
});

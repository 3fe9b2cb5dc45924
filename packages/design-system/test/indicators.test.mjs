// "Never colour alone": every severity and alert status carries a label and an icon next to its colours.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { severity, status, themeNames } from "../dist/js/index.js";

const expected = {
  severity: [severity, ["low", "medium", "high", "critical"]],
  status: [status, ["triggered", "acknowledged", "dispatched", "on_scene", "resolved", "cancelled"]],
};

for (const [group, [items, names]] of Object.entries(expected)) {
  describe(group, () => {
    test("has exactly the domain values", () => {
      assert.deepEqual(Object.keys(items), names);
    });
    for (const name of names) {
      test(`${name} has a label, an icon and colours in every theme`, () => {
        const item = items[name];
        assert.equal(typeof item.label, "string");
        assert.ok(item.label.trim().length > 0, "label");
        assert.match(item.icon, /^[a-z0-9]+(-[a-z0-9]+)*$/, "icon must be a lucide (kebab-case) name");
        for (const theme of themeNames) {
          assert.match(item.color[theme].fg, /^#[0-9a-f]{6}$/, `${theme} fg`);
          assert.match(item.color[theme].bg, /^#[0-9a-f]{6}$/, `${theme} bg`);
        }
      });
    }
    test("labels and icons are distinct, so no two values look alike", () => {
      const all = Object.values(items);
      assert.equal(new Set(all.map((i) => i.label)).size, all.length);
      assert.equal(new Set(all.map((i) => i.icon)).size, all.length);
    });
  });
}

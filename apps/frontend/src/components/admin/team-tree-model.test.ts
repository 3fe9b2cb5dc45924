import { allNodes, buildForest, pathOf, subtreeIds } from "./team-tree-model";
import { team } from "./test-kit";

const root = team({ id: "a", name: "Berlin" });
const child = team({ id: "b", name: "Mitte", parent_id: "a" });
const grandchild = team({ id: "c", name: "Alexanderplatz", parent_id: "b" });

test("builds the hierarchy with levels, and siblings sorted by name", () => {
  const sibling = team({ id: "d", name: "Kreuzberg", parent_id: "a" });
  const [berlin] = buildForest([grandchild, child, sibling, root]);
  expect(berlin?.children.map((node) => node.team.name)).toEqual(["Kreuzberg", "Mitte"]);
  const alex = allNodes(buildForest([root, child, grandchild])).at(-1)!;
  expect(alex.level).toBe(3);
  expect(pathOf(alex)).toEqual(["Berlin", "Mitte", "Alexanderplatz"]);
});

test("a team whose parent is not in the list is shown at the top level", () => {
  const orphan = team({ id: "x", name: "Orphan", parent_id: "gone" });
  expect(buildForest([root, orphan]).map((node) => node.team.name)).toEqual(["Berlin", "Orphan"]);
});

test("teams caught in a parent loop are each shown once instead of recursing forever", () => {
  const loopA = team({ id: "p", name: "Loop A", parent_id: "q" });
  const loopB = team({ id: "q", name: "Loop B", parent_id: "p" });
  expect(
    allNodes(buildForest([loopA, loopB]))
      .map((node) => node.team.id)
      .sort(),
  ).toEqual(["p", "q"]);
});

test("a team's subtree holds itself and everything below it", () => {
  const [berlin] = buildForest([root, child, grandchild]);
  expect([...subtreeIds(berlin!.children[0]!)].sort()).toEqual(["b", "c"]);
});

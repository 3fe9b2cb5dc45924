import type { TeamRead } from "@sos/contracts";

export interface TeamNode {
  team: TeamRead;
  parent: TeamNode | null;
  children: TeamNode[];
  /** 1 for a top-level team. */
  level: number;
}

const byName = (a: TeamNode, b: TeamNode) => a.team.name.localeCompare(b.team.name);

/**
 * The hierarchy from the flat list, siblings by name. A team whose parent is missing from the list is shown at the
 * top level rather than lost; the server refuses cycles, but a team in one would still be shown once.
 */
export function buildForest(teams: readonly TeamRead[]): TeamNode[] {
  const known = new Set(teams.map((team) => team.id));
  const childrenOf = new Map<string | null, TeamRead[]>();
  for (const team of teams) {
    const parent = team.parent_id && known.has(team.parent_id) ? team.parent_id : null;
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), team]);
  }
  const placed = new Set<string>();
  const grow = (team: TeamRead, parent: TeamNode | null): TeamNode => {
    placed.add(team.id);
    const node: TeamNode = { team, parent, children: [], level: parent ? parent.level + 1 : 1 };
    node.children = (childrenOf.get(team.id) ?? [])
      .filter((child) => !placed.has(child.id))
      .map((child) => grow(child, node))
      .sort(byName);
    return node;
  };
  const roots = (childrenOf.get(null) ?? []).map((team) => grow(team, null));
  for (const team of teams) if (!placed.has(team.id)) roots.push(grow(team, null));
  return roots.sort(byName);
}

/** Every node, parents before their children, in display order. */
export function allNodes(forest: readonly TeamNode[]): TeamNode[] {
  return forest.flatMap((node) => [node, ...allNodes(node.children)]);
}

/** The nodes a reader sees: children of collapsed nodes are left out. */
export function visibleNodes(forest: readonly TeamNode[], isCollapsed: (id: string) => boolean): TeamNode[] {
  return forest.flatMap((node) => [
    node,
    ...(isCollapsed(node.team.id) ? [] : visibleNodes(node.children, isCollapsed)),
  ]);
}

/** The team and everything below it: none of them can become its parent. */
export function subtreeIds(node: TeamNode): Set<string> {
  return new Set(allNodes([node]).map((each) => each.team.id));
}

/** Names from the top-level team down to this one. */
export function pathOf(node: TeamNode): string[] {
  const names: string[] = [];
  for (let current: TeamNode | null = node; current; current = current.parent) names.unshift(current.team.name);
  return names;
}

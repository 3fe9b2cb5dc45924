"use client";

import { ChevronRight } from "lucide-react";
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { cn } from "@/lib/cn";
import { allNodes, visibleNodes, type TeamNode } from "./team-tree-model";

function ancestorIds(forest: readonly TeamNode[], id: string | null): string[] {
  const ids: string[] = [];
  let node = allNodes(forest).find((each) => each.team.id === id)?.parent ?? null;
  for (; node; node = node.parent) ids.push(node.team.id);
  return ids;
}

/**
 * The team hierarchy as an ARIA tree with one tab stop: Up/Down move, Right opens or goes to the first sub-team,
 * Left closes or goes to the parent, Home/End jump, Enter/Space select, and typing a letter jumps to the next team
 * starting with it.
 */
export function TeamTree({
  forest,
  selectedId,
  onSelect,
  label,
}: {
  forest: readonly TeamNode[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  label: string;
}) {
  const keysHintId = useId();
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const elements = useRef(new Map<string, HTMLLIElement>());

  // A newly selected team (just created, or chosen elsewhere) is revealed: its ancestors open.
  const [revealed, setRevealed] = useState(selectedId);
  if (revealed !== selectedId) {
    setRevealed(selectedId);
    const ancestors = ancestorIds(forest, selectedId);
    if (ancestors.some((id) => collapsed.has(id)))
      setCollapsed(new Set([...collapsed].filter((id) => !ancestors.includes(id))));
  }

  const visible = visibleNodes(forest, (id) => collapsed.has(id));
  const isVisible = (id: string | null) => id !== null && visible.some((node) => node.team.id === id);
  // The one item in the tab order: the last focused one, else the selected one, else the first.
  const activeId = isVisible(focusedId)
    ? focusedId
    : isVisible(selectedId)
      ? selectedId
      : (visible[0]?.team.id ?? null);

  const setOpen = (id: string, open: boolean) =>
    setCollapsed((current) => {
      const next = new Set(current);
      if (open) next.delete(id);
      else next.add(id);
      return next;
    });

  const focus = (node: TeamNode | undefined) => {
    if (!node) return;
    setFocusedId(node.team.id);
    elements.current.get(node.team.id)?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const index = visible.findIndex((node) => node.team.id === activeId);
    const node = visible[index];
    if (!node) return;
    const open = node.children.length > 0 && !collapsed.has(node.team.id);
    const handled = () => {
      event.preventDefault();
      event.stopPropagation();
    };
    switch (event.key) {
      case "ArrowDown":
        handled();
        focus(visible[index + 1]);
        return;
      case "ArrowUp":
        handled();
        focus(visible[index - 1]);
        return;
      case "Home":
        handled();
        focus(visible[0]);
        return;
      case "End":
        handled();
        focus(visible[visible.length - 1]);
        return;
      case "ArrowRight":
        handled();
        if (node.children.length === 0) return;
        if (open) focus(node.children[0]);
        else setOpen(node.team.id, true);
        return;
      case "ArrowLeft":
        handled();
        if (open) setOpen(node.team.id, false);
        else focus(node.parent ?? undefined);
        return;
      case "Enter":
      case " ":
        handled();
        onSelect(node.team.id);
        return;
      default:
        if (event.key.length === 1 && /\S/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
          const letter = event.key.toLowerCase();
          const after = [...visible.slice(index + 1), ...visible.slice(0, index + 1)];
          const match = after.find((candidate) => candidate.team.name.toLowerCase().startsWith(letter));
          if (match) {
            handled();
            focus(match);
          }
        }
    }
  };

  // A flat list of the visible items; aria-level, aria-setsize and aria-posinset carry the hierarchy, so each item
  // holds only its own row and is named by its team name alone.
  const renderItem = (node: TeamNode) => {
    const id = node.team.id;
    const siblings = node.parent?.children ?? forest;
    const hasChildren = node.children.length > 0;
    const open = hasChildren && !collapsed.has(id);
    const selected = id === selectedId;
    return (
      <li
        key={id}
        ref={(element) => {
          if (element) elements.current.set(id, element);
          else elements.current.delete(id);
        }}
        role="treeitem"
        aria-level={node.level}
        aria-setsize={siblings.length}
        aria-posinset={siblings.indexOf(node) + 1}
        aria-expanded={hasChildren ? open : undefined}
        aria-selected={selected}
        tabIndex={id === activeId ? 0 : -1}
        onFocus={() => setFocusedId(id)}
        onClick={() => {
          setFocusedId(id);
          onSelect(id);
        }}
        className={cn(
          "flex min-h-10 cursor-pointer items-center gap-xs rounded-md pr-sm text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring",
          selected ? "bg-primary font-semibold text-primary-foreground" : "text-foreground hover:bg-muted",
        )}
        style={{ paddingLeft: `${(node.level - 1) * 1.25 + 0.25}rem` }}
      >
        {hasChildren ? (
          <span
            aria-hidden="true"
            className="flex size-6 shrink-0 items-center justify-center rounded-sm"
            onClick={(event) => {
              event.stopPropagation();
              setFocusedId(id);
              setOpen(id, !open);
            }}
          >
            <ChevronRight className={cn("size-4 transition-transform duration-fast", open && "rotate-90")} />
          </span>
        ) : (
          <span aria-hidden="true" className="size-6 shrink-0" />
        )}
        <span className="min-w-0 flex-1 truncate">{node.team.name}</span>
        {hasChildren ? (
          // How many sub-teams, at a glance; a screen reader hears "expanded" or "collapsed" instead.
          <span aria-hidden="true" className={cn("text-xs", selected ? "" : "text-muted-foreground")}>
            {node.children.length}
          </span>
        ) : null}
      </li>
    );
  };

  return (
    <div className="flex flex-col gap-sm">
      <ul
        role="tree"
        aria-label={label}
        aria-describedby={keysHintId}
        onKeyDown={onKeyDown}
        className="flex flex-col gap-2xs"
      >
        {visible.map(renderItem)}
      </ul>
      <p id={keysHintId} className="text-xs text-muted-foreground">
        Arrow keys move and open or close sub-teams; Enter selects.
      </p>
    </div>
  );
}

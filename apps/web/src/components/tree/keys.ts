import { keyAt, type Layout, nodeAt } from '../../model/layout.js';

/** What a key does on the tree's active row (the WAI-ARIA tree pattern); null: not the tree's key. */
export interface KeyStep {
  /** The row that becomes active (and is scrolled into view). */
  next?: string;
  /** Expand (true) or collapse (false) the active row. */
  expand?: boolean;
  /** Select the active row. */
  select?: boolean;
}

export function keyStep(layout: Layout, row: number, key: string): KeyStep | null {
  const node = nodeAt(layout, row);
  const at = (r: number) => keyAt(layout, Math.max(0, Math.min(layout.size - 1, r)));
  switch (key) {
    case 'ArrowDown':
      return { next: at(row + 1) };
    case 'ArrowUp':
      return { next: at(row - 1) };
    case 'Home':
      return { next: at(0) };
    case 'End':
      return { next: at(layout.size - 1) };
    case 'ArrowRight':
      if (node.childCount > 0 && node.collapsed) return { expand: true };
      // Open already: to the first child.
      if (node.childCount > 0 && row + 1 < layout.size && layout.parent[row + 1] === row) {
        return { next: at(row + 1) };
      }
      return {};
    case 'ArrowLeft':
      if (node.childCount > 0 && !node.collapsed) return { expand: false };
      return node.parentKey ? { next: node.parentKey } : {};
    case 'Enter':
    case ' ':
      return { select: true };
    default:
      return null;
  }
}

import type { Container, ExecSession, ZombieFate } from '@pidscope/protocol';
import { type CSSProperties, memo } from 'react';
import type { ProcessLookup, Totals } from '../../model/derive.js';
import { shortId } from '../../model/keys.js';
import { formatMemory } from '../../model/labels.js';
import {
  type Bounds,
  type Layout,
  type LayoutGroup,
  type LayoutLink,
  type LayoutNode,
  linksIn,
  nodeAt,
  rowAtY,
} from '../../model/layout.js';
import { Node } from './Node.js';

/** An elbow from the parent's dot down to the child's row, then right to the child; a trunk
 * (x2 === x1) is the vertical part alone. */
function linkPath(l: LayoutLink): string {
  if (l.x2 === l.x1) return `M${l.x1},${l.y1 + 6}V${l.y2}`;
  return `M${l.x1},${l.y1 + 6}V${l.y2}H${l.x2 - 7}`;
}

const Links = memo(function Links({
  links,
  reparented,
  animate,
}: {
  links: readonly LayoutLink[];
  reparented: ReadonlyMap<string, number>;
  /** Small trees glide edges to their new place (CSS `d`); large ones, redrawn per patch, do not. */
  animate: boolean;
}) {
  return (
    // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an SVG <g> is not focusable; edges are decoration.
    <g className="links" aria-hidden="true">
      {links.map((l) => {
        const d = linkPath(l);
        const moved = reparented.has(l.targetKey);
        return (
          <path
            key={l.key}
            className={moved ? 'link link-reparented' : 'link'}
            d={d}
            style={animate ? ({ d: `path("${d}")` } as CSSProperties) : undefined}
          />
        );
      })}
    </g>
  );
});

const Groups = memo(function Groups({
  groups,
  containers,
  totals,
}: {
  groups: readonly LayoutGroup[];
  containers: ReadonlyMap<string, Container>;
  totals: ReadonlyMap<string, Totals>;
}) {
  return (
    <g className="groups">
      {groups.map((g) => {
        // The live container (pids change every tick); the layout only knows where it is.
        const c = containers.get(g.containerId) ?? g.container;
        const id = shortId(g.containerId);
        // Containers sharing one PID namespace are one box, named after all of them.
        const names = g.containerIds.map((cid) => containers.get(cid)?.name || shortId(cid));
        const shared = g.containerIds.length > 1 || (c?.sharesPidNamespaceWith.length ?? 0) > 0;
        const limit = c ? (c.pidsMax === null ? '∞' : String(c.pidsMax)) : '?';
        const t = totals.get(g.containerId);
        return (
          // biome-ignore lint/a11y/noAriaHiddenOnFocusable: an SVG <g> is not focusable; each process names itself.
          <g
            key={`${g.containerId}:${g.y}`}
            className="group"
            data-testid={`container-${id}`}
            data-init={c ? String(c.hasInit) : undefined}
            data-containers={g.containerIds.map(shortId).join(' ')}
            transform={`translate(${g.x},${g.y})`}
            aria-hidden="true"
          >
            <rect className="group-box" width={g.width} height={g.height} rx={6} />
            <text className="group-title" x={10} y={17}>
              <tspan className="group-name">
                {names.length > 1 ? names.join(' + ') : c?.name || id}
              </tspan>
              {shared ? <tspan className="group-ns"> shared PID namespace</tspan> : null}
              {c?.hostPidNamespace ? <tspan className="group-ns"> host PID namespace</tspan> : null}
              {c ? <tspan className="group-image"> {c.image}</tspan> : null}
              <tspan className="group-id"> {id}</tspan>
              {c ? (
                <tspan className={c.hasInit ? 'group-init' : 'group-noinit'}>
                  {c.hasInit ? '  init' : '  no init'}
                </tspan>
              ) : null}
              {c && c.pidsCurrent !== null ? (
                <tspan className="group-pids">
                  {'  '}pids {c.pidsCurrent}/{limit}
                </tspan>
              ) : null}
              {t ? (
                <tspan className="group-use">
                  {'  '}cpu {t.cpu}% {formatMemory(t.rssBytes)}
                </tspan>
              ) : null}
            </text>
          </g>
        );
      })}
    </g>
  );
});

/** What the scene draws over the layout's rows: the live processes and their marks. */
export interface SceneData {
  processes: ProcessLookup;
  containers: ReadonlyMap<string, Container>;
  /** CPU and memory summed per container, for the group headers. */
  containerTotals: ReadonlyMap<string, Totals>;
  blamed: ReadonlySet<string>;
  matches: ReadonlySet<string>;
  reparented: ReadonlyMap<string, number>;
  /** [S10] Sessions by the key of their process. */
  execs: ReadonlyMap<string, ExecSession>;
  /** [S11] Adopted processes whose zombie may not be reaped, by key. */
  fates: ReadonlyMap<string, ZombieFate>;
  selectedKey: string | null;
  now: number;
  onSelect(key: string): void;
  onToggle(key: string, expand: boolean): void;
}

interface SceneProps {
  nodes: readonly LayoutNode[];
  links: readonly LayoutLink[];
  groups: readonly LayoutGroup[];
  /** The tree's props: the same object while only scrolling or zooming renders the tree. */
  data: SceneData;
  active: string | null;
  /** Culled: only rows near the view are drawn, and nothing animates. */
  large: boolean;
}

/** Everything drawn, memoised apart from scrolling and zooming (which only move it). */
export const Scene = memo(function Scene({
  nodes,
  links,
  groups,
  data,
  active,
  large,
}: SceneProps) {
  return (
    <>
      <Groups groups={groups} containers={data.containers} totals={data.containerTotals} />
      <Links links={links} reparented={data.reparented} animate={!large} />
      <g className="nodes">
        {nodes.map((n) => {
          const p = data.processes.get(n.key);
          if (!p) return null;
          return (
            <Node
              key={n.key}
              nodeKey={n.key}
              process={p}
              x={n.x}
              y={n.y}
              level={n.level}
              posInSet={n.posInSet}
              setSize={n.setSize}
              childCount={n.childCount}
              hiddenCount={n.hiddenCount}
              collapsed={n.collapsed}
              selected={data.selectedKey === n.key}
              active={active === n.key}
              match={data.matches.has(n.key)}
              blamed={data.blamed.has(n.key)}
              reparented={data.reparented.has(n.key)}
              exec={data.execs.get(n.key)}
              fate={data.fates.get(n.key)}
              now={p.state === 'Z' ? data.now : 0}
              onSelect={data.onSelect}
              onToggle={data.onToggle}
            />
          );
        })}
      </g>
    </>
  );
});

/**
 * Objects for the rows inside `rect` only (every row when it is null): a 5,000-row layout stays
 * columns.
 */
export function sceneIn(
  layout: Layout,
  rect: Bounds | null,
): { nodes: LayoutNode[]; links: LayoutLink[]; groups: readonly LayoutGroup[] } {
  const from = rect ? rowAtY(layout, rect.minY) : 0;
  const to = rect ? rowAtY(layout, rect.maxY) : layout.size;
  const nodes: LayoutNode[] = [];
  for (let row = from; row < to; row++) nodes.push(nodeAt(layout, row));
  return {
    nodes,
    links: linksIn(layout, from, to),
    groups: rect
      ? layout.groups.filter((g) => g.y + g.height >= rect.minY && g.y <= rect.maxY)
      : layout.groups,
  };
}

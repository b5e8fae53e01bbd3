import type { ExecSession, Process, ZombieFate } from '@pidscope/protocol';
import { execLabel, inContainerPid } from '@pidscope/protocol';
import { memo } from 'react';
import { fateBadge, formatDuration, formatMemory, processLabel } from '../../model/labels.js';

interface NodeProps {
  nodeKey: string;
  process: Process;
  x: number;
  y: number;
  level: number;
  posInSet: number;
  setSize: number;
  childCount: number;
  hiddenCount: number;
  collapsed: boolean;
  selected: boolean;
  active: boolean;
  match: boolean;
  blamed: boolean;
  reparented: boolean;
  /** [S10] The `docker exec` session this process is the root of. */
  exec: ExecSession | undefined;
  /** [S11] Its zombie may not be reaped when it exits. */
  fate: ZombieFate | undefined;
  /** Only zombies get the clock (their age is shown); 0 for everyone else. */
  now: number;
  onSelect(key: string): void;
  onToggle(key: string, expand: boolean): void;
}

function Shape({ p, collapsed }: { p: Process; collapsed: boolean }) {
  if (p.state === 'Z') {
    // A diamond with a cross: zombies never rely on colour alone.
    return (
      <g className="shape shape-zombie">
        <path d="M0,-7L7,0L0,7L-7,0Z" />
        <path className="zombie-cross" d="M-2.5,-2.5L2.5,2.5M2.5,-2.5L-2.5,2.5" />
      </g>
    );
  }
  if (p.kernelThread) {
    return <rect className="shape shape-kthread" x={-3.5} y={-3.5} width={7} height={7} />;
  }
  return <circle className={collapsed ? 'shape shape-collapsed' : 'shape'} r={collapsed ? 5 : 4} />;
}

/**
 * What a row shows, apart from where it is: rows shift on most patches of a busy host, and only
 * the row's element should change then, not its text and shapes.
 */
const NodeBody = memo(function NodeBody(props: {
  nodeKey: string;
  process: Process;
  hasChildren: boolean;
  collapsed: boolean;
  hiddenCount: number;
  blamed: boolean;
  reparented: boolean;
  exec: ExecSession | undefined;
  fate: ZombieFate | undefined;
  now: number;
  onToggle(key: string, expand: boolean): void;
}) {
  const { process: p, nodeKey, hasChildren, onToggle } = props;
  const ns = inContainerPid(p);
  return (
    <>
      <title>{p.cmdline.length ? p.cmdline.join(' ') : `[${p.comm}]`}</title>
      <rect className="row" x={-12} y={-10} width={300} height={20} rx={4} />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut; arrow keys expand and collapse. */}
      <g
        className={hasChildren ? 'toggle' : undefined}
        onClick={(e) => {
          if (!hasChildren) return;
          e.stopPropagation();
          onToggle(nodeKey, props.collapsed);
        }}
      >
        <circle className="hit" r={9} />
        <Shape p={p} collapsed={props.collapsed} />
      </g>
      <text className="label" x={12} dy="0.34em">
        <tspan className="comm">{p.comm || '?'}</tspan>
        <tspan className="pid"> {p.pid}</tspan>
        {ns !== null ? <tspan className="nspid"> ⟨{ns}⟩</tspan> : null}
        {p.cpu > 0 ? <tspan className="cpu"> cpu {p.cpu}%</tspan> : null}
        {p.rssBytes > 0 ? <tspan className="rss"> {formatMemory(p.rssBytes)}</tspan> : null}
        {p.state === 'Z' ? (
          <tspan className="badge-zombie">
            {' '}
            zombie
            {p.zombieSince !== null && props.now
              ? ` ${formatDuration(props.now - p.zombieSince)}`
              : ''}
          </tspan>
        ) : null}
        {props.blamed ? <tspan className="badge-blamed"> ⚠ not reaping</tspan> : null}
        {props.reparented ? <tspan className="badge-reparented"> ↪ adopted</tspan> : null}
        {props.fate ? <tspan className="badge-fate"> ⚠ {fateBadge(props.fate)}</tspan> : null}
        {props.exec ? <tspan className="badge-exec"> {execLabel(props.exec)}</tspan> : null}
        {props.collapsed ? <tspan className="badge-hidden"> +{props.hiddenCount}</tspan> : null}
      </text>
    </>
  );
});

export const Node = memo(function Node(props: NodeProps) {
  const { process: p, nodeKey, onSelect, onToggle } = props;
  const ns = inContainerPid(p);
  const zombie = p.state === 'Z';
  const classes = ['node'];
  if (p.containerId) classes.push('in-container');
  if (p.kernelThread) classes.push('kthread');
  if (zombie) classes.push('zombie');
  if (props.blamed) classes.push('blamed');
  if (props.reparented) classes.push('reparented');
  if (props.selected) classes.push('selected');
  if (props.active) classes.push('active');
  if (props.match) classes.push('match');
  const hasChildren = props.childCount > 0;
  return (
    <g
      id={`node-${nodeKey}`}
      className={classes.join(' ')}
      style={{ transform: `translate(${props.x}px, ${props.y}px)` }}
      role="treeitem"
      data-testid={`proc-${p.pid}-${p.startTime}`}
      data-pid={p.pid}
      data-ppid={p.ppid}
      data-ns-pid={ns ?? undefined}
      data-container-id={p.containerId ?? undefined}
      data-zombie={zombie ? 'true' : undefined}
      data-blamed={props.blamed ? 'true' : undefined}
      data-reparented={props.reparented ? 'true' : undefined}
      data-exec={props.exec?.id}
      data-fate={props.fate ? String(props.fate.reaped) : undefined}
      aria-label={processLabel(p, props.exec, props.fate)}
      aria-level={props.level}
      aria-posinset={props.posInSet}
      aria-setsize={props.setSize}
      aria-expanded={hasChildren ? !props.collapsed : undefined}
      aria-selected={props.selected}
      onClick={() => onSelect(nodeKey)}
    >
      <NodeBody
        nodeKey={nodeKey}
        process={p}
        hasChildren={hasChildren}
        collapsed={props.collapsed}
        hiddenCount={props.hiddenCount}
        blamed={props.blamed}
        reparented={props.reparented}
        exec={props.exec}
        fate={props.fate}
        now={props.now}
        onToggle={onToggle}
      />
    </g>
  );
});

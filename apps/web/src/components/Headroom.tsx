import type { Container, Host } from '@pidscope/protocol';
import { memo } from 'react';
import { useInView } from '../hooks/useInView.js';
import {
  containerLevel,
  fullIn,
  type History,
  hostLevel,
  hostLimit,
  type Level,
} from '../model/headroom.js';
import { shortId } from '../model/keys.js';
import { formatCount as fmt } from '../model/labels.js';
import { Sparkline, series } from './Sparkline.js';
import './Headroom.css';

/** Fork failures that rose within this window keep a container red. */
export const FORK_FAILURE_WINDOW_MS = 60_000;
/** The sparklines' span: live samples after what the agent recorded before (a reload keeps it). */
const WINDOW_MS = 60 * 60_000;

function Eta({ seconds }: { seconds: number | null }) {
  const text = fullIn(seconds);
  return text ? (
    <span className="hr-eta" data-testid="eta">
      {' '}
      · {text}
    </span>
  ) : null;
}

/** A card's level: words when ok, else a button that goes to what is wrong (again: the next). */
function LevelGo(props: { level: Level; title: string; label: string; onGo?: () => void }) {
  if (props.level === 'ok') return <span className="hr-level">{props.level}</span>;
  return (
    <button
      type="button"
      className="hr-level hr-go"
      data-testid="headroom-go"
      title={props.title}
      aria-label={props.label}
      onClick={props.onGo}
    >
      {props.level} ↘
    </button>
  );
}

function Meter({ used, limit, level }: { used: number; limit: number | null; level: Level }) {
  const share = limit ? Math.min(1, used / limit) : 0;
  return (
    <div className="meter" data-level={level} aria-hidden="true">
      <div className="meter-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
    </div>
  );
}

/**
 * One container's card. Out of view (a host with dozens of containers), only its name and level
 * are kept up to date: its figures, meter and chart change every patch, and updating cards no one
 * sees was a good part of the frames dropped while patches landed.
 */
const ContainerCard = memo(function ContainerCard({
  container: c,
  rising,
  samples,
  stamp,
  onPick,
  onGo,
}: {
  container: Container;
  rising: boolean;
  samples: ReturnType<typeof series>['samples'];
  stamp: string;
  onPick?(id: string): void;
  onGo?(id: string): void;
}) {
  const [ref, inView] = useInView<HTMLDivElement>();
  const lvl = containerLevel(c, rising);
  const cur = c.pidsCurrent;
  return (
    <div
      ref={ref}
      className="hr-card hr-container"
      data-testid={`headroom-container-${shortId(c.id)}`}
      data-level={lvl}
      data-in-view={inView}
    >
      <div className="hr-head">
        <button
          type="button"
          className="linklike hr-name"
          onClick={() => onPick?.(c.id)}
          title="Show only this container"
        >
          {c.name || shortId(c.id)}
        </button>
        <LevelGo
          level={lvl}
          title="Go to this container in the tree; again: its next zombie or process"
          label={`Go to container ${c.name || shortId(c.id)} (${lvl})`}
          onGo={() => onGo?.(c.id)}
        />
      </div>
      {inView ? (
        <>
          <div className="hr-row">
            <div>
              <div className="hr-main">
                <span className="hr-big">{cur === null ? '?' : fmt(cur)}</span>
                <span className="hr-of">
                  {' '}
                  pids of {c.pidsMax === null ? 'unlimited' : fmt(c.pidsMax)}
                </span>
                <Eta seconds={c.etaSeconds} />
              </div>
              <div className={c.forkFailures > 0 ? 'hr-ff bad' : 'hr-ff'}>
                {fmt(c.forkFailures)} fork failures{rising ? ' (rising)' : ''}
              </div>
            </div>
            <Sparkline
              label={`${c.name} pids, last hour`}
              samples={samples}
              stamp={stamp}
              windowMs={WINDOW_MS}
              max={c.pidsMax}
            />
          </div>
          <Meter used={cur ?? 0} limit={c.pidsMax} level={lvl} />
        </>
      ) : (
        <div className="hr-card-rest" />
      )}
    </div>
  );
});

interface Props {
  host: Host;
  containers: readonly Container[];
  history: History;
  now: number;
  onPickContainer?(id: string): void;
  /** Goes to a container in the tree (its zombies, else its processes, in turn). */
  onGoContainer?(id: string): void;
  /** Goes to the host's zombies in turn. */
  onGoZombies?(): void;
}

/** Memoised: redrawn when the host, a container or the clock changes, not when a layout lands. */
export const Headroom = memo(function Headroom({
  host,
  containers,
  history,
  now,
  onPickContainer,
  onGoContainer,
  onGoZombies,
}: Props) {
  const limit = hostLimit(host);
  const level = hostLevel(host);
  // Limited containers first, then by name: a stable order (cards do not jump every tick).
  const limited = [...containers].sort(
    (a, b) =>
      Number(b.pidsMax !== null) - Number(a.pidsMax !== null) || a.name.localeCompare(b.name),
  );
  return (
    <section className="panel headroom" aria-labelledby="headroom-title">
      <h2 id="headroom-title">PID headroom</h2>
      <div className="hr-card" data-testid="headroom-host" data-level={level}>
        <div className="hr-head">
          <span className="hr-name">host {host.hostname}</span>
          <LevelGo
            level={level}
            title="Go to a zombie; again: the next one"
            label={`Go to the host's zombies (${level})`}
            onGo={onGoZombies}
          />
        </div>
        <div className="hr-main">
          <span className="hr-big">{fmt(host.tasks)}</span>
          <span className="hr-of"> tasks of {fmt(limit)}</span>
          <span className="hr-free"> · {fmt(Math.max(0, host.headroom))} free</span>
          <Eta seconds={host.etaSeconds} />
        </div>
        <Meter used={host.tasks} limit={limit} level={level} />
        <div className="hr-row">
          <dl className="hr-facts">
            <dt>pid_max</dt>
            <dd>{fmt(host.pidMax)}</dd>
            <dt>threads-max</dt>
            <dd>{fmt(host.threadsMax)}</dd>
            <dt>processes</dt>
            <dd>{fmt(host.processes)}</dd>
            <dt>zombies</dt>
            <dd className={host.zombies > 0 ? 'bad' : undefined}>{fmt(host.zombies)}</dd>
          </dl>
          <div className="hr-sparks">
            <span className="spark-caption">tasks</span>
            <Sparkline
              label="host tasks, last hour"
              {...series(history.get('host:tasks'))}
              windowMs={WINDOW_MS}
            />
            <span className="spark-caption">zombies</span>
            <Sparkline
              label="host zombies, last hour"
              {...series(history.get('host:zombies'))}
              windowMs={WINDOW_MS}
            />
          </div>
        </div>
      </div>
      {limited.map((c) => {
        const rising = history.roseWithin(`ctr:${c.id}:forkFailures`, now, FORK_FAILURE_WINDOW_MS);
        return (
          <ContainerCard
            key={c.id}
            container={c}
            rising={rising}
            {...series(history.get(`ctr:${c.id}:pids`))}
            onPick={onPickContainer}
            onGo={onGoContainer}
          />
        );
      })}
    </section>
  );
});

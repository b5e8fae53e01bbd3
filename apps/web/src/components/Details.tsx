import type {
  Container,
  ExecSession,
  Host,
  Process,
  ZombieAnalysis,
  ZombieFate,
} from '@pidscope/protocol';
import { execLabel, inContainerPid } from '@pidscope/protocol';
import { type ReactNode, useEffect, useState } from 'react';
import { useApiRoot } from '../hooks/useApiRoot.js';
import type { Totals } from '../model/derive.js';
import { keyOf, shortId } from '../model/keys.js';
import { formatDuration, formatMemory, stateName } from '../model/labels.js';
import { fetchProcess } from '../net/api.js';
import { NamespaceTable } from './NamespaceTable.js';
import { Threads } from './Threads.js';
import './Details.css';

interface Props {
  /** The selection as asked for (it may have exited since). */
  selected: { pid: number; startTime: number };
  process: Process | null;
  parent: Process | null;
  childProcesses: readonly Process[];
  container: Container | null;
  /** Zombie children this process is failing to reap. */
  zombieChildren: number;
  /** A recorded moment: the agent's analysis is of the live process, so it is not asked. */
  past?: boolean;
  now: number;
  /** This process's subtree is the one drawn alone. */
  focused: boolean;
  /** CPU and memory of the process with all its descendants. */
  subtree: Totals | null;
  /** [S10] The `docker exec` session this process was started by. */
  exec: ExecSession | null;
  /** [S11] Who reaps it when it exits, when that is not a parent of its own. */
  fate: ZombieFate | null;
  /** Every container, and the host: who shares each namespace with this process's container. */
  allContainers: ReadonlyMap<string, Container>;
  host: Host | null;
  onSelect(key: string): void;
  /** Draws this process's subtree alone (null: the whole tree again). */
  onFocus(key: string | null): void;
  onClose(): void;
  /** The actions for this process (signal, reap), mounted from features/actions. */
  actions?: ReactNode;
}

function Field({ name, children }: { name: string; children: ReactNode }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** A kernel worker, whose workqueue the stream leaves out of its name. */
const isKernelWorker = (p: Process) => p.kernelThread && p.comm.startsWith('kworker/');

/** What only the agent's details say: a zombie's analysis, a kernel worker's workqueue. */
function useDetails(p: Process | null, ask: boolean) {
  const [result, setResult] = useState<{
    key: string;
    analysis: ZombieAnalysis | null;
    workqueue: string | null;
    error: string | null;
  } | null>(null);
  const key = p ? keyOf(p) : null;
  const pid = p?.pid;
  const wanted = p !== null && (p.state === 'Z' || isKernelWorker(p));
  const root = useApiRoot();
  useEffect(() => {
    if (!ask || !key || !wanted || pid === undefined) return;
    const ctl = new AbortController();
    fetchProcess(pid, ctl.signal, root).then(
      (d) => setResult({ key, analysis: d.analysis, workqueue: d.workqueue, error: null }),
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        setResult({
          key,
          analysis: null,
          workqueue: null,
          error: err instanceof Error ? err.message : String(err),
        });
      },
    );
    return () => ctl.abort();
  }, [ask, key, pid, wanted, root]);
  return result && result.key === key ? result : null;
}

function ProcLink({ p, onSelect }: { p: Process; onSelect(key: string): void }) {
  const ns = inContainerPid(p);
  return (
    <button type="button" className="linklike" onClick={() => onSelect(keyOf(p))}>
      {p.comm} {p.pid}
      {ns !== null ? ` ⟨${ns}⟩` : ''}
      {p.state === 'Z' ? ' (zombie)' : ''}
    </button>
  );
}

export function Details(props: Props) {
  const { process: p, container: c, onSelect } = props;
  const analysis = useDetails(p, !props.past);
  if (!p) {
    return (
      <section className="panel details" data-testid="details" aria-label="Process details">
        <div className="details-head">
          <h2>PID {props.selected.pid}</h2>
          <button type="button" className="close" onClick={props.onClose} aria-label="Close">
            ×
          </button>
        </div>
        <p className="muted">
          This process (start time {props.selected.startTime}) is not running any more.
        </p>
        {props.actions}
      </section>
    );
  }
  const ns = inContainerPid(p);
  return (
    <section
      className={p.state === 'Z' ? 'panel details zombie' : 'panel details'}
      data-testid="details"
      aria-label={`Details of ${p.comm}, PID ${p.pid}`}
    >
      <div className="details-head">
        <h2>
          {p.state === 'Z' ? <span className="zombie-tag">zombie</span> : null}
          {p.comm} <span className="muted">PID {p.pid}</span>
          {ns !== null ? <span className="nspid"> ⟨container PID {ns}⟩</span> : null}
        </h2>
        <button type="button" className="close" onClick={props.onClose} aria-label="Close">
          ×
        </button>
      </div>

      {p.state === 'Z' ? (
        <div className="analysis" data-testid="zombie-analysis">
          <p>
            Zombie for{' '}
            <strong>
              {formatDuration(
                props.now - (analysis?.analysis?.zombieSince ?? p.zombieSince ?? props.now),
              )}
            </strong>
            {props.parent ? (
              <>
                . Its parent <ProcLink p={props.parent} onSelect={onSelect} /> has not called wait()
                for it.
              </>
            ) : (
              '.'
            )}
          </p>
          {analysis?.analysis ? (
            <>
              {analysis.analysis.parent ? (
                <p>
                  Parent: {analysis.analysis.parent.comm} {analysis.analysis.parent.pid}
                  {analysis.analysis.parent.isContainerInit ? " — the container's PID 1" : ''}
                  {analysis.analysis.parent.isHostInit ? " — the host's PID 1" : ''}
                </p>
              ) : null}
              <p>
                {analysis.analysis.initReaps === null
                  ? 'Whether PID 1 here reaps orphans is unknown'
                  : analysis.analysis.initReaps
                    ? `PID 1 here (${analysis.analysis.initComm ?? '?'}) is an init that reaps`
                    : `PID 1 here (${analysis.analysis.initComm ?? '?'}) does not reap orphans`}
                {c ? ` · container ${c.hasInit ? 'runs with --init' : 'runs without --init'}` : ''}
              </p>
              <p className="fix">
                <strong>Fix:</strong> {analysis.analysis.fix}
              </p>
            </>
          ) : analysis?.error ? (
            <p className="muted">Analysis unavailable: {analysis.error}</p>
          ) : (
            <p className="muted">Asking the agent for its analysis…</p>
          )}
        </div>
      ) : null}

      {props.exec ? (
        <p className="exec-note" data-testid="exec-session">
          <strong>{execLabel(props.exec)}</strong> — a <code>docker exec</code> session as{' '}
          {props.exec.user ? `user ${props.exec.user}` : "the container's user"}
          {props.exec.tty ? ', with a terminal' : ''} (exec {shortId(props.exec.id)}). Its processes
          are not descendants of the container's PID 1.
        </p>
      ) : null}
      {props.fate ? (
        <p
          className={props.fate.reaped === true ? 'fate-note' : 'fate-note fate-warn'}
          data-testid="zombie-fate"
        >
          {props.fate.reaped === true ? '' : '⚠ '}When it exits: {props.fate.text}.
        </p>
      ) : null}

      {props.zombieChildren > 0 ? (
        <p className="blame-note">
          ⚠ Failing to reap {props.zombieChildren} zombie child
          {props.zombieChildren === 1 ? '' : 'ren'}.
        </p>
      ) : null}

      <div className="details-tools">
        <button
          type="button"
          aria-pressed={props.focused}
          data-testid="focus-subtree"
          title="Draw this process and its descendants only (key f)"
          onClick={() => props.onFocus(props.focused ? null : keyOf(p))}
        >
          {props.focused ? 'Show the whole tree' : 'Focus on this subtree'}
        </button>
      </div>

      {props.actions}

      <dl className="fields">
        <Field name="host PID">{p.pid}</Field>
        <Field name="in-container PID">{ns ?? '—'}</Field>
        <Field name="NSpid">{p.nsPids.join(' ') || '—'}</Field>
        <Field name="start time">{p.startTime} ticks after boot</Field>
        <Field name="parent">
          {props.parent ? <ProcLink p={props.parent} onSelect={onSelect} /> : `PID ${p.ppid}`}
        </Field>
        <Field name="state">
          {p.state} ({stateName(p.state)})
        </Field>
        <Field name="command">{p.comm}</Field>
        <Field name="command line">
          <code>{p.cmdline.length ? p.cmdline.join(' ') : '—'}</code>
        </Field>
        <Field name="threads">{p.threads}</Field>
        <Field name="uid">{p.uid}</Field>
        <Field name="CPU">{p.cpu}% of one CPU</Field>
        <Field name="memory (RSS)">{formatMemory(p.rssBytes)}</Field>
        {props.subtree && props.subtree.processes > 1 ? (
          <Field name="with descendants">
            <span data-testid="subtree-totals">
              {props.subtree.processes} processes · cpu {props.subtree.cpu}% ·{' '}
              {formatMemory(props.subtree.rssBytes)}
            </span>
          </Field>
        ) : null}
        <Field name="kernel thread">{p.kernelThread ? 'yes' : 'no'}</Field>
        {isKernelWorker(p) ? (
          <Field name="workqueue">{analysis ? (analysis.workqueue ?? 'none now') : '…'}</Field>
        ) : null}
        <Field name="PID namespace">{p.pidNs ?? '—'}</Field>
        <Field name="runtime">{p.runtime ?? '—'}</Field>
        <Field name="zombie since">
          {p.zombieSince !== null ? new Date(p.zombieSince).toLocaleTimeString() : '—'}
        </Field>
      </dl>

      {/* Keyed apart from the actions, its sibling keyed by the same process. */}
      <Threads key={`threads-${keyOf(p)}`} process={p} />

      {p.containerId ? (
        <>
          <h3>Container</h3>
          <dl className="fields">
            <Field name="name">{c?.name ?? '—'}</Field>
            <Field name="image">{c?.image ?? '—'}</Field>
            <Field name="id">
              <code title={p.containerId}>{shortId(p.containerId)}</code>
            </Field>
            <Field name="state">{c?.state ?? '—'}</Field>
            <Field name="init">{c ? (c.hasInit ? 'yes (reaps orphans)' : 'no init') : '—'}</Field>
            <Field name="PID 1 (host PID)">{c?.initPid ?? '—'}</Field>
            <Field name="pids">
              {c
                ? `${c.pidsCurrent ?? '?'} of ${c.pidsMax === null ? 'unlimited' : c.pidsMax}`
                : '—'}
            </Field>
            <Field name="fork failures">{c?.forkFailures ?? '—'}</Field>
            {c?.hostPidNamespace ? (
              <Field name="PID namespace">the host's (--pid host)</Field>
            ) : c && c.sharesPidNamespaceWith.length > 0 ? (
              <Field name="PID namespace">
                shared with{' '}
                {c.sharesPidNamespaceWith
                  .map((id) => props.allContainers.get(id)?.name || shortId(id))
                  .join(', ')}
              </Field>
            ) : null}
          </dl>
          {c ? (
            <NamespaceTable container={c} containers={props.allContainers} host={props.host} />
          ) : null}
        </>
      ) : null}

      <h3>Children ({props.childProcesses.length})</h3>
      {props.childProcesses.length ? (
        <ul className="children">
          {props.childProcesses.slice(0, 200).map((ch) => (
            <li key={keyOf(ch)}>
              <ProcLink p={ch} onSelect={onSelect} />
            </li>
          ))}
          {props.childProcesses.length > 200 ? (
            <li className="muted">… and {props.childProcesses.length - 200} more</li>
          ) : null}
        </ul>
      ) : (
        <p className="muted">None.</p>
      )}
    </section>
  );
}

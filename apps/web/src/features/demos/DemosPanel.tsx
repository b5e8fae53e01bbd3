import type { DemoList, DemoObserved, DemoRunObserved } from '@pidscope/protocol';
import { memo, useCallback, useEffect, useState } from 'react';
import { explain, fetchDemos, startDemo, stopDemo } from '../../net/api.js';
import './demos.css';

export interface DemosPanelProps {
  /** The agent API root (see net/api.ts agentUrl): '' when the agent serves the UI. */
  apiBase?: string;
  /** How often the running demos are refreshed. */
  pollMs?: number;
}

/** Clock skew under this is not worth a render: the panel counts whole seconds. */
const SKEW_SLACK_MS = 250;

function sameList(a: DemoList, b: DemoList): boolean {
  return a.readOnly === b.readOnly && JSON.stringify(a.demos) === JSON.stringify(b.demos);
}

function facts(o: DemoObserved | undefined): string | null {
  if (!o) return null;
  const parts = [`${o.processes} processes`, `${o.zombies} zombies`];
  if (o.pidsMax !== null) parts.push(`pids ${o.pidsCurrent ?? '?'}/${o.pidsMax}`);
  if (o.forkFailures !== null && (o.forkFailures > 0 || o.pidsMax !== null)) {
    parts.push(`${o.forkFailures} fork failures`);
  }
  return parts.join(' · ');
}

function Run({ run, elapsedMs }: { run: DemoRunObserved; elapsedMs: number }) {
  const shown = run.steps.filter((s) => s.afterMs <= elapsedMs);
  const line = facts(run.observed);
  const where = run.containers.length
    ? `container ${run.containers.map((c) => c.name).join(', ')}`
    : `host PID ${run.pids.join(', ')}`;
  return (
    <div className="ps-demo-run" data-testid={`demo-run-${run.name}`} data-demo-id={run.id}>
      <p className="muted">
        Running in {where} for {Math.max(0, Math.round(elapsedMs / 1000))} s
        {line ? ` — ${line}` : ''}
      </p>
      <ol className="ps-demo-steps" aria-live="polite">
        {shown.map((s) => (
          <li key={s.text} data-testid="demo-step">
            {s.text}
          </li>
        ))}
      </ol>
    </div>
  );
}

/**
 * The one-click demos: each starts real processes (mostly containers) that show zombies,
 * reparenting or PID exhaustion in the tree, and explains itself step by step as it unfolds.
 */
/** Memoised: it polls the agent on its own and needs no re-render from a patch. */
export const DemosPanel = memo(function DemosPanel({
  apiBase = '',
  pollMs = 2000,
}: DemosPanelProps) {
  const [list, setList] = useState<DemoList | null>(null);
  const [skewMs, setSkewMs] = useState(0);
  const [clock, setClock] = useState(() => Date.now());
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Why the list could not be loaded; cleared by the next successful poll. */
  const [listError, setListError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    let next: DemoList;
    try {
      next = await fetchDemos(apiBase);
    } catch (err) {
      setListError(explain(err));
      return;
    }
    // A poll that brings nothing new renders nothing: the page is redrawing a live tree.
    setList((prev) => (prev && sameList(prev, next) ? prev : next));
    const skew = next.now - Date.now();
    setSkewMs((prev) => (Math.abs(prev - skew) < SKEW_SLACK_MS ? prev : skew));
    setListError(null);
  }, [apiBase]);

  useEffect(() => {
    void refresh();
    const poll = setInterval(() => void refresh(), pollMs);
    return () => clearInterval(poll);
  }, [refresh, pollMs]);

  // The seconds a demo has run, counted only while one runs.
  const running = (list?.demos ?? []).some((d) => d.running.length > 0);
  useEffect(() => {
    if (!running) return;
    setClock(Date.now());
    const tick = setInterval(() => setClock(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [running]);

  async function start(name: string) {
    setBusy(name);
    setError(null);
    await startDemo(name, apiBase).catch((err: unknown) => setError(explain(err)));
    await refresh();
    setBusy(null);
  }

  async function stop(name: string, id: string) {
    setBusy(name);
    setError(null);
    await stopDemo(id, apiBase).catch((err: unknown) => setError(explain(err)));
    await refresh();
    setBusy(null);
  }

  const now = clock + skewMs;
  const readOnly = list?.readOnly ?? false;
  return (
    <section className="panel ps-demos" data-testid="demos" aria-labelledby="ps-demos-title">
      <h2 id="ps-demos-title">Demos</h2>
      {readOnly ? <p className="muted">The agent runs read-only: demos cannot start.</p> : null}
      {error || listError ? (
        <p className="bad" role="alert" data-testid="demo-error">
          {error ?? listError}
        </p>
      ) : null}
      {list === null && !listError ? <p className="muted">Loading…</p> : null}
      <ul className="ps-demo-list">
        {(list?.demos ?? []).map((d) => {
          const latest = d.running[d.running.length - 1];
          return (
            <li key={d.name} className="ps-demo" data-testid={`demo-${d.name}`}>
              <div className="ps-demo-head">
                <strong>{d.title}</strong>
                <span className="ps-demo-buttons">
                  <button
                    type="button"
                    data-testid={`demo-start-${d.name}`}
                    disabled={readOnly || !d.available || busy !== null}
                    onClick={() => void start(d.name)}
                    aria-label={`Start demo ${d.name}`}
                  >
                    Start
                  </button>
                  {latest ? (
                    <button
                      type="button"
                      data-testid={`demo-stop-${d.name}`}
                      disabled={busy !== null}
                      onClick={() => void stop(d.name, latest.id)}
                      aria-label={`Stop demo ${d.name}`}
                    >
                      Stop
                    </button>
                  ) : null}
                </span>
              </div>
              <p className="muted ps-demo-desc">{d.description}</p>
              {!d.available && d.reason ? <p className="bad">{d.reason}</p> : null}
              {d.running.map((r) => (
                <Run key={r.id} run={r} elapsedMs={now - r.startedAt} />
              ))}
            </li>
          );
        })}
      </ul>
    </section>
  );
});

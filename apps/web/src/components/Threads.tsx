import type { Process, ThreadsAnswer } from '@pidscope/protocol';
import { useEffect, useId, useState } from 'react';
import { useApiRoot } from '../hooks/useApiRoot.js';
import { stateName } from '../model/labels.js';
import { fetchThreads } from '../net/api.js';
import './Threads.css';

/** While the list is open, the agent is asked again this often (each thread's CPU since then). */
export const THREADS_POLL_MS = 2000;

/** The threads of the process, asked for while the list is open. */
function useThreads(p: Process, open: boolean) {
  const [answer, setAnswer] = useState<{ threads: ThreadsAnswer | null; error: string | null }>({
    threads: null,
    error: null,
  });
  const { pid, startTime } = p;
  const root = useApiRoot();
  useEffect(() => {
    if (!open) return;
    const ctl = new AbortController();
    let timer = 0;
    const ask = () => {
      fetchThreads(pid, startTime, ctl.signal, root).then(
        (threads) => setAnswer({ threads, error: null }),
        (err: unknown) => {
          if (!ctl.signal.aborted) {
            setAnswer({ threads: null, error: err instanceof Error ? err.message : String(err) });
          }
        },
      );
      timer = window.setTimeout(ask, THREADS_POLL_MS);
    };
    ask();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [pid, startTime, open, root]);
  return answer;
}

/**
 * A process's threads: closed, a button that says how many; open, a table of TID, in-container
 * TID, name, state and CPU. Threads are never drawn as processes in the tree.
 */
export function Threads({ process: p }: { process: Process }) {
  const [open, setOpen] = useState(false);
  const { threads, error } = useThreads(p, open);
  const tableId = useId();
  if (p.state === 'Z' || p.kernelThread) return null;
  return (
    <div className="threads">
      <button
        type="button"
        className="linklike"
        aria-expanded={open}
        aria-controls={tableId}
        data-testid="threads-toggle"
        onClick={() => setOpen(!open)}
      >
        {open ? '▾' : '▸'} Threads ({p.threads})
      </button>
      {open ? (
        <div id={tableId}>
          {error ? <p className="muted">Threads unavailable: {error}</p> : null}
          {threads ? (
            <table className="threads-table" data-testid="threads">
              <thead>
                <tr>
                  <th scope="col">TID</th>
                  <th scope="col">in container</th>
                  <th scope="col">name</th>
                  <th scope="col">state</th>
                  <th scope="col">CPU</th>
                </tr>
              </thead>
              <tbody>
                {threads.threads.map((t) => (
                  <tr key={t.tid} data-tid={t.tid}>
                    <td>{t.tid}</td>
                    <td>{t.nsTid ?? '—'}</td>
                    <td>{t.comm}</td>
                    <td title={stateName(t.state)}>{t.state}</td>
                    <td>{t.cpu}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : error ? null : (
            <p className="muted">Asking the agent…</p>
          )}
        </div>
      ) : null}
    </div>
  );
}

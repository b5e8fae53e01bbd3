import type {
  Container,
  Process,
  ReapAnswer,
  SignalName,
  SubtreeMember,
  SubtreeOrder,
  SubtreeSignal,
} from '@pidscope/protocol';
import { type Ref, useEffect, useId, useImperativeHandle, useRef, useState } from 'react';
import { explain, reapZombie, signalProcess } from '../../net/api.js';
import './actions.css';

export interface ProcessActionsProps {
  process: Process;
  /** The agent API root (see net/api.ts agentUrl): '' when the agent serves the UI. */
  apiBase?: string;
  /**
   * Called after an action was carried out, with what it did: the page keeps it to show once the
   * process (and this component) is gone.
   */
  onDone?: (done: ActionDone) => void;
  /** The agent refuses every action; buttons are shown disabled. */
  readOnly?: boolean;
  container?: Container | null;
  /** For the page's keys: open the signal dialog, close a dialog. */
  handle?: Ref<ActionsHandle>;
}

export interface ActionsHandle {
  /** Opens the signal dialog for this process (SIGTERM first; the dialog can change it). */
  openSignal(): void;
  /** Closes the open dialog; false when none was open. */
  close(): boolean;
}

/** The signals offered as buttons; the agent accepts a few more (SIGNAL_NAMES). */
export const OFFERED_SIGNALS: readonly SignalName[] = [
  'SIGTERM',
  'SIGKILL',
  'SIGHUP',
  'SIGINT',
  'SIGSTOP',
  'SIGCONT',
];

/** A signal to the process alone, or to it and its descendants in an order ([R8]). */
interface Scope {
  subtree: boolean;
  order: SubtreeOrder;
}

/** What the confirm dialog holds. */
type Pending =
  | ({
      kind: 'signal';
      signal: SignalName;
      phase: 'loading' | 'ready' | 'sending';
      text: string;
      /** The agent's prediction for the subtree; null for one process or before it came. */
      plan: SubtreeSignal | null;
    } & Scope)
  | {
      kind: 'reap';
      phase: 'loading' | 'ready' | 'sending';
      text: string;
      plan: ReapAnswer['plan'] | null;
      signal: ReapAnswer['signal'];
      container: ReapAnswer['container'];
    };

/** What the real request did, for the result line. */
export interface ActionDone {
  message: string;
  /** Each member's result after a subtree signal; null otherwise. */
  members: SubtreeMember[] | null;
}

function confirmLabel(p: Pending): string | null {
  if (p.kind === 'signal' && p.subtree) {
    const n = p.plan?.counts.members;
    return n === undefined ? null : `Send ${p.signal} to ${n} ${n === 1 ? 'process' : 'processes'}`;
  }
  if (p.kind === 'signal') return `Send ${p.signal}`;
  if (p.plan === 'signal-parent' && p.signal) return `Send ${p.signal}`;
  if (p.plan === 'restart-container' && p.container) return `Restart container ${p.container.name}`;
  return null;
}

const SINGLE: Scope = { subtree: false, order: 'leaves-first' };

const name = (m: Pick<SubtreeMember, 'pid' | 'comm'>) => `${m.pid} (${m.comm})`;

/** The counts of a subtree signal and who ends as a zombie or is adopted, before the confirm. */
function SubtreePlan({ plan }: { plan: SubtreeSignal }) {
  const c = plan.counts;
  const zombies = plan.members.filter((m) => m.fate === 'zombie');
  const orphans = plan.members.filter((m) => m.newParent);
  return (
    <div className="ps-subtree-plan" data-testid="subtree-plan">
      <ul className="ps-subtree-counts" aria-label="What the subtree signal does">
        <li data-testid="count-members">{c.members} processes signalled</li>
        <li data-testid="count-exits">{c.exits} exit</li>
        <li data-testid="count-zombies">{c.zombies} stay zombies</li>
        <li data-testid="count-survives">{c.survives} survive</li>
        <li data-testid="count-orphans">{c.orphans} adopted</li>
        {c.killed ? (
          <li data-testid="count-killed">{c.killed} killed with their namespace</li>
        ) : null}
      </ul>
      {zombies.length ? (
        <ul aria-label="Will stay zombies" className="ps-subtree-list">
          {zombies.map((m) => (
            <li key={m.pid}>
              {name(m)} stays a zombie of {m.zombieOf ? name(m.zombieOf) : 'its parent'}
            </li>
          ))}
        </ul>
      ) : null}
      {orphans.length ? (
        <ul aria-label="Will be adopted" className="ps-subtree-list">
          {orphans.map((m) => (
            <li key={m.pid}>
              {name(m)} adopted by{' '}
              {m.newParent ? `${name(m.newParent)}, ${m.newParent.kind.replace('-', ' ')}` : ''}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** What an action did; after a subtree signal, each member's result in the order they went. */
export function ActionResult({ done }: { done: ActionDone }) {
  return (
    <div className="ps-actions-result" role="status" data-testid="action-result">
      <p>{done.message}</p>
      {done.members ? (
        <ul aria-label="Each process of the subtree" className="ps-subtree-list">
          {done.members.map((m) => (
            <li key={m.pid} data-testid="member-result">
              {name(m)}: {m.result ?? 'not sent'}
              {m.exited === true ? ', exited' : m.exited === false ? ', still running' : ''}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * Signal and Reap buttons for one process. Every action first asks the agent for a dry run and
 * shows its words in a confirm dialog; only the confirm button acts.
 */
export function ProcessActions({
  process: p,
  apiBase = '',
  onDone,
  readOnly = false,
  handle,
}: ProcessActionsProps) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<ActionDone | null>(null);
  const titleId = useId();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const previews = useRef(0);
  const key = `${p.pid}:${p.startTime}`;
  const zombie = p.state === 'Z';
  const disabled = readOnly || p.kernelThread || p.pid <= 1;

  // A new selection starts clean.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the identity changes
  useEffect(() => {
    setPending(null);
    setError(null);
    setResult(null);
  }, [key]);

  const ready = pending?.phase === 'ready';
  useEffect(() => {
    if (!ready) return;
    (confirmRef.current ?? cancelRef.current)?.focus();
  }, [ready]);

  const close = () => {
    setPending(null);
    setError(null);
  };

  useImperativeHandle(handle, () => ({
    openSignal: () => {
      if (!disabled) void previewSignal('SIGTERM', SINGLE);
    },
    close: () => {
      if (!pending) return false;
      close();
      return true;
    },
  }));

  const body = (signal: SignalName, scope: Scope) => ({
    signal,
    startTime: p.startTime,
    ...(scope.subtree ? { subtree: true, order: scope.order } : {}),
  });

  async function previewSignal(signal: SignalName, scope: Scope) {
    // Only the newest preview is shown: another choice made meanwhile wins.
    const asked = ++previews.current;
    setResult(null);
    setError(null);
    const base = { kind: 'signal', signal, ...scope, text: '', plan: null } as const;
    setPending({ ...base, phase: 'loading' });
    try {
      const answer = await signalProcess(p.pid, body(signal, scope), true, apiBase);
      if (asked !== previews.current) return;
      setPending({
        ...base,
        phase: 'ready',
        text: answer.preview.text,
        plan: answer.subtree ?? null,
      });
    } catch (err) {
      if (asked !== previews.current) return;
      setPending({ ...base, phase: 'ready' });
      setError(explain(err));
    }
  }

  async function previewReap() {
    setResult(null);
    setError(null);
    const empty = { kind: 'reap', text: '', plan: null, signal: null, container: null } as const;
    setPending({ ...empty, phase: 'loading' });
    try {
      const b = await reapZombie(p.pid, { startTime: p.startTime }, true, apiBase);
      setPending({
        kind: 'reap',
        phase: 'ready',
        text: b.message,
        plan: b.plan,
        signal: b.signal,
        container: b.container,
      });
    } catch (err) {
      setPending({ ...empty, phase: 'ready' });
      setError(explain(err));
    }
  }

  async function confirm() {
    if (pending?.phase !== 'ready') return;
    setPending({ ...pending, phase: 'sending' });
    let done: ActionDone;
    try {
      if (pending.kind === 'signal') {
        const answer = await signalProcess(p.pid, body(pending.signal, pending), false, apiBase);
        done = { message: answer.message, members: answer.subtree?.members ?? null };
      } else {
        const answer = await reapZombie(
          p.pid,
          {
            startTime: p.startTime,
            ...(pending.signal ? { signal: pending.signal } : {}),
            ...(pending.plan === 'restart-container' ? { restartContainer: true } : {}),
          },
          false,
          apiBase,
        );
        done = { message: answer.message, members: null };
      }
    } catch (err) {
      setPending({ ...pending, phase: 'ready' });
      setError(explain(err));
      return;
    }
    setPending(null);
    setError(null);
    setResult(done);
    onDone?.(done);
  }

  const label = pending ? confirmLabel(pending) : null;
  const why = readOnly
    ? 'The agent runs read-only: actions are disabled.'
    : p.kernelThread || p.pid <= 1
      ? 'pidscope does not signal kernel threads or the host’s PID 1.'
      : null;

  return (
    <div className="ps-actions" data-testid="process-actions">
      <fieldset className="ps-actions-buttons">
        <legend className="sr-only">Actions for PID {p.pid}</legend>
        {zombie ? (
          <button
            type="button"
            className="ps-action ps-action-reap"
            disabled={disabled}
            onClick={() => void previewReap()}
            data-testid="action-reap"
          >
            Reap
          </button>
        ) : null}
        {OFFERED_SIGNALS.map((s) => (
          <button
            key={s}
            type="button"
            className="ps-action"
            disabled={disabled}
            onClick={() => void previewSignal(s, SINGLE)}
            data-testid={`action-signal-${s}`}
            title={`Preview ${s} to PID ${p.pid}`}
          >
            {s}
          </button>
        ))}
      </fieldset>
      {why ? <p className="muted ps-actions-why">{why}</p> : null}
      {result ? <ActionResult done={result} /> : null}
      {pending ? (
        <div
          className="ps-dialog"
          role="dialog"
          aria-modal="true"
          aria-labelledby={titleId}
          onKeyDown={(e) => {
            if (e.key !== 'Escape') return;
            e.preventDefault();
            close();
          }}
        >
          <h3 id={titleId}>
            {pending.kind === 'reap'
              ? `Reap zombie ${p.pid}?`
              : pending.subtree
                ? `${pending.signal} to ${p.comm} (PID ${p.pid}) and its descendants?`
                : `${pending.signal} to ${p.comm} (PID ${p.pid})?`}
          </h3>
          {pending.kind === 'signal' ? (
            <label className="ps-dialog-field">
              Signal{' '}
              <select
                value={pending.signal}
                data-testid="signal-choice"
                disabled={pending.phase === 'sending'}
                onChange={(e) => void previewSignal(e.target.value as SignalName, pending)}
              >
                {OFFERED_SIGNALS.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {pending.kind === 'signal' ? (
            <div className="ps-dialog-field ps-subtree-choice">
              <label>
                <input
                  type="checkbox"
                  checked={pending.subtree}
                  disabled={pending.phase === 'sending'}
                  data-testid="subtree-choice"
                  onChange={(e) =>
                    void previewSignal(pending.signal, { ...pending, subtree: e.target.checked })
                  }
                />{' '}
                Whole subtree (this process and all its descendants)
              </label>
              {pending.subtree ? (
                <label>
                  Order{' '}
                  <select
                    value={pending.order}
                    data-testid="subtree-order"
                    disabled={pending.phase === 'sending'}
                    onChange={(e) =>
                      void previewSignal(pending.signal, {
                        subtree: true,
                        order: e.target.value as SubtreeOrder,
                      })
                    }
                  >
                    <option value="leaves-first">leaves first (deepest first)</option>
                    <option value="root-first">root first</option>
                  </select>
                </label>
              ) : null}
            </div>
          ) : null}
          {pending.kind === 'signal' && pending.plan && pending.phase !== 'loading' ? (
            <SubtreePlan plan={pending.plan} />
          ) : null}
          {pending.phase === 'loading' ? (
            <p className="muted">Asking the agent what would happen…</p>
          ) : pending.text ? (
            <pre className="ps-preview" data-testid="signal-preview">
              {pending.text}
            </pre>
          ) : null}
          {error ? (
            <p className="bad ps-actions-error" role="alert" data-testid="action-error">
              {error}
            </p>
          ) : null}
          <div className="ps-dialog-buttons">
            {label && !error ? (
              <button
                ref={confirmRef}
                type="button"
                className="ps-confirm"
                disabled={pending.phase !== 'ready'}
                onClick={() => void confirm()}
              >
                {label}
              </button>
            ) : null}
            <button ref={cancelRef} type="button" onClick={close}>
              {label && !error ? 'Cancel' : 'Close'}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

import type { Container, Process, ReapAnswer, SignalName } from '@pidscope/protocol';
import { type Ref, useEffect, useId, useImperativeHandle, useRef, useState } from 'react';
import { explain, reapZombie, signalProcess } from '../../net/api.js';
import './actions.css';

export interface ProcessActionsProps {
  process: Process;
  /** The agent API root (see net/api.ts agentUrl): '' when the agent serves the UI. */
  apiBase?: string;
  /** Called after an action was carried out. */
  onDone?: () => void;
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

/** What the confirm dialog holds. */
type Pending =
  | { kind: 'signal'; signal: SignalName; phase: 'loading' | 'ready' | 'sending'; text: string }
  | {
      kind: 'reap';
      phase: 'loading' | 'ready' | 'sending';
      text: string;
      plan: ReapAnswer['plan'] | null;
      signal: ReapAnswer['signal'];
      container: ReapAnswer['container'];
    };

function confirmLabel(p: Pending): string | null {
  if (p.kind === 'signal') return `Send ${p.signal}`;
  if (p.plan === 'signal-parent' && p.signal) return `Send ${p.signal}`;
  if (p.plan === 'restart-container' && p.container) return `Restart container ${p.container.name}`;
  return null;
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
  const [result, setResult] = useState<string | null>(null);
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
      if (!disabled) void previewSignal('SIGTERM');
    },
    close: () => {
      if (!pending) return false;
      close();
      return true;
    },
  }));

  async function previewSignal(signal: SignalName) {
    // Only the newest preview is shown: another signal picked meanwhile wins.
    const asked = ++previews.current;
    setResult(null);
    setError(null);
    setPending({ kind: 'signal', signal, phase: 'loading', text: '' });
    try {
      const answer = await signalProcess(p.pid, { signal, startTime: p.startTime }, true, apiBase);
      if (asked !== previews.current) return;
      setPending({ kind: 'signal', signal, phase: 'ready', text: answer.preview.text });
    } catch (err) {
      if (asked !== previews.current) return;
      setPending({ kind: 'signal', signal, phase: 'ready', text: '' });
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
    let message: string;
    try {
      const answer =
        pending.kind === 'signal'
          ? await signalProcess(
              p.pid,
              { signal: pending.signal, startTime: p.startTime },
              false,
              apiBase,
            )
          : await reapZombie(
              p.pid,
              {
                startTime: p.startTime,
                ...(pending.signal ? { signal: pending.signal } : {}),
                ...(pending.plan === 'restart-container' ? { restartContainer: true } : {}),
              },
              false,
              apiBase,
            );
      message = answer.message;
    } catch (err) {
      setPending({ ...pending, phase: 'ready' });
      setError(explain(err));
      return;
    }
    setPending(null);
    setError(null);
    setResult(message);
    onDone?.();
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
            onClick={() => void previewSignal(s)}
            data-testid={`action-signal-${s}`}
            title={`Preview ${s} to PID ${p.pid}`}
          >
            {s}
          </button>
        ))}
      </fieldset>
      {why ? <p className="muted ps-actions-why">{why}</p> : null}
      {result ? (
        <p className="ps-actions-result" role="status" data-testid="action-result">
          {result}
        </p>
      ) : null}
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
            {pending.kind === 'signal'
              ? `${pending.signal} to ${p.comm} (PID ${p.pid})?`
              : `Reap zombie ${p.pid}?`}
          </h3>
          {pending.kind === 'signal' ? (
            <label className="ps-dialog-field">
              Signal{' '}
              <select
                value={pending.signal}
                data-testid="signal-choice"
                disabled={pending.phase === 'sending'}
                onChange={(e) => void previewSignal(e.target.value as SignalName)}
              >
                {OFFERED_SIGNALS.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
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

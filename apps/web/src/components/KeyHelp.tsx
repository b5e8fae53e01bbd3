import { useEffect, useId, useRef } from 'react';
import type { Hotkey } from '../hooks/useHotkeys.js';
import './KeyHelp.css';

/** How a key is written in the list. */
function keyName(key: string): string {
  return key === 'Escape' ? 'Esc' : key;
}

/** The list of the page's keys (the `?` key), made from the very list the page binds. */
export function KeyHelp({ keys, onClose }: { keys: readonly Hotkey[]; onClose(): void }) {
  const titleId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <div
      className="panel key-help"
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      data-testid="key-help"
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        onClose();
      }}
    >
      <div className="key-help-head">
        <h2 id={titleId}>Keys</h2>
        <button ref={closeRef} type="button" className="close" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      <dl>
        {keys.map((k) => (
          <div key={k.key} className="key-help-row">
            <dt>
              <kbd>{keyName(k.key)}</kbd>
            </dt>
            <dd>{k.does}</dd>
          </div>
        ))}
        <div className="key-help-row">
          <dt>
            <kbd>↑</kbd> <kbd>↓</kbd> <kbd>←</kbd> <kbd>→</kbd>
          </dt>
          <dd>in the tree: walk, open and close subtrees; Enter selects</dd>
        </div>
      </dl>
      <p className="muted">No key acts while you type in a field.</p>
    </div>
  );
}

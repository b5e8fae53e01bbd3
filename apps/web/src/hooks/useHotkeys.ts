import { useEffect } from 'react';
import { useCommitted } from './useCommitted.js';

/** One page-wide key: what is pressed, and what it does. */
export interface Hotkey {
  /** `KeyboardEvent.key` as typed: '/', 'z', '?', 'Escape'. */
  key: string;
  /** What the key list says it does. */
  does: string;
  run(): void;
}

/** Where typing goes: keys pressed there are text, not commands. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/**
 * The page's single-key commands, on the document. None fires while typing in a field or with
 * Ctrl, Alt or ⌘ held (the browser's own shortcuts); keys the focused widget already handled
 * (the tree's arrows, a dialog's Escape) are left to it.
 */
export function useHotkeys(keys: readonly Hotkey[]): void {
  const current = useCommitted(keys);
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (typingIn(e.target)) return;
      const hit = current.current.find((k) => k.key === e.key);
      if (!hit) return;
      e.preventDefault();
      hit.run();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [current]);
}

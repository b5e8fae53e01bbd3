import { useCallback, useState } from 'react';

export interface FocusRoot {
  /** The process whose subtree alone is drawn, by key; null: the whole tree. */
  focus: string | null;
  /** Focuses a subtree (null: the whole tree again) and puts it in the page URL. */
  setFocus(key: string | null): void;
}

/** "Focus on this process": its subtree alone, kept in the page URL (`?focus=pid:start`). */
export function useFocusRoot(
  initial: string | null,
  onFocusUrl?: (key: string | null) => void,
): FocusRoot {
  const [focus, set] = useState<string | null>(initial);
  const setFocus = useCallback(
    (key: string | null) => {
      set(key);
      onFocusUrl?.(key);
    },
    [onFocusUrl],
  );
  return { focus, setFocus };
}

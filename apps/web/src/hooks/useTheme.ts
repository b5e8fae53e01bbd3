import { useCallback, useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';

/** Where the chosen theme is remembered (the page follows the system until someone picks one). */
export const THEME_KEY = 'pidscope:theme';

function stored(): Theme | null {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : null;
  } catch {
    return null;
  }
}

function systemTheme(): Theme {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches
    ? 'light'
    : 'dark';
}

/**
 * Pins the remembered theme on the document before the first render (styles.css follows the
 * system otherwise), so the page does not flash the other palette.
 */
export function applyStoredTheme(): void {
  const t = stored();
  if (t) document.documentElement.dataset.theme = t;
}

/** The theme shown (chosen, else the system's), and a toggle that remembers the choice. */
export function useTheme(): { theme: Theme; toggleTheme(): void } {
  const [chosen, setChosen] = useState<Theme | null>(stored);
  const [system, setSystem] = useState<Theme>(systemTheme);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const query = matchMedia('(prefers-color-scheme: light)');
    const follow = () => setSystem(query.matches ? 'light' : 'dark');
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, []);
  const theme = chosen ?? system;
  const toggleTheme = useCallback(() => {
    const next: Theme = theme === 'light' ? 'dark' : 'light';
    setChosen(next);
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(THEME_KEY, next);
    } catch {
      // Storage refused (a private window's quota): the choice holds for this page only.
    }
  }, [theme]);
  return { theme, toggleTheme };
}

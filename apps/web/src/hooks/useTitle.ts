import { useEffect } from 'react';

/** The tab says how many zombies the host has, and which host it is. */
export function useTitle(zombies: number, host: string | undefined): void {
  useEffect(() => {
    document.title = `${zombies > 0 ? `(${zombies} zombie${zombies === 1 ? '' : 's'}) ` : ''}pidscope${host ? ` — ${host}` : ''}`;
  }, [zombies, host]);
}

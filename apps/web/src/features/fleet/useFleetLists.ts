import type { FleetContainersResponse, FleetZombiesResponse } from '@pidscope/protocol';
import { useEffect, useState } from 'react';
import { fetchFleetContainers, fetchFleetZombies } from '../../net/api.js';

export interface FleetLists {
  zombies: FleetZombiesResponse | null;
  containers: FleetContainersResponse | null;
  error: string | null;
}

/**
 * The fleet-wide zombie and container lists ([F6], [F7]): asked again when the hosts' counts
 * changed (`signature`), at most once a second, and every 5 s for the ages.
 */
export function useFleetLists(signature: string): FleetLists {
  const [lists, setLists] = useState<FleetLists>({ zombies: null, containers: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const every = setInterval(() => setTick((t) => t + 1), 5_000);
    return () => clearInterval(every);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: signature and tick are the triggers
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      Promise.all([fetchFleetZombies(), fetchFleetContainers()]).then(
        ([zombies, containers]) => {
          if (!cancelled) setLists({ zombies, containers, error: null });
        },
        (err: unknown) => {
          if (!cancelled) setLists((l) => ({ ...l, error: String(err) }));
        },
      );
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [signature, tick]);
  return lists;
}

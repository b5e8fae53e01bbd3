import type { Event, State } from '@pidscope/protocol';
export declare const KUBERNETES: {
  busyShare: number;
  cpuShare: number;
  rssShare: number;
  churnShare: number;
  processesPerPod: number;
  appContainersPerPod: [number, number];
  kernelThreadShare: number;
  zombieShare: number;
};
export declare function createSyntheticHost(opts?: {
  processes?: number;
  containers?: number;
  seed?: number;
  shape?: 'docker' | 'kubernetes';
}): {
  state(): State;
  tick(): { state: State; events: Event[] };
  quietTick(): { state: State; events: Event[] };
};

import type { Event, State } from '@pidscope/protocol';
export declare function createSyntheticHost(opts?: {
  processes?: number;
  containers?: number;
  seed?: number;
}): {
  state(): State;
  tick(): { state: State; events: Event[] };
  quietTick(): { state: State; events: Event[] };
};

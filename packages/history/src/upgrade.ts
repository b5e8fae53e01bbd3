// [H10] A recording outlives the protocol it was written in: the frame format (FORMAT_VERSION)
// has not changed, but the states and patches inside a frame are whatever the protocol was when
// they were recorded. Reading one, the store brings it to the current protocol here, in place,
// so every answer (a moment, a diff, a series) is a state every client accepts.
//
// What changed since format 1 was first written, and what an older record reads as:
// - protocol 3 ([S6]): `host.source` and `host.sourceReason`. Agents then always polled.
// - history: `host.etaSeconds` and `containers[].etaSeconds` (no estimate: null).
// - protocol 4 ([S7], [S9]): `processes[].cpu` (not measured then: 0); `containers[].pidNs`
//   renamed `pidNamespace`, with `sharesPidNamespaceWith` worked out from the other containers'
//   namespaces (the agent does the same), `hostPidNamespace` (the host's was not recorded: false)
//   and `namespaces`; `host.namespaces` and `host.pidNamespace` (not recorded: null).
// - [S10]: `containers[].execs` (`docker exec` sessions were not recorded: none).
import {
  type Container,
  type Host,
  NO_NAMESPACES,
  type Patch,
  type Process,
  type State,
  sharedPidNamespaces,
} from '@pidscope/protocol';

export const RECORDED_BEFORE_SOURCE = 'recorded before the agent reported its source';

type Old<T> = Partial<T> & Record<string, unknown>;

function process(p: Old<Process>): void {
  p.cpu ??= 0;
}

/** True when `c` was recorded before protocol 4 named its PID namespace `pidNamespace`. */
function container(c: Old<Container>): boolean {
  c.etaSeconds ??= null;
  c.execs ??= [];
  if (c.pidNamespace !== undefined) return false;
  c.pidNamespace = typeof c.pidNs === 'number' ? c.pidNs : null;
  delete c.pidNs;
  c.sharesPidNamespaceWith ??= [];
  c.hostPidNamespace ??= false;
  c.namespaces ??= { ...NO_NAMESPACES };
  return true;
}

function host(h: Old<Host>): void {
  h.etaSeconds ??= null;
  if (h.source === undefined) {
    h.source = 'polling';
    h.sourceReason = RECORDED_BEFORE_SOURCE;
  }
  h.sourceReason ??= null;
  h.namespaces ??= { ...NO_NAMESPACES };
  h.pidNamespace ??= null;
}

/**
 * Brings a recorded keyframe to the current protocol. Returns true when its containers were
 * recorded before [S9]: their sharing must be worked out again once the moment is replayed
 * ({@link shareNamespaces}), since patches may add containers after the keyframe.
 */
export function upgradeState(state: State): boolean {
  host(state.host as Old<Host>);
  for (const p of state.processes) process(p as Old<Process>);
  let old = false;
  for (const c of state.containers) old = container(c as Old<Container>) || old;
  return old;
}

/** Brings a recorded patch to the current protocol (its host part is partial: left as it is). */
export function upgradePatch(patch: Patch): void {
  for (const p of patch.added) process(p as Old<Process>);
  for (const c of patch.containers.upserted) container(c as Old<Container>);
}

/** [S9] for a state recorded before it: which containers share a PID namespace. */
export function shareNamespaces(state: State): State {
  const sharing = sharedPidNamespaces(state.containers, state.host.pidNamespace);
  return {
    ...state,
    containers: state.containers.map((c) => ({ ...c, ...sharing.get(c.id) })),
  };
}

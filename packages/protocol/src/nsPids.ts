/**
 * What a process's `nsPids` (its NSpid chain: host PID first, innermost PID namespace last) says
 * about where it lives ([S5] in SPEC.md). Every side computes these facts here.
 */

/** The in-container PID: the innermost NSpid of a process in a nested PID namespace, else null. */
export function inContainerPid(p: { readonly nsPids: readonly number[] }): number | null {
  const { nsPids } = p;
  return nsPids.length > 1 ? (nsPids[nsPids.length - 1] as number) : null;
}

/** True when the process is the PID 1 of a nested PID namespace (a container's init). */
export function isNamespaceInit(p: { readonly nsPids: readonly number[] }): boolean {
  return inContainerPid(p) === 1;
}

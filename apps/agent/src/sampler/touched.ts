import type { ProcEvent } from '@pidscope/procfs';

/**
 * What a batch of proc connector events says to read again, gathered over a coalescing window.
 * Only processes (thread-group leaders) are read: a thread's fork or exit changes its process's
 * thread count, which the safety rescan refreshes.
 */
export class Touched {
  /** Processes whose stat to read again: new, exec'd, renamed, exited (zombie or gone). */
  readonly read = new Set<number>();
  /** Of those, the ones whose program or credentials changed: status and cmdline too. */
  readonly execed = new Set<number>();
  /**
   * Processes one of whose threads exited: their children may have been handed to a reaper
   * (kernel/exit.c does it before it reports the exit), so read the children's parent again.
   */
  readonly orphaning = new Set<number>();

  add(e: ProcEvent): void {
    switch (e.kind) {
      case 'fork':
        // A new thread is a fork inside its group (childPid ≠ childTgid).
        if (e.childPid === e.childTgid) this.read.add(e.childTgid);
        return;
      case 'exec':
      case 'uid':
        this.read.add(e.tgid);
        this.execed.add(e.tgid);
        return;
      case 'comm':
        // Only the leader's name is the process's.
        if (e.pid === e.tgid) this.read.add(e.tgid);
        return;
      case 'exit':
        if (e.pid === e.tgid) this.read.add(e.tgid);
        // The last thread to go may not be the leader: its children go to the reaper then.
        this.orphaning.add(e.tgid);
        return;
      default:
        // gid, sid, ptrace, coredump (an exit follows), acknowledgements: nothing a record shows.
        return;
    }
  }

  get empty(): boolean {
    return this.read.size === 0 && this.orphaning.size === 0;
  }

  clear(): void {
    this.read.clear();
    this.execed.clear();
    this.orphaning.clear();
  }
}

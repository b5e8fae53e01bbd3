// Builders of process records for tests and benchmarks, in every workspace
// (`@pidscope/protocol/testing`). Production code does not import this module. A field added to
// the Process schema gets its default here, and every test and bench builds with it.
import type { SubtreeMember } from './api.js';
import { NO_NAMESPACES } from './namespaces.js';
import type { Namespaces, Process } from './schemas.js';

/** The host's PID namespace inode in test data. */
export const TEST_HOST_PID_NS = 4026531836;

/**
 * A Process: by default a sleeping host process with one thread, started at tick 1000 + pid.
 * `over` replaces any field.
 */
export function testProcess(over: Partial<Process> & Pick<Process, 'pid'>): Process {
  const { pid, ...rest } = over;
  return {
    pid,
    ppid: 1,
    state: 'S',
    comm: 'sleep',
    cmdline: ['sleep', '600'],
    startTime: 1000 + pid,
    threads: 1,
    uid: 0,
    kernelThread: false,
    nsPids: [pid],
    pidNs: TEST_HOST_PID_NS,
    containerId: null,
    runtime: null,
    rssBytes: 4096,
    cpu: 0,
    zombieSince: null,
    ...rest,
  };
}

/** What a procfs scan reads of a process: every Process field but the agent's own zombieSince. */
export type TestRecord = Omit<Process, 'zombieSince'>;

/** A procfs ProcessRecord (its cgroup paths left out): `testProcess` without zombieSince. */
export function testRecord(over: Partial<TestRecord> & Pick<TestRecord, 'pid'>): TestRecord {
  const { zombieSince: _, ...record } = testProcess(over);
  return record;
}

/** Namespaces nobody could read: what test containers and hosts carry unless a test is about them. */
export const TEST_NAMESPACES: Namespaces = NO_NAMESPACES;

/**
 * A member of a subtree signal ([R8]): by default a sleep at depth 1 under PID 1, that the signal
 * ends and its parent reaps, in a dry run (no result yet). `over` replaces any field.
 */
export function testSubtreeMember(
  over: Partial<SubtreeMember> & Pick<SubtreeMember, 'pid'>,
): SubtreeMember {
  const { pid, ...rest } = over;
  return {
    pid,
    startTime: 1000 + pid,
    comm: 'sleep',
    ppid: 1,
    depth: 1,
    state: 'S',
    effect: 'terminate',
    fate: 'exits',
    newParent: null,
    zombieOf: null,
    result: null,
    exited: null,
    ...rest,
  };
}

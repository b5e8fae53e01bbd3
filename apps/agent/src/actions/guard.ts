import { basename } from 'node:path';
import type { Target } from './target.js';

/** Why a target may not be signalled; each maps to a 403 with this code. */
export type ProtectedReason =
  | 'HOST_INIT'
  | 'KERNEL_THREAD'
  | 'NOT_THREAD_GROUP_LEADER'
  | 'AGENT_ITSELF'
  | 'AGENT_ANCESTOR'
  | 'CONTAINER_RUNTIME';

export interface Refusal {
  code: ProtectedReason;
  message: string;
}

/** The daemons that run every container: killing one takes all containers with it. */
const RUNTIME_DAEMONS = /^(dockerd|containerd|containerd-shim.*|runc|docker-proxy)$/;

export interface GuardContext {
  /** The agent's PID in the procRoot view. */
  selfPid: number;
  /** The agent's ancestors (parent first), in the procRoot view. */
  ancestors: readonly number[];
}

/** Returns why signalling `t` is refused, or null when it may be signalled. */
export function refuse(t: Target, ctx: GuardContext): Refusal | null {
  if (t.pid <= 1) {
    return {
      code: 'HOST_INIT',
      message: `PID ${t.pid} is the host's init: pidscope never signals it`,
    };
  }
  if (t.kernelThread) {
    return {
      code: 'KERNEL_THREAD',
      message: `PID ${t.pid} (${t.comm}) is a kernel thread: signals to it do nothing useful and pidscope does not send them`,
    };
  }
  if (t.tgid !== t.pid) {
    return {
      code: 'NOT_THREAD_GROUP_LEADER',
      message: `${t.pid} is a thread of process ${t.tgid}, not a process: signal PID ${t.tgid} instead`,
    };
  }
  if (t.pid === ctx.selfPid) {
    return { code: 'AGENT_ITSELF', message: `PID ${t.pid} is the pidscope agent itself` };
  }
  if (ctx.ancestors.includes(t.pid)) {
    return {
      code: 'AGENT_ANCESTOR',
      message: `PID ${t.pid} (${t.comm}) is an ancestor of the pidscope agent: signalling it could stop the agent`,
    };
  }
  const names = [t.comm, t.cmdline[0] ? basename(t.cmdline[0]) : ''];
  if (names.some((n) => RUNTIME_DAEMONS.test(n))) {
    return {
      code: 'CONTAINER_RUNTIME',
      message: `PID ${t.pid} (${t.comm}) is part of the container runtime: signalling it could take down every container`,
    };
  }
  return null;
}

import { readPidStat, signalProcess } from '@pidscope/procfs';
import {
  isNamespaceInit,
  type MemberResult,
  type ReapAnswer,
  type ReapRequest,
  type SignalAnswer,
  type SignalRequest,
  type SubtreeOrder,
  subtreeCounts,
} from '@pidscope/protocol';
import type Docker from 'dockerode';
import { AgentError } from '../errors.js';
import { type ProtectedReason, refuse } from './guard.js';
import { asProcess, effectOf, type ProcessView, previewSignal } from './preview.js';
import { type SignalInfo, signalInfo } from './signals.js';
import { descendants, type Planned, predictSubtree, signalLevels, subtreeText } from './subtree.js';
import { ancestry, readTarget, type Target } from './target.js';

export interface ActionDeps {
  procRoot: string;
  /** The agent's PID in the procRoot view. */
  selfPid: number;
  view: () => ProcessView;
  docker: () => Docker | null;
  /**
   * A signal went out to `pids`: the model reads them again (ModelService.signalled). Stopping or
   * continuing a process has no process event, and the target takes the signal in only once it
   * is scheduled: one read right after may still see it as it was.
   */
  signalled?: (pids: number[]) => void;
  /** Has the model look at /proc now, so a subtree's members are those of this moment. */
  look?: () => Promise<void>;
}

/** A signal to send (or preview): the route's request, checked, with its PID and dry-run flag. */
export interface SignalOrder extends SignalRequest {
  pid: number;
  dryRun: boolean;
}

/** A zombie to reap (or preview): the route's request with the defaults filled in. */
export interface ReapOrder extends Required<ReapRequest> {
  pid: number;
  dryRun: boolean;
}

const brief = (t: Target) => ({ pid: t.pid, startTime: t.startTime, comm: t.comm });

export interface Actions {
  signal(order: SignalOrder): Promise<SignalAnswer>;
  reap(order: ReapOrder): Promise<ReapAnswer>;
}

export function createActions(deps: ActionDeps): Actions {
  /** The target by PID, refused unless it still is the process the caller means. */
  function locate(pid: number, startTime: number): Target {
    const t = readTarget(deps.procRoot, pid);
    if (!t) throw new AgentError('NO_SUCH_PROCESS', `no process with PID ${pid}`);
    if (t.startTime !== startTime) {
      throw new AgentError(
        'STALE_START_TIME',
        `PID ${pid} now belongs to another process (start time ${t.startTime}, not ${startTime}): refresh and try again`,
        { currentStartTime: t.startTime },
      );
    }
    return t;
  }

  const guardContext = () => ({
    selfPid: deps.selfPid,
    ancestors: ancestry(deps.procRoot, deps.selfPid).slice(1),
  });

  function guard(t: Target, role = ''): void {
    const refusal = refuse(t, guardContext());
    if (refusal) {
      throw new AgentError(refusal.code, `${role}${refusal.message}`, {
        pid: t.pid,
        comm: t.comm,
      });
    }
  }

  /**
   * Signals `t` only if it still is the process that started at `t.startTime`: through a pidfd
   * opened on the PID and checked against that start time, so a PID reused meanwhile is never
   * hit; where pidfds are missing, the same check right before kill(2). Never PID <= 1.
   */
  function send(t: Target, signal: SignalInfo): void {
    if (!Number.isSafeInteger(t.pid) || t.pid <= 1) {
      throw new AgentError('HOST_INIT', `refusing to signal PID ${t.pid}`);
    }
    const r = signalProcess(t.pid, t.startTime, signal.number, deps.procRoot);
    switch (r.outcome) {
      case 'sent':
        deps.signalled?.([t.pid]);
        return;
      case 'gone':
        throw new AgentError('NO_SUCH_PROCESS', `PID ${t.pid} exited before the signal`);
      case 'reused':
        throw new AgentError(
          'STALE_START_TIME',
          `PID ${t.pid} was reused by another process just before the signal: nothing sent`,
          { currentStartTime: r.startTime },
        );
      case 'denied':
        throw new AgentError(
          'NOT_PERMITTED',
          `the kernel refused: not permitted to signal ${t.pid}`,
        );
    }
  }

  async function restart(id: string): Promise<void> {
    const docker = deps.docker();
    if (!docker) {
      throw new AgentError(
        'DOCKER_UNAVAILABLE',
        'restarting a container needs Docker, which is not available',
      );
    }
    try {
      await docker.getContainer(id).restart({ t: 2 });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404)
        throw new AgentError('NO_SUCH_CONTAINER', `container ${id.slice(0, 12)} is gone`);
      throw new AgentError(
        'DOCKER_FAILED',
        `Docker could not restart container ${id.slice(0, 12)} (its answer is in the agent's log)`,
        undefined,
        { cause: err },
      );
    }
  }

  /** Whether a member has exited: its PID is free, names another process, or is a zombie. */
  function exited(pid: number, startTime: number): boolean {
    const st = readPidStat(pid, deps.procRoot);
    return st === null || st.startTime !== startTime || st.state === 'Z' || st.state === 'X';
  }

  /**
   * A signal to `root` and its descendants ([R8]): every member read from /proc and guarded
   * before anything is sent; one forbidden member refuses the whole request.
   */
  async function signalSubtree(
    root: Target,
    info: SignalInfo,
    order: SubtreeOrder,
    dryRun: boolean,
  ): Promise<SignalAnswer> {
    await deps.look?.();
    const view = deps.view();
    const ctx = guardContext();
    const plan: (Planned & { target: Target })[] = [];
    const refused: Record<string, unknown>[] = [];
    for (const { proc, depth } of descendants(asProcess(root, view), view)) {
      const t = depth === 0 ? root : readTarget(deps.procRoot, proc.pid);
      // Gone, or its PID taken by another process since the model saw it: not a member any more.
      if (!t || t.startTime !== proc.startTime) continue;
      const refusal = refuse(t, ctx);
      if (refusal) {
        refused.push({ pid: t.pid, startTime: t.startTime, comm: t.comm, ...refusal });
        continue;
      }
      const p = asProcess(t, view);
      plan.push({ proc: p, depth, effect: effectOf(t, info).effect, target: t });
    }
    const first = refused[0] as { code: ProtectedReason; message: string } | undefined;
    if (first) {
      const more = refused.length > 5 ? `; and ${refused.length - 5} more (detail.refused)` : '';
      const list = `${refused
        .slice(0, 5)
        .map((r) => `${r.pid} (${r.comm}): ${r.message}`)
        .join('; ')}${more}`;
      throw new AgentError(
        first.code,
        `the subtree of PID ${root.pid} (${root.comm}) holds ${refused.length} process(es) pidscope never signals, so nothing was sent: ${list}`,
        { refused },
      );
    }
    const members = predictSubtree(plan, order, view);
    const preview = previewSignal(root, info, view);
    const rootLine = preview.text.split('\n')[0] as string;
    preview.text = subtreeText(rootLine, members, order, info, view, preview.containerName);
    const subtree = () => ({ order, counts: subtreeCounts(members), members });
    if (dryRun)
      return { dryRun: true, sent: false, preview, message: preview.text, subtree: subtree() };

    const targets = new Map(plan.map((m) => [m.proc.pid, m.target]));
    await signalLevels(
      members,
      order,
      (m) => {
        const t = targets.get(m.pid) as Target;
        if (!Number.isSafeInteger(t.pid) || t.pid <= 1) return 'denied';
        const r = signalProcess(t.pid, t.startTime, info.number, deps.procRoot).outcome;
        return r satisfies MemberResult;
      },
      exited,
    );
    deps.signalled?.(members.filter((m) => m.result === 'sent').map((m) => m.pid));
    const sent = members.filter((m) => m.result === 'sent').length;
    const missed = members.filter((m) => m.result !== 'sent');
    const rest = missed.length
      ? `; not sent to ${missed.map((m) => `${m.pid} (${m.result})`).join(', ')}`
      : '';
    return {
      dryRun: false,
      sent: sent > 0,
      preview,
      message: `${info.name} sent to ${sent} of ${members.length} processes of the subtree of PID ${root.pid} (${root.comm}), ${order}${rest}`,
      subtree: subtree(),
    };
  }

  return {
    async signal(req) {
      if (req.order !== undefined && req.subtree !== true) {
        throw new AgentError(
          'BAD_ORDER',
          'order applies to a subtree signal only: send "subtree": true with it',
        );
      }
      const t = locate(req.pid, req.startTime);
      const info = signalInfo(req.signal);
      if (req.subtree) return signalSubtree(t, info, req.order ?? 'leaves-first', req.dryRun);
      guard(t);
      const preview = previewSignal(t, info, deps.view());
      if (req.dryRun) return { dryRun: true, sent: false, preview, message: preview.text };
      send(t, info);
      return {
        dryRun: false,
        sent: true,
        preview,
        message: `${info.name} sent to PID ${t.pid} (${t.comm})`,
      };
    },

    async reap(req) {
      const z = locate(req.pid, req.startTime);
      if (z.state !== 'Z') {
        throw new AgentError(
          'NOT_A_ZOMBIE',
          `PID ${z.pid} (${z.comm}) is not a zombie (state ${z.state})`,
        );
      }
      const view = deps.view();
      const parent = readTarget(deps.procRoot, z.ppid);
      if (!parent) {
        throw new AgentError(
          'PARENT_GONE',
          `the parent of zombie ${z.pid} (PID ${z.ppid}) is gone; the kernel hands the zombie to a reaper by itself`,
        );
      }
      const base = {
        dryRun: req.dryRun,
        zombie: brief(z),
        parent: brief(parent),
      };

      if (parent.pid === 1) {
        const message = `Zombie ${z.pid}'s parent is the host's PID 1 (${parent.comm}), which reaps lazily: it should disappear within seconds. There is nothing to send.`;
        if (!req.dryRun) throw new AgentError('HOST_INIT_REAPS', message);
        return {
          ...base,
          done: false,
          plan: 'wait',
          container: null,
          signal: null,
          preview: null,
          message,
        };
      }

      const parentIsInit = isNamespaceInit(parent);
      guard(parent, `zombie ${z.pid}'s parent cannot be touched: `);
      if (parentIsInit) {
        const containerId =
          view.findProcess(parent.pid)?.containerId ?? view.findProcess(z.pid)?.containerId ?? null;
        const c = containerId ? view.container(containerId) : undefined;
        if (!containerId) {
          throw new AgentError(
            'NO_CONTAINER',
            `zombie ${z.pid}'s parent is the PID 1 of a PID namespace that belongs to no known container: only ending that namespace clears it`,
          );
        }
        const name = c?.name ?? containerId.slice(0, 12);
        const reaps = c?.hasInit === true;
        const message = reaps
          ? `Zombie ${z.pid}'s parent is PID 1 (${parent.comm}) of container ${name}, an init that reaps: it should go by itself. Restarting container ${name} would clear it too (every process in it restarts).`
          : `Zombie ${z.pid}'s parent is PID 1 (${parent.comm}) of container ${name}, which never calls wait(): no signal clears it. Only restarting container ${name} does (every process in it restarts); run it with --init to prevent this.`;
        const container = { id: containerId, name };
        const out: ReapAnswer = {
          ...base,
          done: false,
          plan: 'restart-container',
          container,
          signal: null,
          preview: null,
          message,
        };
        if (req.dryRun) return out;
        if (!req.restartContainer) {
          throw new AgentError(
            'RESTART_REQUIRED',
            `${message} Send { "restartContainer": true } to confirm.`,
            { plan: 'restart-container', container },
          );
        }
        await restart(containerId);
        return {
          ...out,
          done: true,
          message: `Container ${name} restarted; its zombies are gone with its old PID namespace.`,
        };
      }

      const info = signalInfo(req.signal);
      const preview = previewSignal(parent, info, view);
      const hint =
        preview.effect === 'ignored' || preview.effect === 'handled'
          ? info.name === 'SIGKILL'
            ? ''
            : ` ${info.name} may not make it exit; SIGKILL would.`
          : '';
      const message = `Reap sends ${info.name} to zombie ${z.pid}'s parent ${parent.pid} (${parent.comm}), which is not calling wait().${hint}\n${preview.text}`;
      const out: ReapAnswer = {
        ...base,
        done: false,
        plan: 'signal-parent',
        container: preview.containerId
          ? {
              id: preview.containerId,
              name: preview.containerName ?? preview.containerId.slice(0, 12),
            }
          : null,
        signal: req.signal,
        preview,
        message,
      };
      if (req.dryRun) return out;
      send(parent, info);
      return {
        ...out,
        done: true,
        message: `${info.name} sent to ${parent.pid} (${parent.comm}), the parent of zombie ${z.pid}`,
      };
    },
  };
}

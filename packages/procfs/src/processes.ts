import { attributeContainer } from './container.js';
import { isRestricted } from './errors.js';
import { systemPageSize } from './pageSize.js';
import { cgroupPathFor, parsePidCgroup, unifiedCgroupPath } from './pidCgroup.js';
import { readPidCmdline } from './pidCmdline.js';
import { readPidNs } from './pidNs.js';
import { kernelWorkerName, type PidStat, readPidStat } from './pidStat.js';
import { type PidStatus, readPidStatus } from './pidStatus.js';
import type { ProcessRecord } from './processRecord.js';
import { readText } from './readFile.js';

/** What is read once per process (per exec): everything but stat. */
export interface ProcessDetails {
  status: PidStatus;
  cmdline: string[];
  pidsCgroup: string | null;
  unifiedCgroup: string | null;
  container: ReturnType<typeof attributeContainer>;
  pidNs: number | null;
}

/** What a scanner learns once and reuses for every process it reads. */
export interface ScanContext {
  /**
   * The inode of the PID namespace the procfs at `root` belongs to, learnt from the first process
   * that lives in it. A process whose NSpid has one level is in exactly that namespace, so its
   * ns/pid need not be read: readlink on ns/pid costs about as much as reading a whole file.
   */
  rootNs: number | null;
  /** cgroup file text → what it means. Most processes share their cgroup file with others. */
  cgroups: Map<string, CgroupFacts>;
}

interface CgroupFacts {
  pidsCgroup: string | null;
  unifiedCgroup: string | null;
  container: ReturnType<typeof attributeContainer>;
}

const MAX_CACHED_CGROUPS = 4096;

export function newScanContext(): ScanContext {
  return { rootNs: null, cgroups: new Map() };
}

function cgroupFacts(text: string, file: string, cache: Map<string, CgroupFacts>): CgroupFacts {
  let facts = cache.get(text);
  if (facts === undefined) {
    const lines = parsePidCgroup(text, file);
    facts = {
      pidsCgroup: cgroupPathFor(lines, 'pids'),
      unifiedCgroup: unifiedCgroupPath(lines),
      container: attributeContainer(lines),
    };
    if (cache.size >= MAX_CACHED_CGROUPS) cache.clear();
    cache.set(text, facts);
  }
  return facts;
}

/**
 * Reads status, cmdline, cgroup and ns/pid of `pid`; null as soon as one of them shows the
 * process has vanished, so a half-read process never becomes a record.
 */
export function readProcessDetails(
  pid: number,
  root: string,
  kernelThread: boolean,
  ctx: ScanContext = newScanContext(),
): ProcessDetails | null {
  const status = readPidStatus(pid, root);
  if (status === null) return null;
  // A kernel thread has no argv: skipping its cmdline saves an open, a read and a close.
  const cmdline = kernelThread ? [] : readPidCmdline(pid, root);
  if (cmdline === null) return null;
  const cgroupFile = `${root}/${pid}/cgroup`;
  const cgroupText = readText(cgroupFile);
  if (cgroupText === null) return null;
  const cgroup = cgroupFacts(cgroupText, cgroupFile, ctx.cgroups);
  const inRootNs = status.nsPids.length === 1;
  let pidNs: number | null = inRootNs ? ctx.rootNs : null;
  if (pidNs === null) {
    try {
      pidNs = readPidNs(pid, root);
      if (pidNs === null) return null;
      if (inRootNs) ctx.rootNs = pidNs;
    } catch (err) {
      // Some processes' ns links need more than root (PID 1 under a hypervisor's init, hidepid).
      if (!isRestricted(err)) throw err;
    }
  }
  return {
    status,
    cmdline,
    ...cgroup,
    pidNs,
  };
}

/**
 * The command name a record shows: a kernel worker's without the workqueue it serves right now
 * (`kworker/1:0`, not `kworker/1:0-events`), which changes all the time and is no news.
 */
export function recordComm(stat: PidStat): string {
  return stat.kernelThread ? kernelWorkerName(stat.comm).name : stat.comm;
}

/** Joins a stat with the details read once per process into the public record. */
export function composeRecord(
  stat: PidStat,
  d: ProcessDetails,
  pageSize: number,
  cpu = 0,
): ProcessRecord {
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    state: stat.state,
    comm: recordComm(stat),
    cmdline: d.cmdline,
    startTime: stat.startTime,
    threads: stat.numThreads,
    uid: d.status.uids[0],
    kernelThread: stat.kernelThread,
    nsPids: d.status.nsPids,
    pidNs: d.pidNs,
    containerId: d.container?.containerId ?? null,
    runtime: d.container?.runtime ?? null,
    rssBytes: stat.rss * pageSize,
    cpu,
    pidsCgroup: d.pidsCgroup,
    unifiedCgroup: d.unifiedCgroup,
  };
}

/**
 * Reads one process by host PID (as seen under `root`). Returns null when it does not exist,
 * vanished while being read, or is a non-leader thread: /proc/<tid> of a thread is readable
 * although readdir never lists it, so a PID from outside is checked for Tgid == Pid.
 * Throws ProcfsError when a file does not parse.
 */
export function readProcess(pid: number, root = '/proc'): ProcessRecord | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const stat = readPidStat(pid, root);
  if (stat === null) return null;
  const details = readProcessDetails(pid, root, stat.kernelThread);
  if (details === null || details.status.tgid !== details.status.pid) return null;
  // The PID may have been reused between the reads: the start time tells.
  const again = readPidStat(pid, root);
  if (again === null || again.startTime !== stat.startTime) return null;
  return composeRecord(again, details, systemPageSize());
}

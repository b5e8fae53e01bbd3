export {
  CgroupReader,
  type CgroupReaderOptions,
  findPidsHierarchies,
  type PidsCgroup,
} from './cgroupReader.js';
export {
  attributeContainer,
  type ContainerAttribution,
  containerFromCgroupPath,
} from './container.js';
export { type CpuReading, cpuPercent, USER_HZ } from './cpu.js';
export { isRestricted, isVanished, ProcfsError, type ProcfsErrorCode } from './errors.js';
export { descriptorTableSize, reserveDescriptors } from './fdTable.js';
export {
  computeHostHeadroom,
  countProcesses,
  type HostHeadroom,
  HostHeadroomReader,
  type ProcessCounts,
  RESERVED_PIDS,
  readHostHeadroom,
} from './headroom.js';
export { parsePidMax, parseThreadsMax, readPidMax, readThreadsMax } from './kernelLimits.js';
export { type Loadavg, parseLoadavg, readLoadavg } from './loadavg.js';
export { type MountInfo, parseMountinfo, readMountinfo } from './mountinfo.js';
export { systemPageSize } from './pageSize.js';
export {
  type CgroupLine,
  cgroupPathFor,
  parsePidCgroup,
  readPidCgroup,
  unifiedCgroupPath,
} from './pidCgroup.js';
export { parsePidCmdline, readPidCmdline } from './pidCmdline.js';
export { environValue, parsePidEnviron, readPidEnviron } from './pidEnviron.js';
export {
  type PidfdSupport,
  pidfdSupport,
  type SignalOutcome,
  type SignalResult,
  signalProcess,
} from './pidfd.js';
export { maxProcesses, parsePidLimits, type ResourceLimit, readPidLimits } from './pidLimits.js';
export {
  NAMESPACE_LINKS,
  type PidNamespaces,
  parseNsLink,
  readPidNamespaces,
} from './pidNamespaces.js';
export { parsePidNs, readPidNs } from './pidNs.js';
export {
  type KernelWorkerName,
  kernelWorkerName,
  PF_KTHREAD,
  type PidStat,
  parsePidStat,
  parsePidStatBytes,
  readPidStat,
} from './pidStat.js';
export {
  type PidStatus,
  parsePidStatus,
  parsePidStatusBytes,
  readPidStatus,
  signalMaskHas,
} from './pidStatus.js';
export {
  type PidsFiles,
  parsePidsCurrent,
  parsePidsEvents,
  parsePidsMax,
  parsePidsPeak,
  readPidsFiles,
  readPidsMax,
} from './pidsCgroupFiles.js';
export { readPidTasks, readTask, readTaskIds, type TaskRecord } from './pidTasks.js';
export {
  CONNECTOR_SOURCE,
  type ConnectorBatch,
  connectorRequest,
  NetlinkSocket,
  PROC_EVENT,
  ProcConnector,
  type ProcConnectorOptions,
  type ProcEvent,
  type ProcEventKind,
  parseConnectorMessages,
  SequenceGaps,
  type WakeUps,
} from './procConnector.js';
export { readPids } from './procDir.js';
export { type ProcessDetails, readProcess } from './processes.js';
export type { ContainerRuntime, ProcessRecord } from './processRecord.js';
export { parseProcSelf, readProcSelf } from './procSelf.js';
export {
  type ProcessIdentity,
  ProcScanner,
  type ProcScannerOptions,
  type RecordChanges,
  recordChanges,
  type ScanResult,
  type UpdateResult,
} from './scanner.js';
export { parseStat, readStat, type Stat } from './stat.js';

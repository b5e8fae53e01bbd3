import { copiers } from './generated/copiers.js';
import type { Container, DockerStatus, Host, Process, ProcessUpdate } from './schemas.js';

/** A Process with the schema's fields of `p` and nothing else, sharing nothing with it. */
export function cloneProcess(p: Process): Process {
  return copiers.process(p);
}

/**
 * A Process from a procfs record (or anything with the schema's fields but zombieSince): its
 * schema fields only, so a record's cgroup paths stay out, and `zombieSince`.
 */
export function processFrom(
  record: Omit<Process, 'zombieSince'>,
  zombieSince: number | null,
): Process {
  const p: Process = copiers.process(record);
  p.zombieSince = zombieSince;
  return p;
}

/** `p` with the updatable fields present in `u` replaced; identity and fixed fields come from `p`. */
export function updateProcess(p: Process, u: ProcessUpdate): Process {
  return copiers.processUpdate(p, u);
}

export function cloneContainer(c: Container): Container {
  return copiers.container(c);
}

export function cloneDocker(d: DockerStatus): DockerStatus {
  return copiers.docker(d);
}

/** `h` with the fields present in `changes` replaced. */
export function updateHost(h: Host, changes: Partial<Host>): Host {
  return copiers.hostChanges(h, changes);
}

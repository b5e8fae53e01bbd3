// [S10] `docker exec` sessions: the one label they get, and the lookup from a process to its session.
import type { Container, ExecSession } from './schemas.js';
import { processKey } from './state.js';

/** An argument as a shell would need it typed: bare when it is plain, else in single quotes. */
function shellWord(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** [S10] How a session is named everywhere: `exec: sh -c 'sleep 30'`. */
export function execLabel(exec: Pick<ExecSession, 'command'>): string {
  return `exec: ${exec.command.map(shellWord).join(' ')}`;
}

/** [S10] Every container's sessions by the key of the process each one started ([S1]). */
export function execsByProcess(
  containers: Iterable<Pick<Container, 'execs'>>,
): Map<string, ExecSession> {
  const out = new Map<string, ExecSession>();
  for (const c of containers) for (const e of c.execs) out.set(processKey(e), e);
  return out;
}

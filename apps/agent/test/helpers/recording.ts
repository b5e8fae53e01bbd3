// What an agent recorded, read straight from the segment files of its history directory (read
// only, beside an agent that may be writing there): to tell which recorded tick put a process where
// a replay shows it, when a replay is not what the live agent showed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import {
  checkSegmentHeader,
  decodeFrameHead,
  decodeTicks,
  FrameKind,
  frameIntact,
  frameSections,
  type RecordedTick,
  SEGMENT_HEADER_BYTES,
} from '@pidscope/history';
import type { Process } from '@pidscope/protocol';

/** Every recorded tick, oldest first; a frame still being written ends its segment. */
export function recordedTicks(historyDir: string): RecordedTick[] {
  const ticks: RecordedTick[] = [];
  const names = readdirSync(historyDir)
    .filter((n) => n.endsWith('.seg'))
    .sort();
  for (const name of names) {
    const path = join(historyDir, name);
    const bytes = readFileSync(path);
    checkSegmentHeader(bytes, path);
    let offset = SEGMENT_HEADER_BYTES;
    while (offset < bytes.length) {
      const head = decodeFrameHead(bytes.subarray(offset), bytes.length - offset);
      if (typeof head === 'string') break;
      const frame = bytes.subarray(offset, offset + head.length);
      if (!frameIntact(frame)) break;
      if (head.kind === FrameKind.Ticks) {
        const text = inflateRawSync(frameSections(frame, head).payload).toString('utf8');
        ticks.push(...decodeTicks(text, path));
      }
      offset += head.length;
    }
  }
  return ticks;
}

/** A moment a test took: when (its clock), and the seq of the live state it saw then. */
export interface Moment {
  name: string;
  at: number;
  seq: number;
}

const SHOWN: (keyof Process)[] = ['state', 'ppid', 'comm', 'startTime', 'zombieSince'];

function shown(p: Partial<Process>): string {
  return SHOWN.filter((k) => p[k] !== undefined)
    .map((k) => `${k} ${JSON.stringify(p[k])}`)
    .join(', ');
}

/**
 * What the recording says of PID `pid` around `moment`: every recorded tick that added, changed
 * or removed a process with that PID (its seq, time and cause), with those a replay at the moment
 * applies (recorded at or before it) told apart from those it does not, and the live state's seq
 * then. A tick applied at the moment with a seq past the live one was published after the test
 * looked.
 */
export function storyOf(
  ticks: readonly RecordedTick[],
  pid: number,
  moment: Moment,
  replayed: { seq: number; recordedAt: number },
): string {
  const lines = [
    `${moment.name} = ${moment.at}: the live state was at seq ${moment.seq}; the replay is at seq ${replayed.seq}, recorded at ${replayed.recordedAt} (${replayed.recordedAt - moment.at} ms from ${moment.name})`,
    `recorded ticks about PID ${pid}:`,
  ];
  for (const t of ticks) {
    const what: string[] = [];
    for (const r of t.patch.removed)
      if (r.pid === pid) what.push(`removed ${r.pid}:${r.startTime}`);
    for (const a of t.patch.added) if (a.pid === pid) what.push(`added (${shown(a)})`);
    for (const u of t.patch.updated) if (u.pid === pid) what.push(`updated (${shown(u)})`);
    if (what.length === 0) continue;
    const applied =
      t.at > moment.at
        ? 'after'
        : t.patch.seq > moment.seq
          ? 'applied, though published after the live state the test saw'
          : 'applied';
    lines.push(
      `  seq ${t.patch.seq} at ${t.at} (${t.at - moment.at} ms, ${applied}), ${t.cause ?? 'no cause recorded'}: ${what.join('; ')}`,
    );
  }
  if (lines.length === 2) lines.push('  none');
  return lines.join('\n');
}

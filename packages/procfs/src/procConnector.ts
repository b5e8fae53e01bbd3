import { randomInt } from 'node:crypto';
import { ProcfsError, parseError } from './errors.js';
import { errnoName, errnoOf, type Libc, libc, libcUnavailable } from './libc.js';

/*
 * The kernel's process events connector (drivers/connector/cn_proc.c, include/uapi/linux/cn_proc.h):
 * a netlink socket (NETLINK_CONNECTOR, multicast group CN_IDX_PROC) on which the kernel reports
 * every fork, exec, exit, uid/gid/sid change, ptrace, comm change and coredump, with host PIDs. It
 * is what `forkstat` reads. Listening needs the initial network namespace (the connector exists
 * only there), the initial PID and user namespaces, and on older kernels CAP_NET_ADMIN (Linux
 * 6.18 lets any process of the host's namespaces listen: checked with every capability dropped).
 */

/** Where a connector failure points in a ProcfsError (there is no file). */
export const CONNECTOR_SOURCE = 'netlink:proc-connector';

const AF_NETLINK = 16;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const NETLINK_CONNECTOR = 11;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const MSG_DONTWAIT = 0x40;
const NLMSG_NOOP = 1;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const PROC_CN_MCAST_LISTEN = 1;
const PROC_CN_MCAST_IGNORE = 2;

/** Sizes of the headers in front of each event (struct nlmsghdr, struct cn_msg, proc_event head). */
const NLMSG_HDRLEN = 16;
const CN_MSG_LEN = 20;
const EVENT_HEAD = 16;
/** Offset of the event data: nlmsghdr + cn_msg + what, cpu, timestamp_ns. */
const DATA = NLMSG_HDRLEN + CN_MSG_LEN + EVENT_HEAD;

/** `proc_event.what` values (enum proc_cn_event). */
export const PROC_EVENT = {
  NONE: 0,
  FORK: 0x1,
  EXEC: 0x2,
  UID: 0x4,
  GID: 0x40,
  SID: 0x80,
  PTRACE: 0x100,
  COMM: 0x200,
  NONZERO_EXIT: 0x20000000,
  COREDUMP: 0x40000000,
  EXIT: 0x80000000,
} as const;

interface Stamp {
  /** CPU the event was sent from, and its place in that CPU's sequence (cn_msg.seq). */
  cpu: number;
  seq: number;
}

/** One process event. Thread ids are `pid`; the process (thread group) is `tgid`. */
export type ProcEvent = Stamp &
  (
    | { kind: 'ack'; ack: number; err: number }
    | { kind: 'fork'; parentPid: number; parentTgid: number; childPid: number; childTgid: number }
    | { kind: 'exec'; pid: number; tgid: number }
    | { kind: 'uid' | 'gid'; pid: number; tgid: number; real: number; effective: number }
    | { kind: 'sid'; pid: number; tgid: number }
    | { kind: 'ptrace'; pid: number; tgid: number; tracerPid: number; tracerTgid: number }
    | { kind: 'comm'; pid: number; tgid: number; comm: string }
    | { kind: 'coredump'; pid: number; tgid: number; parentPid: number; parentTgid: number }
    | {
        kind: 'exit';
        pid: number;
        tgid: number;
        /** The wait status (exit code << 8, or the killing signal). */
        exitCode: number;
        /** The signal the parent gets (SIGCHLD), -1 for a thread. */
        exitSignal: number;
        /** 0 on kernels older than 4.18, which did not report the parent. */
        parentPid: number;
        parentTgid: number;
      }
    | { kind: 'other'; what: number }
  );

export type ProcEventKind = ProcEvent['kind'];

/** Bytes of event data each kind needs (the union member's size in cn_proc.h). */
const NEEDS: Record<number, number> = {
  [PROC_EVENT.NONE]: 4,
  [PROC_EVENT.FORK]: 16,
  [PROC_EVENT.EXEC]: 8,
  [PROC_EVENT.UID]: 16,
  [PROC_EVENT.GID]: 16,
  [PROC_EVENT.SID]: 8,
  [PROC_EVENT.PTRACE]: 16,
  [PROC_EVENT.COMM]: 24,
  [PROC_EVENT.COREDUMP]: 8,
  [PROC_EVENT.EXIT]: 16,
};

/**
 * Parses what one recv(2) on the connector socket returned: one or more netlink messages, each
 * holding a cn_msg with a proc_event. Messages for other connector users are skipped; a message
 * cut short or with lengths that do not add up throws ProcfsError EPARSE with the bytes in hex.
 */
export function parseConnectorMessages(
  buf: Buffer,
  length: number,
  into: ProcEvent[] = [],
): ProcEvent[] {
  let off = 0;
  while (off + NLMSG_HDRLEN <= length) {
    const size = buf.readUInt32LE(off);
    const bad = (detail: string) =>
      parseError(CONNECTOR_SOURCE, detail, buf.toString('hex', off, Math.min(length, off + 128)));
    if (size < NLMSG_HDRLEN || off + size > length) {
      throw bad(`netlink message of ${size} bytes in ${length - off} received`);
    }
    const type = buf.readUInt16LE(off + 4);
    if (type === NLMSG_ERROR) {
      const err = size >= NLMSG_HDRLEN + 4 ? -buf.readInt32LE(off + NLMSG_HDRLEN) : 0;
      throw bad(`netlink error ${err}`);
    }
    if (type !== NLMSG_NOOP) {
      if (type !== NLMSG_DONE) throw bad(`unexpected netlink message type ${type}`);
      if (size < NLMSG_HDRLEN + CN_MSG_LEN) throw bad('no room for a cn_msg');
      const cn = off + NLMSG_HDRLEN;
      const idx = buf.readUInt32LE(cn);
      const val = buf.readUInt32LE(cn + 4);
      const dataLen = buf.readUInt16LE(cn + 16);
      if (NLMSG_HDRLEN + CN_MSG_LEN + dataLen > size) {
        throw bad(`cn_msg says ${dataLen} bytes of data, the message holds fewer`);
      }
      if (idx === CN_IDX_PROC && val === CN_VAL_PROC) {
        into.push(parseProcEvent(buf, off, dataLen, buf.readUInt32LE(cn + 8), bad));
      }
    }
    off += (size + 3) & ~3;
  }
  return into;
}

function parseProcEvent(
  buf: Buffer,
  off: number,
  dataLen: number,
  seq: number,
  bad: (detail: string) => ProcfsError,
): ProcEvent {
  const ev = off + NLMSG_HDRLEN + CN_MSG_LEN;
  if (dataLen < EVENT_HEAD) throw bad(`proc_event of ${dataLen} bytes`);
  const what = buf.readUInt32LE(ev);
  const stamp: Stamp = { cpu: buf.readUInt32LE(ev + 4), seq };
  const need = NEEDS[what];
  if (need === undefined) return { ...stamp, kind: 'other', what };
  if (dataLen < EVENT_HEAD + need) throw bad(`event ${what} needs ${need} bytes of data`);
  const d = off + DATA;
  const u32 = (i: number) => buf.readUInt32LE(d + 4 * i);
  switch (what) {
    case PROC_EVENT.NONE:
      return { ...stamp, kind: 'ack', ack: buf.readUInt32LE(off + NLMSG_HDRLEN + 12), err: u32(0) };
    case PROC_EVENT.FORK:
      return {
        ...stamp,
        kind: 'fork',
        parentPid: u32(0),
        parentTgid: u32(1),
        childPid: u32(2),
        childTgid: u32(3),
      };
    case PROC_EVENT.EXEC:
      return { ...stamp, kind: 'exec', pid: u32(0), tgid: u32(1) };
    case PROC_EVENT.UID:
    case PROC_EVENT.GID:
      return {
        ...stamp,
        kind: what === PROC_EVENT.UID ? 'uid' : 'gid',
        pid: u32(0),
        tgid: u32(1),
        real: u32(2),
        effective: u32(3),
      };
    case PROC_EVENT.SID:
      return { ...stamp, kind: 'sid', pid: u32(0), tgid: u32(1) };
    case PROC_EVENT.PTRACE:
      return {
        ...stamp,
        kind: 'ptrace',
        pid: u32(0),
        tgid: u32(1),
        tracerPid: u32(2),
        tracerTgid: u32(3),
      };
    case PROC_EVENT.COMM: {
      const start = d + 8;
      const nul = buf.indexOf(0, start);
      const end = nul < 0 || nul > start + 16 ? start + 16 : nul;
      return {
        ...stamp,
        kind: 'comm',
        pid: u32(0),
        tgid: u32(1),
        comm: buf.toString('utf8', start, end),
      };
    }
    case PROC_EVENT.COREDUMP: {
      const parent = dataLen >= EVENT_HEAD + 16;
      return {
        ...stamp,
        kind: 'coredump',
        pid: u32(0),
        tgid: u32(1),
        parentPid: parent ? u32(2) : 0,
        parentTgid: parent ? u32(3) : 0,
      };
    }
    default: {
      const parent = dataLen >= EVENT_HEAD + 24;
      return {
        ...stamp,
        kind: 'exit',
        pid: u32(0),
        tgid: u32(1),
        exitCode: u32(2),
        // -1 for a thread: it signals nobody.
        exitSignal: buf.readInt32LE(d + 12),
        parentPid: parent ? u32(4) : 0,
        parentTgid: parent ? u32(5) : 0,
      };
    }
  }
}

/**
 * The 40-byte request that subscribes (`listen`) or unsubscribes (`ignore`): a netlink header
 * (NLMSG_DONE), a cn_msg to CN_IDX_PROC/CN_VAL_PROC and the u32 operation. The kernel answers
 * with an event of `what` 0 whose `ack` is this `ack` + 1 and whose `err` is 0 or an errno.
 */
export function connectorRequest(op: 'listen' | 'ignore', ack: number): Buffer {
  const size = NLMSG_HDRLEN + CN_MSG_LEN + 4;
  const msg = Buffer.alloc(size);
  msg.writeUInt32LE(size, 0);
  msg.writeUInt16LE(NLMSG_DONE, 4);
  msg.writeUInt32LE(CN_IDX_PROC, 16);
  msg.writeUInt32LE(CN_VAL_PROC, 20);
  msg.writeUInt32LE(ack >>> 0, 28);
  msg.writeUInt16LE(4, 32);
  msg.writeUInt32LE(op === 'listen' ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE, 36);
  return msg;
}

/**
 * Counts events missing from the kernel's per-CPU sequence numbers. Each CPU numbers the events
 * it sends, one after the other (send_msg in cn_proc.c), so a jump means the kernel failed to
 * send some (an allocation that failed, or a queue that was full). A CPU's first event only sets
 * its start; an event with cpu 0xffffffff (old kernels' acknowledgements) is not numbered.
 */
export class SequenceGaps {
  readonly #last = new Map<number, number>();

  /** The number of events missing before this one on its CPU (0 when in order). */
  observe(cpu: number, seq: number): number {
    if (cpu === 0xffffffff) return 0;
    const last = this.#last.get(cpu);
    this.#last.set(cpu, seq >>> 0);
    if (last === undefined) return 0;
    const missing = (seq - last - 1) >>> 0;
    // A sequence that went back (another socket's numbering after a restart) tells nothing.
    return missing >= 0x80000000 ? 0 : missing;
  }

  /** Forgets every CPU's position: after an overrun the next numbers start a new run. */
  reset(): void {
    this.#last.clear();
  }
}

/** What one wake-up of the socket brought. */
export interface ConnectorBatch {
  events: ProcEvent[];
  /**
   * Events were lost: the socket's queue overflowed (ENOBUFS) or a CPU's sequence skipped.
   * What the events said is incomplete until the caller reads /proc again.
   */
  overrun: 'enobufs' | 'sequence' | null;
  /** Events known to be missing from the sequences (0 when only ENOBUFS told). */
  missing: number;
}

/**
 * The longest a poll of the socket waits: close wakes it (through the eventfd), so this only bounds
 * how long a worker terminated without closing its socket leaves a thread of the pool waiting.
 */
const POLL_AT_MOST_MS = 30_000;

/** What a write adds to an eventfd's counter: 1, as a u64. */
const EVENTFD_ONE = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);

/** The wake-ups of a socket's poll, by what ended it. */
export interface WakeUps {
  /** The socket had datagrams (or an error) to read. */
  readable: number;
  /** The eventfd: close, or a clock set to tick sooner. */
  woken: number;
  /** The timeout: the clock's tick (or POLL_AT_MOST_MS). */
  timedOut: number;
}

/**
 * An AF_NETLINK datagram socket bound to multicast groups: the handle the connector reads, in
 * full each time it is readable (`receive` never blocks).
 */
export class NetlinkSocket {
  readonly #lib: Libc;
  readonly fd: number;
  /** An eventfd that wakes the poll: to close, or to wait less. */
  readonly #wakeFd: number;
  /** Where a wake-up's eventfd counter is read into (and so reset). */
  readonly #wakeBuf = Buffer.alloc(8);
  #onReadable: () => void = () => {};
  #polling = false;
  /** When the poll waiting on the pool times out (ms since the epoch); 0 when none waits. */
  #pollEndsAt = 0;
  readonly #wakeUps: WakeUps = { readable: 0, woken: 0, timedOut: 0 };
  #closed = false;
  /** Until when (ms since the epoch) the socket is left unwatched: see restFor. */
  #restUntil = 0;
  /** While the socket rests: the timer that watches it again at #restUntil. */
  #restTimer: NodeJS.Timeout | null = null;
  /** Starts the next poll (set by watch). */
  #poll: () => void = () => {};
  /** The clock that rides on the watch's wake-ups: see every. */
  #tick: { everyMs: number; run: () => void; next: number } | null = null;

  private constructor(lib: Libc, fd: number, wakeFd: number) {
    this.#lib = lib;
    this.fd = fd;
    this.#wakeFd = wakeFd;
  }

  /**
   * Opens a socket of `protocol`, bound to `groups` with a kernel-assigned port id, with a
   * receive queue of at least `receiveBufferBytes` (forced past net.core.rmem_max when the
   * process has CAP_NET_ADMIN). Throws ProcfsError EUNAVAILABLE with the reason.
   */
  static open(protocol: number, groups: number, receiveBufferBytes: number): NetlinkSocket {
    const lib = libc();
    if (!lib) throw unavailable(libcUnavailable() ?? 'no FFI');
    const s = lib.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, protocol);
    if (s.value < 0) {
      const why =
        s.errno === errnoOf(lib, 'EPROTONOSUPPORT')
          ? 'the kernel has no netlink connector (built without CONFIG_PROC_EVENTS)'
          : `socket(AF_NETLINK) failed: ${errnoName(lib, s.errno)}`;
      throw unavailable(why);
    }
    const wake = lib.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake.value < 0) {
      lib.close(s.value);
      throw unavailable(`eventfd failed: ${errnoName(lib, wake.errno)}`);
    }
    const sock = new NetlinkSocket(lib, s.value, wake.value);
    try {
      const size = Buffer.alloc(4);
      size.writeInt32LE(Math.min(receiveBufferBytes, 0x7fffffff));
      if (lib.setsockopt(s.value, SOL_SOCKET, SO_RCVBUFFORCE, size).value < 0) {
        lib.setsockopt(s.value, SOL_SOCKET, SO_RCVBUF, size);
      }
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(AF_NETLINK, 0);
      addr.writeUInt32LE(groups, 8);
      const b = lib.bind(s.value, addr);
      if (b.value < 0) {
        const why =
          b.errno === errnoOf(lib, 'EPERM')
            ? 'joining the proc connector group needs CAP_NET_ADMIN on this kernel (EPERM)'
            : `bind(AF_NETLINK) failed: ${errnoName(lib, b.errno)}`;
        throw unavailable(why);
      }
    } catch (err) {
      sock.close();
      throw err;
    }
    return sock;
  }

  /** How often the poll returned so far, and why (see WakeUps). */
  wakeUps(): WakeUps {
    return { ...this.#wakeUps };
  }

  /** The receive queue's size as the kernel set it (it doubles what was asked for). */
  receiveBufferBytes(): number {
    const v = Buffer.alloc(4);
    return this.#lib.getsockopt(this.fd, SOL_SOCKET, SO_RCVBUF, v).value < 0 ? 0 : v.readInt32LE();
  }

  send(data: Buffer): void {
    const r = this.#lib.send(this.fd, data);
    if (r.value < 0 && r.errno === errnoOf(this.#lib, 'ECONNREFUSED')) {
      // Nobody in the kernel answers this protocol in this network namespace.
      throw unavailable(
        'the kernel has no proc connector in this network namespace (it exists only in the host namespace)',
      );
    }
    if (r.value < 0) {
      throw new ProcfsError(
        'EIO',
        CONNECTOR_SOURCE,
        `send failed: ${errnoName(this.#lib, r.errno)}`,
      );
    }
  }

  /** One datagram into `buf`: its length, 'empty' when none is queued, 'overrun' on ENOBUFS. */
  receive(buf: Buffer): number | 'empty' | 'overrun' {
    for (;;) {
      const r = this.#lib.recv(this.fd, buf, MSG_DONTWAIT);
      if (r.value >= 0) return r.value;
      if (r.errno === errnoOf(this.#lib, 'EINTR')) continue;
      if (r.errno === errnoOf(this.#lib, 'EAGAIN')) return 'empty';
      if (r.errno === errnoOf(this.#lib, 'ENOBUFS')) return 'overrun';
      throw new ProcfsError(
        'EIO',
        CONNECTOR_SOURCE,
        `recv failed: ${errnoName(this.#lib, r.errno)}`,
      );
    }
  }

  /**
   * Calls `onReadable` from the event loop whenever datagrams (or an error such as ENOBUFS) are
   * queued, until close. A poll(2) waits for them on a thread of libuv's pool, until the clock's
   * next tick (see every); close wakes it through the eventfd.
   */
  watch(onReadable: () => void): void {
    this.#onReadable = onReadable;
    if (this.#polling) return;
    this.#polling = true;
    const wait = () => {
      if (this.#closed) return;
      const due = this.#tick ? this.#tick.next - Date.now() : POLL_AT_MOST_MS;
      const timeout = Math.max(0, Math.min(POLL_AT_MOST_MS, due));
      this.#pollEndsAt = Date.now() + timeout;
      this.#lib.pollReadable([this.fd, this.#wakeFd], timeout, ([readable, woken]) => {
        this.#pollEndsAt = 0;
        // Once closed, the socket's descriptor reads as invalid (POLLNVAL): close woke it.
        if (woken || this.#closed) this.#wakeUps.woken++;
        else if (readable) this.#wakeUps.readable++;
        else this.#wakeUps.timedOut++;
        if (this.#closed) {
          this.#lib.close(this.#wakeFd);
          return;
        }
        if (woken) this.#lib.read(this.#wakeFd, this.#wakeBuf);
        try {
          this.#onReadable();
          if (!this.#closed) this.#runTickIfDue();
        } finally {
          // What a listener throws is its thread's to handle; the socket stays watched (until
          // closed: `wait` then stops).
          this.#pollAfterRest();
        }
      });
    };
    this.#poll = wait;
    wait();
  }

  /**
   * Polls again now, or once the rest asked for is over. Unreferenced, like the poll on the pool:
   * the socket alone keeps no loop alive.
   */
  #pollAfterRest(): void {
    const rest = this.#restUntil - Date.now();
    if (rest <= 0) {
      this.#poll();
      return;
    }
    this.#restTimer = setTimeout(() => {
      this.#restTimer = null;
      this.#poll();
    }, rest).unref();
  }

  /**
   * Runs `run` every `everyMs` in the wake-ups of `watch`, after what they read: a listener that
   * also looks at something on a clock wakes once for both, not once for the socket and once for
   * its timer. A tick that comes late keeps the cadence; one more than a period late starts it
   * again from then.
   */
  every(everyMs: number, run: () => void): void {
    const next = Date.now() + everyMs;
    this.#tick = { everyMs, run, next };
    // A poll set to wait past the new tick waits less.
    if (this.#pollEndsAt > next) this.#wake();
  }

  /** Makes the waiting poll return now (it then reads and waits again, or lets go once closed). */
  #wake(): void {
    this.#lib.write(this.#wakeFd, EVENTFD_ONE);
  }

  /**
   * Runs the clock's tick now if it is due: for a listener that keeps the socket resting (see
   * restFor) through a tick, which then comes with no wake-up of the socket to ride on.
   */
  tick(): void {
    if (!this.#closed) this.#runTickIfDue();
  }

  #runTickIfDue(): void {
    const tick = this.#tick;
    const now = Date.now();
    if (!tick || now < tick.next) return;
    tick.next = now - tick.next < tick.everyMs ? tick.next + tick.everyMs : now + tick.everyMs;
    tick.run();
  }

  /**
   * Leaves the socket unwatched for `ms` after the current (or next) wake-up: datagrams wait in
   * the kernel's queue meanwhile and come in one wake-up rather than one each. Asked while the
   * socket rests, it moves the end of that rest: later, or now (`ms` ≤ 0 watches it again at once).
   */
  restFor(ms: number): void {
    this.#restUntil = Date.now() + ms;
    if (this.#restTimer === null) return;
    clearTimeout(this.#restTimer);
    this.#restTimer = null;
    this.#pollAfterRest();
  }

  /** Closes the descriptor; a poll still waiting on it is woken, and lets go of the eventfd. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#restTimer !== null) clearTimeout(this.#restTimer);
    this.#restTimer = null;
    this.#lib.close(this.fd);
    // A poll in flight lets go of the eventfd when it returns; none waiting, it goes now.
    if (this.#pollEndsAt > 0) this.#wake();
    else this.#lib.close(this.#wakeFd);
  }
}

function unavailable(reason: string): ProcfsError {
  return new ProcfsError('EUNAVAILABLE', CONNECTOR_SOURCE, reason);
}

export interface ProcConnectorOptions {
  /**
   * Bytes the kernel may queue for this listener before it drops events (default 8 MiB: about
   * 10,000 events, several seconds of a fork storm). The kernel doubles it for its bookkeeping.
   */
  receiveBufferBytes?: number;
  /** How long the kernel may take to acknowledge the subscription (default 2,000 ms). */
  ackTimeoutMs?: number;
}

const DATAGRAM = 64 * 1024;

/**
 * A subscription to the proc connector. `open()` subscribes and resolves once the kernel has
 * acknowledged it; events before that are not delivered, so a scan started after `open()`
 * resolves misses nothing. `listen()` then hands over every batch the socket delivers, drained in
 * one go each time it becomes readable.
 */
export class ProcConnector {
  readonly #socket: NetlinkSocket;
  readonly #gaps = new SequenceGaps();
  readonly #buf = Buffer.allocUnsafe(DATAGRAM);
  #closed = false;
  /** Reads what is queued and hands it to the listener (nothing before `listen`). */
  #deliver: () => void = () => {};

  /** Takes an open socket bound to CN_IDX_PROC (see `NetlinkSocket.open`). */
  constructor(socket: NetlinkSocket) {
    this.#socket = socket;
  }

  /**
   * Opens the socket, subscribes, and waits for the kernel's acknowledgement. Throws ProcfsError
   * EUNAVAILABLE saying why when this process cannot listen: no FFI, another network namespace,
   * another PID or user namespace (the kernel does not even answer those), or, on kernels that
   * ask for it, no CAP_NET_ADMIN.
   */
  static async open(opts: ProcConnectorOptions = {}): Promise<ProcConnector> {
    const socket = NetlinkSocket.open(
      NETLINK_CONNECTOR,
      CN_IDX_PROC,
      opts.receiveBufferBytes ?? 8 * 1024 * 1024,
    );
    const connector = new ProcConnector(socket);
    try {
      await connector.#subscribe(opts.ackTimeoutMs ?? 2000);
    } catch (err) {
      socket.close();
      throw err;
    }
    return connector;
  }

  /** The receive queue's size in bytes, as the kernel set it. */
  receiveBufferBytes(): number {
    return this.#socket.receiveBufferBytes();
  }

  #subscribe(timeoutMs: number): Promise<void> {
    const ack = randomInt(1, 0x7fffffff);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          unavailable(
            `the kernel did not acknowledge the subscription in ${timeoutMs} ms (the agent runs in another PID or user namespace than the host's)`,
          ),
        );
      }, timeoutMs);
      this.#socket.watch(() => {
        try {
          for (const e of this.#drain().events) {
            if (e.kind !== 'ack' || e.ack !== (ack + 1) >>> 0) continue;
            clearTimeout(timer);
            if (e.err === 0) resolve();
            else
              reject(
                unavailable(
                  // EPERM is 1 on every Linux architecture.
                  e.err === 1
                    ? 'the kernel refused the subscription: it needs CAP_NET_ADMIN on this kernel (EPERM)'
                    : `the kernel refused the subscription: errno ${e.err}`,
                ),
              );
            return;
          }
        } catch (err) {
          clearTimeout(timer);
          reject(err);
        }
      });
      this.#socket.send(connectorRequest('listen', ack));
    });
  }

  /**
   * Delivers every batch of events from now on. `onError` gets a failure of the socket itself
   * (the subscription is then over); a batch with `overrun` set means events were lost.
   */
  listen(onBatch: (batch: ConnectorBatch) => void, onError: (err: Error) => void): void {
    this.#gaps.reset();
    this.#deliver = () => {
      if (this.#closed) return;
      let batch: ConnectorBatch;
      try {
        batch = this.#drain();
      } catch (err) {
        onError(err as Error);
        return;
      }
      if (batch.events.length > 0 || batch.overrun) onBatch(batch);
    };
    this.#socket.watch(this.#deliver);
  }

  /**
   * Runs `run` every `everyMs` in the socket's own wake-ups, after the batch they deliver: a
   * listener with a clock too wakes once a second on a quiet host, not twice.
   */
  every(everyMs: number, run: () => void): void {
    this.#socket.every(everyMs, run);
  }

  /** How often the socket's poll returned so far, and why. */
  wakeUps(): WakeUps {
    return this.#socket.wakeUps();
  }

  /** Hands what is queued now to the listener at once, as a wake-up of the socket would. */
  drain(): void {
    this.#deliver();
  }

  /**
   * Leaves the socket unwatched for `ms`: a listener that will not act on events before then
   * takes them in one wake-up (or a `drain()`) instead of one wake-up each. Asked again while it
   * rests, it moves the end of the rest (`ms` ≤ 0: watched again at once).
   */
  restFor(ms: number): void {
    this.#socket.restFor(ms);
  }

  /**
   * Runs the `every` clock's tick now if it is due. The clock rides on the socket's wake-ups: a
   * listener that keeps the socket resting for long (a steady cadence of drains) calls this on
   * its own wake-ups instead.
   */
  tick(): void {
    this.#socket.tick();
  }

  /** Reads every queued datagram. ENOBUFS is reported once, and reading goes on past it. */
  #drain(): ConnectorBatch {
    const events: ProcEvent[] = [];
    let overrun: ConnectorBatch['overrun'] = null;
    let missing = 0;
    for (;;) {
      const n = this.#socket.receive(this.#buf);
      if (n === 'empty') break;
      if (n === 'overrun') {
        overrun = 'enobufs';
        // Numbers after the loss start a new run on every CPU.
        this.#gaps.reset();
        continue;
      }
      const from = events.length;
      parseConnectorMessages(this.#buf, n, events);
      for (let i = from; i < events.length; i++) {
        const e = events[i] as ProcEvent;
        missing += this.#gaps.observe(e.cpu, e.seq);
      }
    }
    if (missing > 0) overrun ??= 'sequence';
    return { events, overrun, missing };
  }

  /** Unsubscribes and closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.send(connectorRequest('ignore', 0));
    } catch {
      // Unsubscribing only lets the kernel skip building events nobody reads; close anyway.
    }
    this.#socket.close();
  }
}

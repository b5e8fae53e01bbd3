import { createRequire } from 'node:module';
import type { LibraryHandle } from 'koffi';

/*
 * The few libc calls Node has no binding for: an AF_NETLINK socket (the proc connector) and the
 * pidfd syscalls. They go through koffi, a maintained FFI whose Linux binaries arrive as npm
 * optional packages (nothing is compiled or downloaded at install). It is loaded on first use, so
 * a platform without it only loses these features: callers fall back and say why.
 */

type Koffi = typeof import('koffi');

/** A libc call's result and, when it failed (-1), the errno it left. */
export interface CallResult {
  value: number;
  errno: number;
}

export interface Libc {
  readonly koffi: Koffi;
  socket(domain: number, type: number, protocol: number): CallResult;
  bind(fd: number, addr: Buffer): CallResult;
  send(fd: number, data: Buffer): CallResult;
  /** recv(2) into `buf`; on a non-blocking socket an empty queue is errno EAGAIN. */
  recv(fd: number, buf: Buffer, flags: number): CallResult;
  setsockopt(fd: number, level: number, name: number, value: Buffer): CallResult;
  getsockopt(fd: number, level: number, name: number, value: Buffer): CallResult;
  close(fd: number): CallResult;
  /** eventfd(2): a counter that another thread's `write` makes readable. */
  eventfd(initval: number, flags: number): CallResult;
  write(fd: number, data: Buffer): CallResult;
  read(fd: number, buf: Buffer): CallResult;
  /**
   * poll(2) for descriptors, on a thread of libuv's pool: `done` runs on the event loop when one
   * of `fds` is readable (or has an error to report), or after `timeoutMs` (-1: no timeout), with
   * which of them were (their `revents` not 0). It holds that pool thread meanwhile; unlike a libuv
   * poll handle in the event loop (koffi.node.poll), it survives the worker thread that started it
   * being terminated (the handle crashes the process then).
   */
  pollReadable(fds: readonly number[], timeoutMs: number, done: (ready: boolean[]) => void): void;
  /** syscall(2) with integer arguments (a NULL pointer is 0). */
  syscall(number: number, ...args: number[]): CallResult;
  /**
   * fcntl(fd, F_DUPFD, lowest): a new descriptor for what `fd` refers to, the lowest free number
   * from `lowest` on. Unlike dup2 it never closes a descriptor that holds that number.
   */
  dupAtLeast(fd: number, lowest: number): CallResult;
}

/** fcntl's command that duplicates onto the lowest free descriptor from a given number. */
const F_DUPFD = 0;

let loaded: Libc | null = null;
/** Buffers lent to calls still running on libuv's pool. */
const inFlight = new Set<Buffer>();
let failure: string | null = null;

/** libc through koffi, or null when the FFI cannot be loaded here (`libcUnavailable()` says why). */
export function libc(): Libc | null {
  if (loaded || failure !== null) return loaded;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    loaded = bind(koffi, koffi.load('libc.so.6'));
  } catch (err) {
    failure = `no FFI to call libc: ${(err as Error).message.split('\n')[0]}`;
  }
  return loaded;
}

/** Why `libc()` returned null; null when it loaded (or was not tried yet). */
export function libcUnavailable(): string | null {
  return failure;
}

function bind(koffi: Koffi, lib: LibraryHandle): Libc {
  const socket = lib.func('int socket(int, int, int)');
  const bindFn = lib.func('int bind(int, const void *, uint32_t)');
  const send = lib.func('intptr_t send(int, const void *, size_t, int)');
  const recv = lib.func('intptr_t recv(int, _Out_ void *, size_t, int)');
  const setsockopt = lib.func('int setsockopt(int, int, int, const void *, uint32_t)');
  const getsockopt = lib.func('int getsockopt(int, int, int, _Inout_ void *, _Inout_ uint32_t *)');
  const close = lib.func('int close(int)');
  const eventfd = lib.func('int eventfd(unsigned int, int)');
  const write = lib.func('intptr_t write(int, const void *, size_t)');
  const read = lib.func('intptr_t read(int, _Out_ void *, size_t)');
  const poll = lib.func('int poll(_Inout_ void *, unsigned long, int)');
  const syscall = lib.func('long syscall(long, ...)');
  const fcntl = lib.func('int fcntl(int, int, ...)');
  // errno is only meaningful right after a call that failed; read it before anything else runs.
  const result = (value: number | bigint): CallResult => {
    const n = Number(value);
    return { value: n, errno: n < 0 ? koffi.errno() : 0 };
  };
  return {
    koffi,
    socket: (domain, type, protocol) => result(socket(domain, type, protocol)),
    bind: (fd, addr) => result(bindFn(fd, addr, addr.length)),
    send: (fd, data) => result(send(fd, data, data.length, 0)),
    recv: (fd, buf, flags) => result(recv(fd, buf, buf.length, flags)),
    setsockopt: (fd, level, name, value) =>
      result(setsockopt(fd, level, name, value, value.length)),
    getsockopt: (fd, level, name, value) => {
      const len = [value.length];
      return result(getsockopt(fd, level, name, value, len));
    },
    close: (fd) => result(close(fd)),
    eventfd: (initval, flags) => result(eventfd(initval, flags)),
    write: (fd, data) => result(write(fd, data, data.length)),
    read: (fd, buf) => result(read(fd, buf, buf.length)),
    pollReadable: (fds, timeoutMs, done) => {
      // struct pollfd { int fd; short events; short revents; }, POLLIN = 1. koffi hands the
      // kernel the buffer's own memory, written when poll returns: it must outlive the call, even
      // when nothing else refers to it any more (a socket closed meanwhile).
      const pfd = Buffer.alloc(8 * fds.length);
      fds.forEach((fd, i) => {
        pfd.writeInt32LE(fd, 8 * i);
        pfd.writeInt16LE(1, 8 * i + 4);
      });
      inFlight.add(pfd);
      poll.async(pfd, fds.length, timeoutMs, () => {
        inFlight.delete(pfd);
        done(fds.map((_, i) => pfd.readInt16LE(8 * i + 6) !== 0));
      });
    },
    syscall: (number, ...args) =>
      result(syscall(number, ...args.flatMap((a) => ['long', a] as const))),
    dupAtLeast: (fd, lowest) => result(fcntl(fd, F_DUPFD, 'int', lowest)),
  };
}

/** The errno names of the running platform (koffi's table), e.g. `errnoOf('ENOBUFS')`. */
export function errnoOf(lib: Libc, name: string): number {
  const n = lib.koffi.os.errno[name];
  if (n === undefined) throw new Error(`unknown errno name ${name}`);
  return n;
}

/** `ENOBUFS` for 105 on Linux x86; `errno N` for a number the table does not name. */
export function errnoName(lib: Libc, errno: number): string {
  for (const [name, n] of Object.entries(lib.koffi.os.errno)) if (n === errno) return name;
  return `errno ${errno}`;
}

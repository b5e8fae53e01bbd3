// A small authoritative DNS server on 127.0.0.1 for discovery tests: real DNS messages over UDP
// (RFC 1035), answering A and AAAA questions from records the test adds and removes.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

const TYPE_A = 1;
const TYPE_AAAA = 28;

function readName(msg: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = at;
  for (;;) {
    const len = msg[i] ?? 0;
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: i + 1 };
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += 1 + len;
  }
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
    : h;
  const out = Buffer.alloc(16);
  for (const [k, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), 2 * k);
  return out;
}

export class DnsServer {
  private socket: Socket | null = null;
  private readonly records = new Map<string, Set<string>>();
  port = 0;
  /** Questions answered, for tests that want to know the hub asked. */
  questions = 0;

  add(name: string, address: string): void {
    const set = this.records.get(name.toLowerCase()) ?? new Set<string>();
    set.add(address);
    this.records.set(name.toLowerCase(), set);
  }

  remove(name: string, address: string): void {
    this.records.get(name.toLowerCase())?.delete(address);
  }

  async start(): Promise<void> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, rinfo) => {
      const answer = this.answer(msg);
      if (answer) socket.send(answer, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    this.port = socket.address().port;
    this.socket = socket;
  }

  private answer(msg: Buffer): Buffer | null {
    if (msg.length < 12 || msg.readUInt16BE(4) < 1) return null;
    this.questions++;
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const question = msg.subarray(12, end + 4);
    const known = this.records.get(name);
    const addresses = [...(known ?? [])].filter((a) =>
      qtype === TYPE_A ? isIPv4(a) : qtype === TYPE_AAAA ? isIPv6(a) : false,
    );
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    // QR, AA, RD copied; RCODE 3 (NXDOMAIN) for a name with no records at all.
    const rd = msg.readUInt16BE(2) & 0x0100;
    header.writeUInt16BE(0x8400 | rd | (known && known.size > 0 ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const answers = addresses.map((a) => {
      const data = qtype === TYPE_A ? Buffer.from(a.split('.').map(Number)) : ipv6Bytes(a);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4); // class IN
      rr.writeUInt32BE(1, 6); // TTL 1 s
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    return Buffer.concat([header, question, ...answers]);
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

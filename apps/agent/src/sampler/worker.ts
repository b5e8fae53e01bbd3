// The sampler's worker thread: every /proc read happens here, so a slow scan never blocks requests.
import { parentPort, workerData } from 'node:worker_threads';
import { CgroupReader, HostHeadroomReader, ProcScanner } from '@pidscope/procfs';
import { cpuNews } from '@pidscope/protocol';
import { EventSource, openConnector } from './eventSource.js';
import type {
  SamplerRequest,
  SamplerResponse,
  SamplerWorkerData,
  SourceStatus,
} from './messages.js';
import { Sampling } from './sample.js';

/** A change of resident memory under 1%, or under 64 KiB, is not news (see ProcScanner). */
const RSS_DEADBAND = { fraction: 0.01, bytes: 64 * 1024 };

const { procRoot, events: settings } = workerData as SamplerWorkerData;
// CPU jitter within the protocol's deadband ([S7]) leaves a record as it was: no change to send.
const scanner = new ProcScanner({ root: procRoot, rssDeadband: RSS_DEADBAND, cpuNews });
const cgroups = new CgroupReader({ procRoot });
const headroom = new HostHeadroomReader(procRoot);
const sampling = new Sampling(scanner, cgroups, procRoot, (_root, counts) => headroom.read(counts));
const port = parentPort;
if (!port) throw new Error('sampler worker started outside a worker thread');
const post = (res: SamplerResponse) => port.postMessage(res);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const announce = (source: SourceStatus) => post({ type: 'source', source });

let events: EventSource | null = null;

// The source is settled before the first scan is answered: events from then on are not missed.
const ready = (async () => {
  if (!settings) {
    announce({ kind: 'polling', reason: 'asked for (PIDSCOPE_SOURCE=polling)' });
    return;
  }
  try {
    const connector = await openConnector(procRoot, settings);
    events = new EventSource(connector, sampling, settings, {
      emit: (sample) => post({ type: 'sample', sample }),
      error: (err) => post({ type: 'error', id: null, message: message(err) }),
      stopped: (err) => {
        events = null;
        announce({ kind: 'polling', reason: `the proc connector stopped: ${message(err)}` });
      },
    });
    announce({ kind: 'proc-connector', reason: null });
  } catch (err) {
    announce({ kind: 'polling', reason: message(err) });
  }
})();

// The model has seen nothing from this worker yet.
let full = true;
function answer(req: SamplerRequest): void {
  if (req.type === 'close') {
    events?.close();
    events = null;
    // Its descriptors go now, not whenever this thread ends.
    headroom.close();
    scanner.close();
    post({ type: 'closed' });
    return;
  }
  if (req.type === 'look') {
    events?.look(req.pids);
    return;
  }
  let res: SamplerResponse;
  try {
    const light = events !== null && req.rescan && !full && !req.full;
    const s = light ? sampling.rescan() : sampling.walk(full || req.full, 'scan');
    res = { type: 'result', id: req.id, sample: { ...s, counters: events?.counters() ?? null } };
    full = false;
    if (!light) events?.walked();
    // From the first sample on, the model can take what events say.
    events?.start();
  } catch (err) {
    // The scanner may have moved on past changes the model never got: send everything next time.
    full = true;
    res = { type: 'error', id: req.id, message: message(err) };
  }
  post(res);
}

port.on('message', (req: SamplerRequest) => {
  void ready.then(() => answer(req));
});

// The sampler's worker thread: every /proc read happens here, so a slow scan never blocks requests.
import { parentPort, workerData } from 'node:worker_threads';
import { CgroupReader, ProcScanner, readHostHeadroom } from '@pidscope/procfs';
import { cpuNews } from '@pidscope/protocol';
import type { SamplerRequest, SamplerResponse, SamplerWorkerData } from './messages.js';
import { sample } from './sample.js';

const { procRoot } = workerData as SamplerWorkerData;
// CPU jitter within the protocol's deadband ([S6]) leaves a record as it was: no change to send.
const scanner = new ProcScanner({ root: procRoot, cpuNews });
const cgroups = new CgroupReader({ procRoot });
const port = parentPort;
if (!port) throw new Error('sampler worker started outside a worker thread');

// The model has seen nothing from this worker yet.
let full = true;
port.on('message', (req: SamplerRequest) => {
  let res: SamplerResponse;
  try {
    const s = sample(scanner, cgroups, procRoot, readHostHeadroom, full || req.full);
    res = { type: 'result', id: req.id, sample: s };
    full = false;
  } catch (err) {
    // The scanner may have moved on past changes the model never got: send everything next time.
    full = true;
    res = { type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(res);
});

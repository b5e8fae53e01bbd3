// The sampler's worker thread: every /proc read happens here, so a slow scan never blocks requests.
import { parentPort, workerData } from 'node:worker_threads';
import { CgroupReader, ProcScanner, readHostHeadroom } from '@pidscope/procfs';
import type { SamplerRequest, SamplerResponse, SamplerWorkerData } from './messages.js';
import { DeltaEncoder, sample } from './sample.js';

const { procRoot } = workerData as SamplerWorkerData;
const scanner = new ProcScanner({ root: procRoot });
const cgroups = new CgroupReader({ procRoot });
const encoder = new DeltaEncoder();
const port = parentPort;
if (!port) throw new Error('sampler worker started outside a worker thread');

port.on('message', (req: SamplerRequest) => {
  let res: SamplerResponse;
  try {
    const result = sample(scanner, cgroups, procRoot, readHostHeadroom);
    res = { type: 'result', id: req.id, delta: encoder.encode(result) };
  } catch (err) {
    res = { type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(res);
});

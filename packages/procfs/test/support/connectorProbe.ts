// Run in a child process by the live tests, under capsh or unshare: tries to subscribe to the proc
// connector and prints the outcome as one JSON line.
import { ProcConnector, ProcfsError } from '../../src/index.js';

try {
  const connector = await ProcConnector.open({ ackTimeoutMs: 1000 });
  connector.close();
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  if (!(err instanceof ProcfsError)) throw err;
  console.log(JSON.stringify({ ok: false, code: err.code, message: err.message }));
}

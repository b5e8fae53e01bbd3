// `npm start`: install what is missing, build (cached by turbo), then run the agent.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureInstalled, root, run } from './ensure.mjs';

ensureInstalled();
run('turbo', ['run', 'build', '--output-logs=errors-only', '--log-prefix=none']);

const agent = spawn(
  process.execPath,
  [join(root, 'apps', 'agent', 'dist', 'main.js'), ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => agent.kill(sig));
agent.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

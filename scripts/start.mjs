// `npm start`: install what is missing, build (cached by turbo), then run the agent.
// `npm start -- --hub` (or PIDSCOPE_MODE=hub): run the hub instead; without PIDSCOPE_AGENTS it
// watches this machine's own agent, started beside it on 127.0.0.1:7071.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ensureInstalled, root, run } from './ensure.mjs';

ensureInstalled();
run('turbo', ['run', 'build', '--output-logs=errors-only', '--log-prefix=none']);

const LOCAL_AGENT_PORT = '7071';
const args = process.argv.slice(2);
const { PIDSCOPE_MODE: mode } = process.env;
const hub = args.includes('--hub') || mode === 'hub';
const rest = args.filter((a) => a !== '--hub');
const children = [];

function start(main, argv, env) {
  const child = spawn(process.execPath, [main, ...argv], { stdio: 'inherit', env });
  children.push(child);
  // One exits: stop the others and leave with its code.
  child.on('exit', (code, signal) => {
    for (const c of children) if (c !== child && c.exitCode === null) c.kill('SIGTERM');
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  return child;
}

if (!hub) {
  start(join(root, 'apps', 'agent', 'dist', 'main.js'), rest, process.env);
} else {
  const env = { ...process.env };
  delete env.PIDSCOPE_MODE;
  if (!env.PIDSCOPE_AGENTS && !rest.some((a) => a.startsWith('--agents'))) {
    const token = randomBytes(24).toString('base64url');
    const agentEnv = { ...env, PIDSCOPE_HOST: '127.0.0.1', PIDSCOPE_PORT: LOCAL_AGENT_PORT };
    agentEnv.PIDSCOPE_TOKEN = token;
    delete agentEnv.PIDSCOPE_TOKEN_FILE;
    console.log(
      `pidscope: no PIDSCOPE_AGENTS; the hub watches this machine's agent on 127.0.0.1:${LOCAL_AGENT_PORT}`,
    );
    start(join(root, 'apps', 'agent', 'dist', 'main.js'), [], agentEnv);
    env.PIDSCOPE_AGENTS = `http://127.0.0.1:${LOCAL_AGENT_PORT}`;
    env.PIDSCOPE_AGENT_TOKEN = token;
  }
  start(join(root, 'apps', 'hub', 'dist', 'main.js'), rest, env);
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill(sig);
  });
}

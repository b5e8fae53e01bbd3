import Docker from 'dockerode';
import type { DockerEndpoint } from '../config.js';

/**
 * A Docker client for actions (start a demo, restart a container). Those calls legitimately take
 * seconds (a restart waits for the stop timeout), so this client has no connection timeout, which
 * in docker-modem only clears once the response starts; an idle-socket timeout bounds a dead daemon.
 */
export function createActionDockerClient(endpoint: DockerEndpoint): Docker {
  const options =
    endpoint.kind === 'socket'
      ? { socketPath: endpoint.socketPath, host: undefined }
      : { host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol };
  return new Docker({ ...options, timeout: 60_000 } as Docker.DockerOptions);
}

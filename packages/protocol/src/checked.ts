import {
  FleetHeartbeat,
  FleetHostRemoved,
  FleetHosts,
  FleetHostUpdate,
  FleetMessage,
  HostsResponse,
} from './fleet.js';
import {
  ClientMessage,
  Container,
  Event,
  Heartbeat,
  Hello,
  Patch,
  Process,
  Resync,
  ServerMessage,
  Snapshot,
  State,
  ThreadsAnswer,
} from './schemas.js';

/**
 * Every schema this package checks values against, by name. The build writes each one's checker
 * into `generated/checkers.ts` as plain code (scripts/generate.ts): compiled speed without
 * `new Function`, which a page under a Content-Security-Policy without 'unsafe-eval' may not call.
 * A schema checked anywhere is one entry here.
 */
export const checkedSchemas = {
  hello: Hello,
  snapshot: Snapshot,
  patch: Patch,
  heartbeat: Heartbeat,
  resync: Resync,
  serverMessage: ServerMessage,
  clientMessage: ClientMessage,
  state: State,
  process: Process,
  container: Container,
  event: Event,
  threadsAnswer: ThreadsAnswer,
  fleetHosts: FleetHosts,
  fleetHost: FleetHostUpdate,
  fleetHostRemoved: FleetHostRemoved,
  fleetHeartbeat: FleetHeartbeat,
  fleetMessage: FleetMessage,
  hostsResponse: HostsResponse,
};

export type CheckedName = keyof typeof checkedSchemas;

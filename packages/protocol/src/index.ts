export * from './api.js';
export * from './apply.js';
export * from './closeCodes.js';
export { cloneProcess, processFrom } from './copy.js';
export * from './cpu.js';
export * from './diff.js';
export * from './errors.js';
export * from './execs.js';
export * from './fanout.js';
export * from './fleet.js';
export * from './history.js';
export * from './inits.js';
export * from './namespaces.js';
export * from './nsPids.js';
export * from './parse.js';
export * from './reaping.js';
export * from './schemas.js';
export * from './state.js';
export * from './stream.js';
export {
  isClientMessage,
  isContainer,
  isEvent,
  isFleetMessage,
  isHostsResponse,
  isPatch,
  isProcess,
  isServerMessage,
  isState,
  isThreadsAnswer,
  validateState,
} from './validate.js';

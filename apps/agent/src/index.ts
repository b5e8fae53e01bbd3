export { type AuditLog, createAuditLog } from './actions/audit.js';
export { tokenId } from './actions/auth.js';
export { app, buildApp, createFastify, redactUrl } from './app.js';
export {
  type Config,
  ConfigError,
  type DockerEndpoint,
  listenUrl,
  loadConfig,
  parseDockerHost,
} from './config.js';
export { createDockerClient } from './docker/dockerWatcher.js';
export { BUSYBOX_IMAGE, ensureBusyboxImage, MANAGED_LABEL } from './docker/images.js';
// The one error path and request validation: the security plugins below throw AgentError, so an
// app that registers them answers with these too.
export { AgentError, asAgentError, errorBody, errorHandler } from './errors.js';
// The security plugins, for another Fastify app (the hub) to register with its own settings.
export { type GuardsOptions, registerGuards } from './security/guards.js';
export {
  createRedactor,
  DEFAULT_SECRET_NAMES,
  MASK,
  parseRedactSetting,
} from './security/redact.js';
export {
  type Auth,
  default as session,
  isCrossSiteOrigin,
  SESSION_COOKIE,
  type SessionOptions,
} from './security/session.js';
export { serve, serverOptions } from './serve.js';
export { validatorCompiler } from './validation.js';

export { app, buildApp } from './app.js';
export { type Config, ConfigError, loadConfig } from './config.js';
export { BUSYBOX_IMAGE, ensureBusyboxImage, MANAGED_LABEL } from './docker/images.js';

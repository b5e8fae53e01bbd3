export { buildHub, type HubOptions, hubApp } from './app.js';
export { ConfigError, type HubConfig, loadHubConfig } from './config.js';

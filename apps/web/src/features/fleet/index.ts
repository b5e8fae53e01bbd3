export { FleetApp } from './FleetApp.js';

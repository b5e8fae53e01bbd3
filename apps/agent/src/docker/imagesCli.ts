// Builds the local images that demos and live tests use; run by `npm test` and `.ci/run`.
import Docker from 'dockerode';
import { ensureBusyboxImage } from './images.js';

const image = await ensureBusyboxImage(new Docker());
console.log(`pidscope: image ${image} ready`);

// Builds the local images that demos, live tests and the Dockerfile use; run by `npm test` and `.ci/run`.
import Docker from 'dockerode';
import { ensureBusyboxImage, ensureNodeImage } from './images.js';

const docker = new Docker();
for (const ensure of [ensureBusyboxImage, ensureNodeImage]) {
  const image = await ensure(docker);
  console.log(`pidscope: image ${image} ready`);
}

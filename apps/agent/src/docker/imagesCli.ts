// Builds the local images that demos, live tests and the Dockerfile use; run by `npm test` and `.ci/run`.
// `imagesCli.js prometheus` also builds the Prometheus image of docker-compose's monitoring profile.
import Docker from 'dockerode';
import { ensureBusyboxImage, ensureNodeImage, ensurePrometheusImage } from './images.js';

const docker = new Docker();
const wanted = [ensureBusyboxImage, ensureNodeImage];
if (process.argv.slice(2).includes('prometheus')) wanted.push(ensurePrometheusImage);
for (const ensure of wanted) {
  const image = await ensure(docker);
  console.log(`pidscope: image ${image} ready`);
}

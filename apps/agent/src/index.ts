export { BUSYBOX_IMAGE, ensureBusyboxImage, MANAGED_LABEL } from './docker/images.js';

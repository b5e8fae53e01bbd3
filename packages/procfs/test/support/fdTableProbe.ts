// Run by the live tests in a fresh process, whose descriptor table has its first size: grows it
// by `reserveDescriptors`, then opens as many descriptors as a first scan keeps, and prints what
// the table looked like at each step as one JSON line.
import { closeSync, openSync, readdirSync } from 'node:fs';
import { descriptorTableSize, reserveDescriptors } from '../../src/index.js';

const slots = Number(process.argv[2]);
const open = () => readdirSync('/proc/self/fd').length;
const before = { size: descriptorTableSize(), open: open() };
const reserved = reserveDescriptors(slots);
const after = { size: descriptorTableSize(), open: open() };
// Up to the reserved size, opening descriptors one by one never grows the table again.
const fds: number[] = [];
while (fds.length < slots - 2 * after.open) fds.push(openSync('/dev/null', 'r'));
const filled = { size: descriptorTableSize(), highest: Math.max(...fds) };
for (const fd of fds) closeSync(fd);
console.log(JSON.stringify({ before, reserved, after, filled, again: reserveDescriptors(slots) }));

// Writes a large `vmfabric pack` JSON instance, for measuring pack's time and memory at scale:
//   node dist/bench/gen-instance.js N OUT.json
// N VM entries (count 1 each, so the file really has N objects), Azure-2017-like sizes
// (60% 1 vCPU, 19% 2, 10% 4, 9% 8, 2% 16; 1.75 GiB, 250 Mbps, 32 GiB per vCPU), deployments of
// 1 to 20 VMs, 5,000 tenants, racks of 40 hosts with 64 cores and 256 GiB each (one host per
// 20 VMs). Deterministic (fixed LCG seed).
import { createWriteStream } from "node:fs";

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  const out = process.argv[3];
  if (!Number.isSafeInteger(n) || n < 1 || !out) {
    console.error("usage: node dist/bench/gen-instance.js N OUT.json");
    process.exitCode = 2;
    return;
  }
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const sizes: Array<[vcpu: number, p: number]> = [[1, 0.6], [2, 0.19], [4, 0.1], [8, 0.09], [16, 0.02]];
  const w = createWriteStream(out);
  const write = async (text: string) => {
    if (!w.write(text)) await new Promise<void>((res) => w.once("drain", () => res()));
  };
  const racks = Math.ceil(n / 20 / 40);
  await write('{"dimensions": ["cpu", "memory", "network", "disk"],\n "hosts": [\n');
  for (let r = 0; r < racks; r++) {
    await write(`  {"id": "r${r}", "capacity": [64000, 262144, 40000, 4000], "reservation": [2000, 8192, 1000, 64], "faultDomain": ${r}, "count": 40}${r < racks - 1 ? "," : ""}\n`);
  }
  await write(' ],\n "vms": [\n');
  let dep = 0;
  let left = 0;
  for (let i = 0; i < n; i++) {
    if (left === 0) {
      dep++;
      left = 1 + Math.floor(rnd() * 20);
    }
    left--;
    let u = rnd();
    let v = 1;
    for (const [c, p] of sizes) {
      if (u < p) { v = c; break; }
      u -= p;
    }
    await write(`  {"id": "v${i}", "tenant": "t${dep % 5000}", "deployment": "d${dep}", "demand": [${v * 1000}, ${v * 1792}, ${v * 250}, ${v * 32}]}${i < n - 1 ? "," : ""}\n`);
  }
  w.end(" ]}\n");
}

void main();

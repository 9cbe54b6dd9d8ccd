// JSON instances:
//   {"dimensions": ["cpu", "memory", "network", "disk"],            (optional)
//    "hosts": [{"id": "r0", "capacity": [...], "faultDomain": 0, "count": 40,
//               "reservation": [...], "oversubscription": [...], "inService": true}],
//    "vms":   [{"id": "d0", "tenant": "t0", "deployment": "d0", "demand": [...], "count": 3}]}
// `count` (default 1) expands an entry into that many hosts or VMs, in place. Without
// `dimensions`, 4 dimensions are the engine's defaults (cpu, memory, network, disk) and any other
// number are named d0..d(n-1). Tenant and deployment ids (strings, or non-negative integers, which
// mean the same as their decimal string) are interned to 0, 1, 2, ... in order of first appearance;
// a VM without a tenant belongs to one shared unnamed tenant, one without a deployment to none.
// Entry `id`s are checked (a string or integer) but not kept; two VM entries with one id are an
// error, as the engine refuses one VM twice. Unknown keys inside host and VM
// entries are errors (a typo would otherwise be silently ignored); unknown top-level keys are ignored.
//
// The file is parsed from its bytes by a small JSON reader that hands each VM entry, as soon as it
// is read, to code that appends it to typed arrays and drops it: a million-VM file never holds a
// million JS objects (nor a string of the whole file; a 1 GB file is fine). Errors name the file,
// the line and the field. JSON strings cannot hold raw newlines, so lines are counted while
// skipping whitespace.
import { readFileSync } from "node:fs";
import { DEFAULT_DIMENSIONS, NO_DEPLOYMENT } from "../types.js";
import { I32_MAX } from "../validate.js";
import { VmfabricError } from "../errors.js";
import { limitError, loadError, mustBe } from "./errors.js";
import { MAX_HOSTS, MAX_VMS, TABLE_BYTES_MAX, vmTableBytes, type HostEntry, type Instance } from "./types.js";

const HOST_KEYS = ["id", "capacity", "faultDomain", "count", "reservation", "oversubscription", "inService"];
const VM_KEYS = ["id", "tenant", "deployment", "demand", "count"];
const KNOWN_KEYS = ["id", "tenant", "deployment", "demand", "count", "capacity", "faultDomain", "reservation", "oversubscription", "inService"];
const MAX_DEPTH = 64;
type Obj = Record<string, unknown>;

class Reader {
  pos = 0;
  line = 1;
  constructor(readonly buf: Buffer, readonly file: string) {
    if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = 3;
  }

  fail(message: string): VmfabricError {
    const at = this.pos < this.buf.length ? `near ${JSON.stringify(this.buf.toString("utf8", this.pos, Math.min(this.pos + 20, this.buf.length)))}` : "at end of file";
    return loadError(this.file, this.line, "JSON", `is malformed: ${message} ${at}`);
  }

  ws(): number {
    const b = this.buf;
    let p = this.pos;
    for (; p < b.length; p++) {
      const c = b[p];
      if (c === 0x0a) this.line++;
      else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
    }
    this.pos = p;
    return p < b.length ? b[p] : -1;
  }

  expect(ch: string): void {
    if (this.ws() !== ch.charCodeAt(0)) throw this.fail(`expected ${JSON.stringify(ch)}`);
    this.pos++;
  }

  value(depth: number): unknown {
    const c = this.ws();
    if (c === 0x22) return this.string();
    if (c === 0x7b) return this.object(depth);
    if (c === 0x5b) return this.array(depth);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.word("true")) return true;
    if (this.word("false")) return false;
    if (this.word("null")) return null;
    throw this.fail(c < 0 ? "unexpected end of file" : "unexpected character");
  }

  private word(w: string): boolean {
    const b = this.buf;
    for (let i = 0; i < w.length; i++) if (b[this.pos + i] !== w.charCodeAt(i)) return false;
    this.pos += w.length;
    return true;
  }

  /** An object key: the common ones are matched by bytes, saving a string allocation each. */
  key(): string {
    const b = this.buf;
    const start = this.pos + 1;
    outer: for (const k of KNOWN_KEYS) {
      if (b[start + k.length] !== 0x22) continue;
      for (let i = 0; i < k.length; i++) if (b[start + i] !== k.charCodeAt(i)) continue outer;
      this.pos = start + k.length + 1;
      return k;
    }
    return this.string();
  }

  string(): string {
    const b = this.buf;
    const start = ++this.pos;
    let p = start;
    let plain = true;
    for (;;) {
      if (p >= b.length) throw this.fail("unterminated string");
      const c = b[p];
      if (c === 0x22) break;
      if (c < 0x20) throw this.fail("control character in string");
      if (c === 0x5c) {
        plain = false;
        p += 2;
        continue;
      }
      if (c >= 0x80) plain = false;
      p++;
    }
    this.pos = p + 1;
    if (plain) return b.toString("latin1", start, p);
    try {
      return JSON.parse(b.toString("utf8", start - 1, p + 1)) as string;
    } catch {
      this.pos = start - 1;
      throw this.fail("bad escape in string");
    }
  }

  number(): number {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    let simple = true;
    let n = 0;
    if (b[p] === 0x2d) {
      p++;
      simple = false;
    }
    for (; p < b.length; p++) {
      const c = b[p];
      if (c >= 0x30 && c <= 0x39) n = n * 10 + (c - 0x30);
      else if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) simple = false;
      else break;
    }
    this.pos = p;
    if (simple && !(b[start] === 0x30 && p - start > 1) && p - start <= 15) return n;
    const s = b.toString("latin1", start, p);
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s)) {
      this.pos = start;
      throw this.fail("bad number");
    }
    return Number(s);
  }

  object(depth: number): Obj {
    if (depth > MAX_DEPTH) throw this.fail("nested too deeply");
    this.pos++; // {
    const o: Obj = {};
    if (this.ws() === 0x7d) {
      this.pos++;
      return o;
    }
    for (;;) {
      if (this.ws() !== 0x22) throw this.fail("expected a key string");
      const k = this.key();
      this.expect(":");
      const v = this.value(depth + 1);
      // A plain object is much faster than Object.create(null); "__proto__" must not set the prototype.
      if (k === "__proto__") Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
      else o[k] = v;
      const c = this.ws();
      this.pos++;
      if (c === 0x7d) return o;
      if (c !== 0x2c) {
        this.pos--;
        throw this.fail("expected \",\" or \"}\"");
      }
    }
  }

  array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.elements(depth, (v) => out.push(v));
    return out;
  }

  /** Reads an array, handing each element (with the line it starts on) to `each`. */
  elements(depth: number, each: (v: unknown, index: number, line: number) => void): void {
    if (depth > MAX_DEPTH) throw this.fail("nested too deeply");
    this.pos++; // [
    if (this.ws() === 0x5d) {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.ws();
      const line = this.line;
      each(this.value(depth + 1), i, line);
      const c = this.ws();
      this.pos++;
      if (c === 0x5d) return;
      if (c !== 0x2c) {
        this.pos--;
        throw this.fail("expected \",\" or \"]\"");
      }
    }
  }
}

/** Maps string (or integer) ids to 0, 1, 2, ... */
class Interner {
  readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  get(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(key, id);
      this.names.push(key);
    }
    return id;
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function readJsonInstance(file: string): Instance {
  return parseJsonInstance(readFileSync(file), file);
}

export function parseJsonInstance(bytes: Buffer, file: string): Instance {
  const r = new Reader(bytes, file);
  const intIn = (line: number | undefined, field: string, v: unknown, min: number, max: number): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw mustBe(file, line, field, `an integer in [${min}, ${max}]`, v);
    return v;
  };
  const vec = (line: number | undefined, field: string, v: unknown, D: number): number[] => {
    if (!Array.isArray(v) || v.length !== D) throw mustBe(file, line, field, `an array of ${D} integers (one per dimension)`, v);
    return v.map((x, d) => intIn(line, `${field}[${d}]`, x, 0, I32_MAX));
  };
  const idKey = (line: number, field: string, v: unknown): string => {
    if (typeof v === "string" && v.length > 0) return v;
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return String(v);
    throw mustBe(file, line, field, "a non-empty string or a non-negative integer", v);
  };
  const sizeIn = (line: number, field: string, v: unknown, max: number, what: string): number => {
    if (typeof v === "number" && Number.isInteger(v) && v > max) throw limitError(file, line, field, `is ${v}; at most ${max} ${what} (the engine's limit)`, v);
    return intIn(line, field, v, 0, max);
  };
  const onlyKeys = (line: number, field: string, o: Obj, keys: string[]): void => {
    for (const k of Object.keys(o)) {
      if (!keys.includes(k)) throw loadError(file, line, `${field}.${k}`, `is not a known field (known: ${keys.join(", ")})`, k);
    }
  };

  let dimensions: string[] | undefined;
  let D = 0; // fixed by "dimensions" when read first, else by the first VM's demand
  let hostsRaw: Array<{ v: unknown; line: number }> | undefined;
  let sawVms = false;
  let n = 0;
  let demands = new Int32Array(0);
  let tenants = new Uint32Array(0);
  let deployments = new Uint32Array(0);
  const vmIdLines = new Map<string, number>();
  const tenantIds = new Interner();
  const deploymentIds = new Interner();
  let firstDemandLine = 0;

  const grow = (need: number): void => {
    if (need <= tenants.length) return;
    const cap = Math.min(Math.max(need, tenants.length * 2, 1024), MAX_VMS);
    const d2 = new Int32Array(cap * D);
    d2.set(demands);
    demands = d2;
    const t2 = new Uint32Array(cap);
    t2.set(tenants);
    tenants = t2;
    const p2 = new Uint32Array(cap);
    p2.set(deployments);
    deployments = p2;
  };

  const addVm = (v: unknown, i: number, line: number): void => {
    const f = `vms[${i}]`;
    if (!isObj(v)) throw mustBe(file, line, f, "a VM object", v);
    onlyKeys(line, f, v, VM_KEYS);
    if (v.id !== undefined) {
      // One id, one entry: the engine refuses a VM twice, so an instance naming one twice is
      // refused too (a typo would otherwise pack two VMs under one name).
      const key = idKey(line, `${f}.id`, v.id);
      const first = vmIdLines.get(key);
      if (first !== undefined) throw loadError(file, line, `${f}.id`, `repeats the id ${JSON.stringify(key)} of the VM entry on line ${first}`, v.id);
      vmIdLines.set(key, line);
    }
    if (D === 0) {
      const dem = v.demand;
      if (!Array.isArray(dem) || dem.length < 1 || dem.length > 16) throw mustBe(file, line, `${f}.demand`, "an array of 1 to 16 integers", dem);
      D = dem.length;
      firstDemandLine = line;
    }
    const demand = vec(line, `${f}.demand`, v.demand, D);
    const count = v.count === undefined ? 1 : sizeIn(line, `${f}.count`, v.count, MAX_VMS, "VMs");
    if (n + count > MAX_VMS) throw limitError(file, line, `${f}.count`, `brings the VMs to ${n + count}, more than ${MAX_VMS} (2^26, the engine's limit)`, count);
    if (vmTableBytes(n + count, D) > TABLE_BYTES_MAX) {
      throw limitError(file, line, `${f}.count`, `brings the VMs to ${n + count}; VMs of ${D} dimensions take ${Math.ceil(vmTableBytes(n + count, D) / 2 ** 20)} MiB of engine tables, more than its ${TABLE_BYTES_MAX / 2 ** 20} MiB`, count);
    }
    const tenant = tenantIds.get(v.tenant === undefined ? "" : idKey(line, `${f}.tenant`, v.tenant));
    const dep = v.deployment === undefined ? NO_DEPLOYMENT : deploymentIds.get(idKey(line, `${f}.deployment`, v.deployment));
    grow(n + count);
    for (let k = 0; k < count; k++, n++) {
      for (let d = 0; d < D; d++) demands[n * D + d] = demand[d];
      tenants[n] = tenant;
      deployments[n] = dep;
    }
  };

  if (r.ws() !== 0x7b) throw r.fail("expected the instance object \"{\"");
  r.pos++;
  if (r.ws() === 0x7d) r.pos++;
  else {
    for (;;) {
      if (r.ws() !== 0x22) throw r.fail("expected a key string");
      const key = r.string();
      r.expect(":");
      const c = r.ws();
      const line = r.line;
      if (key === "vms") {
        if (c !== 0x5b) throw mustBe(file, line, "vms", "an array of VM objects", r.value(1));
        sawVms = true;
        r.elements(1, addVm);
      } else if (key === "hosts") {
        if (c !== 0x5b) throw mustBe(file, line, "hosts", "an array of host objects", r.value(1));
        const list: Array<{ v: unknown; line: number }> = [];
        r.elements(1, (v, _i, l) => list.push({ v, line: l }));
        hostsRaw = list;
      } else if (key === "dimensions") {
        const v = r.value(1);
        if (!Array.isArray(v) || v.length < 1 || v.length > 16) throw mustBe(file, line, "dimensions", "an array of 1 to 16 names", v);
        const seen = new Set<string>();
        v.forEach((name, i) => {
          if (typeof name !== "string" || name.length === 0) throw mustBe(file, line, `dimensions[${i}]`, "a non-empty string", name);
          if (seen.has(name)) throw loadError(file, line, `dimensions[${i}]`, `repeats ${JSON.stringify(name)}`, name);
          seen.add(name);
        });
        if (D !== 0 && v.length !== D) throw loadError(file, line, "dimensions", `has ${v.length} names but vms[0].demand (line ${firstDemandLine}) has ${D} values`, v);
        dimensions = v as string[];
        if (D === 0) D = v.length;
      } else r.value(1);
      const e = r.ws();
      r.pos++;
      if (e === 0x7d) break;
      if (e !== 0x2c) {
        r.pos--;
        throw r.fail("expected \",\" or \"}\"");
      }
    }
  }
  if (r.ws() !== -1) throw r.fail("unexpected content after the instance object");

  if (hostsRaw === undefined) throw loadError(file, undefined, "hosts", "is missing (an array of host objects)");
  if (!sawVms) throw loadError(file, undefined, "vms", "is missing (an array of VM objects)");
  if (D === 0) {
    // No VMs and no dimensions: the first host's capacity decides.
    const h0 = hostsRaw[0]?.v;
    const cap = isObj(h0) ? h0.capacity : undefined;
    D = Array.isArray(cap) && cap.length >= 1 && cap.length <= 16 ? cap.length : 4;
  }

  const hosts: HostEntry[] = [];
  let hostCount = 0;
  hostsRaw.forEach(({ v, line }, i) => {
    const f = `hosts[${i}]`;
    if (!isObj(v)) throw mustBe(file, line, f, "a host object", v);
    onlyKeys(line, f, v, HOST_KEYS);
    if (v.id !== undefined) idKey(line, `${f}.id`, v.id);
    const capacity = vec(line, `${f}.capacity`, v.capacity, D);
    const count = v.count === undefined ? 1 : sizeIn(line, `${f}.count`, v.count, MAX_HOSTS, "hosts");
    const h: HostEntry = { capacity, count };
    if (v.reservation !== undefined) {
      const res = vec(line, `${f}.reservation`, v.reservation, D);
      res.forEach((x, d) => {
        if (x > capacity[d]) throw loadError(file, line, `${f}.reservation[${d}]`, `(${x}) exceeds ${f}.capacity[${d}] (${capacity[d]})`, x);
      });
      h.reservation = res;
    }
    if (v.oversubscription !== undefined) {
      const o = v.oversubscription;
      if (!Array.isArray(o) || o.length !== D) throw mustBe(file, line, `${f}.oversubscription`, `an array of ${D} ratios`, o);
      h.oversubscription = o.map((x, d) => {
        if (typeof x !== "number" || !(x > 0 && x <= 1000)) throw mustBe(file, line, `${f}.oversubscription[${d}]`, "a ratio in (0, 1000]", x);
        if (Math.floor((capacity[d] - (h.reservation?.[d] ?? 0)) * x) > I32_MAX) throw mustBe(file, line, `${f}.oversubscription[${d}]`, `small enough that capacity stays <= ${I32_MAX}`, x);
        return x;
      });
    }
    if (v.faultDomain !== undefined) h.faultDomain = intIn(line, `${f}.faultDomain`, v.faultDomain, 0, 0xffff);
    if (v.inService !== undefined) {
      if (typeof v.inService !== "boolean") throw mustBe(file, line, `${f}.inService`, "a boolean", v.inService);
      h.inService = v.inService;
    }
    hostCount += count;
    if (hostCount > MAX_HOSTS) throw limitError(file, line, `${f}.count`, `brings the hosts to ${hostCount}, more than ${MAX_HOSTS} (2^24, the engine's limit)`, count);
    hosts.push(h);
  });
  if (hostCount === 0) throw loadError(file, undefined, "hosts", "must expand to at least one host");

  return {
    source: file,
    format: "json",
    dimensions: dimensions ?? (D === 4 ? [...DEFAULT_DIMENSIONS] : Array.from({ length: D }, (_, d) => `d${d}`)),
    hosts,
    hostCount,
    vmCount: n,
    demands: demands.length === n * D ? demands : demands.slice(0, n * D),
    tenants: tenants.length === n ? tenants : tenants.slice(0, n),
    deployments: deployments.length === n ? deployments : deployments.slice(0, n),
    tenantNames: tenantIds.names,
    deploymentNames: deploymentIds.names,
  };
}

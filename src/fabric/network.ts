// Answers from the programmed network state only: the hosts' virtual-switch ports (instAcl:
// the port admits its own deployment's DIPs and its host VM over VMBus), and the load
// balancer's VIP:port -> DIP map (instLb). Nothing here looks at tenants: isolation has to
// follow from what the FC programmed, which is what the property tests check.
import { invalid } from "../errors.js";
import type { FcState } from "./state.js";

/** One end of a flow: a guest by DIP, a host VM, a VIP endpoint, or the outside world. */
export type Endpoint = { dip: string } | { host: number } | { vip: string; port: number } | "internet";

/** Instance owning a DIP with a programmed port, or -1. */
function guestAt(st: FcState, dip: string): number {
  const off = st.dips.offsetOf(dip);
  const i = off ? st.dips.ownerOf(off) : -1;
  return i >= 0 && st.instAcl[i] === 1 ? i : -1;
}

function deploymentAt(st: FcState, vip: string): number {
  const off = st.vips.offsetOf(vip);
  return off ? st.vips.ownerOf(off) : -1;
}

/** DIPs the load balancer sends VIP:port to: the ready instances of the role with that endpoint. */
export function lbBackends(st: FcState, vip: string, port: number): number[] {
  const d = deploymentAt(st, vip);
  if (d < 0) return [];
  const dep = st.deployments[d];
  const out: number[] = [];
  for (let r = dep.firstRole; r < dep.firstRole + dep.model.roles.length; r++) {
    const role = st.roles[r];
    if (!role.endpoints.includes(port)) continue;
    for (let i = role.firstInstance; i < role.firstInstance + role.count; i++) if (st.instLb[i] === 1) out.push(i);
  }
  return out;
}

function check(e: unknown, field: string): Endpoint {
  if (e === "internet") return e;
  if (typeof e === "object" && e !== null) {
    const o = e as Record<string, unknown>;
    if (typeof o.dip === "string") return e as Endpoint;
    if (typeof o.host === "number" && Number.isInteger(o.host)) return e as Endpoint;
    if (typeof o.vip === "string" && typeof o.port === "number" && Number.isInteger(o.port)) return e as Endpoint;
  }
  throw invalid(field, e, `"internet", {dip}, {host} or {vip, port}`);
}

/** Can a packet from a get to b under the rules as programmed? */
export function reachable(st: FcState, from: unknown, to: unknown): boolean {
  const a = check(from, "from");
  const b = check(to, "to");
  // Anyone who can send at all may send to a VIP: it is public; the LB forwards to ready backends.
  if (typeof b === "object" && "vip" in b) {
    const canSend = a === "internet" || ("dip" in a ? guestAt(st, a.dip) >= 0 : "host" in a);
    return canSend && lbBackends(st, b.vip, b.port).length > 0;
  }
  if (a === "internet") return false; // DIPs and host VMs are not routable from outside
  if ("vip" in a) return false; // a VIP is not a source
  if ("host" in a) {
    // A host VM reaches its own guests over VMBus.
    if (b === "internet" || "host" in b) return false;
    const g = guestAt(st, b.dip);
    return g >= 0 && st.instHost[g] === a.host;
  }
  const g = guestAt(st, a.dip);
  if (g < 0) return false;
  if (b === "internet") return true; // outbound through the LB's SNAT
  if ("host" in b) return st.instHost[g] === b.host; // VMBus to its own host VM only
  const h = guestAt(st, b.dip);
  // Both ports carry their deployment's ACL: DIP to DIP only inside one deployment.
  return h >= 0 && st.deploymentOfInstance(g) === st.deploymentOfInstance(h);
}

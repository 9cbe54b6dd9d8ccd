// A tenant's service model: the roles of one deployment, and how the FC resolves it.
import { invalid } from "../errors.js";
import type { Catalog } from "./catalog.js";
import { intIn, onlyKeys } from "../validate.js";

export interface RoleModel {
  name: string;
  /** A size name from the catalog (default Small). */
  size?: string;
  instances: number;
  /** A base image name from the catalog (default: the catalog's first). */
  image?: string;
  /** Input endpoint ports (a web role); none for a worker role. */
  endpoints?: readonly number[];
}

export interface ServiceModel {
  tenant: number;
  name?: string;
  roles: readonly RoleModel[];
  /** Update domains (default 5). */
  updateDomains?: number;
}

/** The model with names resolved to catalog indexes; what the journal stores. */
export interface ResolvedModel {
  tenant: number;
  name: string;
  updateDomains: number;
  roles: Array<{ name: string; size: number; image: number; instances: number; endpoints: number[] }>;
}

export const MAX_ROLE_INSTANCES = 1 << 20;

export function resolveModel(m: unknown, catalog: Catalog): ResolvedModel {
  if (typeof m !== "object" || m === null) throw invalid("model", m, "an object {tenant, roles, updateDomains?}");
  onlyKeys("model", m, ["tenant", "name", "roles", "updateDomains"]);
  const s = m as ServiceModel;
  intIn("model.tenant", s.tenant, 0, 0xfffffffe);
  if (s.name !== undefined && typeof s.name !== "string") throw invalid("model.name", s.name, "a string");
  const ud = s.updateDomains ?? 5;
  intIn("model.updateDomains", ud, 1, 20);
  if (!Array.isArray(s.roles) || s.roles.length < 1 || s.roles.length > 64) throw invalid("model.roles", s.roles, "an array of 1 to 64 roles");
  const names = new Set<string>();
  const roles = s.roles.map((r: RoleModel, i: number) => {
    const f = `model.roles[${i}]`;
    if (typeof r !== "object" || r === null) throw invalid(f, r, "an object {name, size?, instances, image?, endpoints?}");
    onlyKeys(f, r, ["name", "size", "instances", "image", "endpoints"]);
    if (r.size !== undefined && typeof r.size !== "string") throw invalid(`${f}.size`, r.size, `absent (Small) or one of ${catalog.sizes.map((z) => z.name).join(", ")}`);
    if (r.image !== undefined && typeof r.image !== "string") throw invalid(`${f}.image`, r.image, `absent or one of ${catalog.images.map((z) => z.name).join(", ")}`);
    if (typeof r.name !== "string" || r.name === "" || names.has(r.name)) throw invalid(`${f}.name`, r.name, "a unique non-empty string");
    names.add(r.name);
    const size = catalog.sizes.findIndex((z) => z.name === (r.size ?? "Small"));
    if (size < 0) throw invalid(`${f}.size`, r.size, `one of ${catalog.sizes.map((z) => z.name).join(", ")}`);
    const image = r.image === undefined ? 0 : catalog.images.findIndex((z) => z.name === r.image);
    if (image < 0) throw invalid(`${f}.image`, r.image, `one of ${catalog.images.map((z) => z.name).join(", ")}`);
    intIn(`${f}.instances`, r.instances, 1, MAX_ROLE_INSTANCES);
    const endpoints = r.endpoints ?? [];
    if (!Array.isArray(endpoints) || endpoints.length > 16) throw invalid(`${f}.endpoints`, endpoints, "an array of at most 16 ports");
    const ports = new Set<number>();
    endpoints.forEach((p, j) => {
      if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 65535 || ports.has(p)) throw invalid(`${f}.endpoints[${j}]`, p, "a unique port in [1, 65535]");
      ports.add(p);
    });
    return { name: r.name, size, image, instances: r.instances, endpoints: [...endpoints] };
  });
  // One VIP per deployment: two roles cannot both listen on the same VIP port.
  const all = new Set<number>();
  roles.forEach((r, i) => r.endpoints.forEach((p) => {
    if (all.has(p)) throw invalid(`model.roles[${i}].endpoints`, p, "ports not used by another role of the deployment (they share one VIP)");
    all.add(p);
  }));
  return { tenant: s.tenant, name: s.name ?? "", updateDomains: ud, roles };
}

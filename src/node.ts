// `vmfabric/node`: the parts that need Node's file system. The main entry (`vmfabric`) stays
// loadable by browsers and bundlers; import these from here.
export { FileJournal } from "./fabric/file-journal.js";
export { loadInstance, instanceFiles } from "./instance/load.js";
export { readJsonInstance, parseJsonInstance } from "./instance/json.js";
export { parseVbp } from "./instance/vbp.js";
export type { Instance, HostEntry } from "./instance/types.js";

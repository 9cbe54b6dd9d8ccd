// The story's default data center, apart from story.ts so the page's own bundle (which only
// fills its form with these) does not pull in the library the worker runs.
import type { StoryOptions } from "./story.js";

export const DEFAULT_STORY: StoryOptions = { racks: 6, serversPerRack: 10, services: 40, instances: 8, failRack: 2, failServers: [], seed: 1 };

// `vmfabric pack`: placeholder until the pack command lands (see issue 2).
export async function run(_argv: string[]): Promise<number> {
  console.error("vmfabric pack: not implemented yet");
  return 1;
}

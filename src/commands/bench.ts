// `vmfabric bench`: placeholder until the fleet benchmark lands (see issue 2).
export async function run(_argv: string[]): Promise<number> {
  console.error("vmfabric bench: not implemented yet");
  return 1;
}

export async function run(_args: string[]): Promise<number> {
  process.stderr.write('vpsie-autoscaler functions: not implemented yet\n');
  return 1;
}

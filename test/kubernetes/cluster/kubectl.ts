/** The real kubectl with the cluster's admin kubeconfig. */
import { CommandResult, runCommand } from './command';

export class Kubectl {
  constructor(private readonly binary: string, private readonly kubeconfigFile: string) {}

  /** Runs kubectl; resolves with its exit code and output whatever the code. */
  run(args: readonly string[], stdin?: string): Promise<CommandResult> {
    return runCommand(this.binary, [`--kubeconfig=${this.kubeconfigFile}`, ...args], {
      input: stdin,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/' },
      timeoutMs: 120_000,
    });
  }

  /** Runs kubectl and returns stdout; fails with kubectl's message unless it exits 0. */
  async check(args: readonly string[], stdin?: string): Promise<string> {
    const result = await this.run(args, stdin);
    if (result.code !== 0) {
      throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(0, 4000)}`);
    }
    return result.stdout;
  }
}

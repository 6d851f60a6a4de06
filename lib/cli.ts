#!/usr/bin/env node
// The `kiln` command. `kiln train [options]` runs the main job (lib/cli/train.ts). Usage
// mistakes print a one-line message and exit 2; failures while running print the message
// (never a stack trace) and exit 1.
import { parseTrainArgs, TRAIN_USAGE, UsageError } from './cli/args';
import { trainCommand, type Output } from './cli/train';

const USAGE = `Usage: kiln <command> [options]

Commands:
  train    train an MLP or a CNN on MNIST digits or Fashion-MNIST (kiln train --help)
`;

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], out: Output = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'train') {
    out.stderr.write(`kiln: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  try {
    const config = parseTrainArgs(rest);
    if (config === null) {
      out.stdout.write(TRAIN_USAGE);
      return 0;
    }
    await trainCommand(config, out);
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError;
    out.stderr.write(`kiln train: ${e instanceof Error ? e.message : String(e)}\n${usage ? 'Run kiln train --help for the options.\n' : ''}`);
    return usage ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

import { Command, Option } from 'commander';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { Engine } from '../../../models/constants.js';
import type { CliContext } from '../../context.js';
import { collectList } from '../../flags/parse.js';
import type { InputSourceWire } from '../../flags/storage-spec.js';
import { addRunFromFlagsOptions, runFromFlags } from '../job/run-from-flags.js';
import { wasmModuleInput } from './module.js';

function cliError(message: string, hint?: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.BadRequest,
    component: 'CLI',
    ...(hint === undefined ? {} : { hint }),
  });
}

/** An entry module that is no local file or URI, in a job with no input that could hold it. */
function noSuchModule(entry: string): BacalhauError {
  return cliError(
    `${entry}: no such file`,
    'The entry module is a local .wasm file, a storage URI (https://…, s3://…) or the target path of ' +
      'a module added with --input',
  );
}

/** `failed to parse …: <reason>`, keeping the reason's code and hint. */
async function parsing<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw BacalhauError.wrap(err, `failed to parse ${what}`);
  }
}

/**
 * The wasm engine and the inputs that bring its modules (Bacalhau's `wasm run` build): the entry
 * module defaults to target `main.wasm`; an import module given as a file or URI needs `:target`.
 */
async function wasmEngine(
  ctx: CliContext,
  args: {
    entry: string;
    parameters: string[];
    entrypoint: string;
    imports: readonly string[];
    /**
     * Whether an entry module that is not a URI must be a local file: no --input could hold it, and
     * the job is to be submitted (a dry run prints the spec as given, to be edited).
     */
    mustBeFile: boolean;
  },
): Promise<{ engine: { Type: string; Params: Record<string, unknown> }; extraInputs: InputSourceWire[] }> {
  const inputs: InputSourceWire[] = [];
  const entryInput = await parsing('entry module', wasmModuleInput(args.entry, 'main.wasm', ctx.cwd));
  if (entryInput !== undefined) inputs.push(entryInput);
  // not a file, not a URI: a target path, which only an --input can fill
  else if (args.mustBeFile) throw noSuchModule(args.entry);
  const entryModule = entryInput?.Target ?? args.entry;
  const importPaths: string[] = [];
  for (const module of args.imports) {
    const input = await parsing(
      `import module ${JSON.stringify(module)}`,
      wasmModuleInput(module, '', ctx.cwd),
    );
    if (input === undefined) {
      importPaths.push(module);
      continue;
    }
    if (input.Target === '') {
      throw cliError(
        `import module ${JSON.stringify(module)} must specify a target path using the format 'path:target'`,
      );
    }
    inputs.push(input);
    importPaths.push(input.Target);
  }
  if (entryModule === '') throw cliError('invalid wasm engine entry module. target path cannot be empty');
  return {
    engine: {
      Type: Engine.Wasm,
      Params: {
        EntryModule: entryModule,
        Entrypoint: args.entrypoint,
        Parameters: args.parameters,
        // Go's nil slice when no import module was named.
        ImportModules: importPaths.length > 0 ? importPaths : null,
      },
    },
    extraInputs: inputs,
  };
}

/** `bacalhau wasm run ENTRY-MODULE [wasm-args ...]`. */
export function wasmRunCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('run')
    .usage('[flags] ENTRY-MODULE [wasm-args ...]')
    .description(
      'Run a WASM job on the network.\n\nThe entry module can be a local file (./main.wasm, uploaded with the ' +
        'job), a storage URI (s3://bucket/main.wasm, https://example.com/main.wasm), or the target path of a ' +
        'module added with --input. Override the target path of a file or URI with path:target ' +
        '(./main.wasm:/app/custom.wasm). Import modules must be added with --input and named by their target ' +
        'paths.',
    )
    .argument('<entry-module>', 'local file, storage URI or target path of the entry module')
    .argument('[wasm-args...]', 'arguments passed to the module');
  addRunFromFlagsOptions(cmd)
    .addOption(
      new Option(
        '-I, --import-modules <paths>',
        'Target paths of WASM modules to import. These paths must match the target paths specified in the ' +
          '--input flags.',
      )
        .argParser(collectList)
        .default([]),
    )
    .addOption(
      new Option(
        '--entry-point <name>',
        'The name of the WASM function in the entry module to call. This should be a zero-parameter ' +
          'zero-result function that will execute the job.',
      ).default('_start'),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  # Run a WASM module from a local file',
        `  ${bin} wasm run ./main.wasm`,
        '',
        '  # Run a WASM module from S3, at a custom target path',
        `  ${bin} wasm run s3://bucket/main.wasm:/app/custom.wasm`,
        '',
        '  # Run a WASM module with an import module',
        `  ${bin} wasm run --input s3://bucket/lib.wasm:/app/lib.wasm s3://bucket/main.wasm --import-modules /app/lib.wasm`,
      ].join('\n'),
    );
  return cmd.action(async (entry: string, parameters: string[], _opts: unknown, self: Command) => {
    const opts = self.opts<{
      importModules: string[];
      entryPoint: string;
      input: unknown[];
      dryRun?: boolean;
    }>();
    await runFromFlags(ctx, self, { first: 'module', usage: 'MODULE -- [ARG...]' }, () =>
      wasmEngine(ctx, {
        entry,
        parameters,
        entrypoint: opts.entryPoint,
        imports: opts.importModules,
        mustBeFile: opts.input.length === 0 && opts.dryRun !== true,
      }),
    );
  });
}

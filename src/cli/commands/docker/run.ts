import { Command, Option } from 'commander';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { Engine } from '../../../models/constants.js';
import type { CliContext } from '../../context.js';
import { collectList } from '../../flags/parse.js';
import { addRunFromFlagsOptions, runFromFlags } from '../job/run-from-flags.js';

/**
 * The docker engine spec (Bacalhau's `DockerEngineBuilder`). Params hold every field of Go's
 * `EngineSpec`, unset ones as Go's zero values (`null` lists, `""`), as Go's `structs.Map` does.
 */
function dockerEngine(image: string, parameters: string[], workdir: string, entrypoint?: string[]) {
  const invalid = (message: string): BacalhauError =>
    new BacalhauError(`building docker engine spec: invalid docker engine param: ${message}`, {
      code: ErrorCode.ValidationError,
      component: 'CLI',
    });
  // Go's NotBlank: white space is no image either
  if (image.trim() === '') throw invalid("'Image' cannot be empty");
  if (workdir !== '' && !workdir.startsWith('/')) {
    throw invalid(`'WorkingDirectory' (${JSON.stringify(workdir)}) must contain absolute path`);
  }
  return {
    Type: Engine.Docker,
    Params: {
      Image: image,
      Entrypoint: entrypoint ?? null,
      Parameters: parameters,
      EnvironmentVariables: null,
      WorkingDirectory: workdir,
    },
  };
}

/** `bacalhau docker run IMAGE [COMMAND] [ARG...]`. */
export function dockerRunCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('run')
    .usage('[flags] IMAGE[:TAG|@DIGEST] [COMMAND] [ARG...]')
    .description('Run a docker job on the network')
    .argument('<image>', 'IMAGE[:TAG|@DIGEST]')
    .argument('[command...]', 'the command and its arguments (after -- when they start with a dash)');
  addRunFromFlagsOptions(cmd)
    .addOption(
      new Option(
        '-w, --workdir <dir>',
        'Working directory inside the container. Overrides the working directory shipped with the image ' +
          '(e.g. via WORKDIR in Dockerfile).',
      ).default(''),
    )
    .addOption(
      new Option('--entrypoint <list>', 'Override the default ENTRYPOINT of the image').argParser(
        collectList,
      ),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        "  # Run a Docker job with a CID mounted at /input_images; flags after '--' go to the container",
        `  ${bin} docker run -i src=ipfs://QmeZRGhe4PmjctYVSVHuEiA9oSXnqmYa4kQubSHgWbjv72,dst=/input_images \\`,
        '    dpokidov/imagemagick:7.1.0-47-ubuntu \\',
        "    -- magick mogrify -resize 100x100 -quality 100 -path /outputs '/input_images/*.jpg'",
        '',
        '  # Dry run: print the job that would be submitted (save it with > job.yaml)',
        `  ${bin} docker run --dry-run ubuntu echo hello`,
        '',
        '  # Pin an image tag or digest for reproducibility',
        `  ${bin} docker run ubuntu:24.04 echo hello`,
      ].join('\n'),
    );
  return cmd.action(async (image: string, command: string[], _opts: unknown, self: Command) => {
    const opts = self.opts<{ workdir: string; entrypoint?: string[] }>();
    await runFromFlags(ctx, self, { first: 'image', usage: 'IMAGE -- COMMAND [ARG...]' }, () =>
      Promise.resolve({ engine: dockerEngine(image, command, opts.workdir, opts.entrypoint) }),
    );
  });
}

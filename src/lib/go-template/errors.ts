/** Go's `text/template` error texts for a template named "" (as Bacalhau's parser names its own). */

/** Where a template failed: while reading it (`parse`) or while running it (`exec`). */
export type TemplateErrorStage = 'parse' | 'execute';

export class TemplateError extends Error {
  constructor(
    readonly stage: TemplateErrorStage,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }

  /** `template: :<line>: <problem>` */
  static parse(source: string, pos: number, problem: string): TemplateError {
    return new TemplateError('parse', `template: :${lineOf(source, pos)}: ${problem}`);
  }

  /** `template: :<line>:<col>: executing "" at <<node>>: <problem>` */
  static exec(source: string, pos: number, node: string, problem: string): TemplateError {
    const line = lineOf(source, pos);
    const col = pos - source.lastIndexOf('\n', pos - 1) - 1;
    return new TemplateError('execute', `template: :${line}:${col}: executing "" at <${node}>: ${problem}`);
  }
}

function lineOf(source: string, pos: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i >= 0 && i < pos; i = source.indexOf('\n', i + 1)) line++;
  return line;
}

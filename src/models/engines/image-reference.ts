/**
 * Docker's grammar of image references (distribution's `reference.Parse`), so that a name no node's
 * Docker takes is refused on submission, with Docker's words, rather than on every node it is tried on.
 * The repository path is lower case; a registry host may have a port; at most one tag, then an
 * optional digest.
 */
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const name = `(?:${host}(?::[0-9]+)?/)?${pathComponent}(?:/${pathComponent})*`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const referencePattern = new RegExp(`^(${name})(?::${tag})?(?:@${digest})?$`);

/** Docker's limit on a repository name. */
const MaxNameLength = 255;

/** What Docker says of `reference`, in its words, or undefined when Docker takes it. */
export function imageReferenceProblem(reference: string): string | undefined {
  const match = referencePattern.exec(reference);
  if (match === null) {
    return referencePattern.test(reference.toLowerCase())
      ? 'invalid reference format: repository name must be lowercase'
      : 'invalid reference format';
  }
  if ((match[1] ?? '').length > MaxNameLength) {
    return `repository name must not be more than ${MaxNameLength} characters`;
  }
  return undefined;
}

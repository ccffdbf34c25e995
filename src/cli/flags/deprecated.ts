/** pflag's notice for a deprecated flag the user gave, which the command still honours. */
export function deprecatedFlagNotice(flag: string, message: string): string {
  return `Flag --${flag} has been deprecated, ${message}\n`;
}

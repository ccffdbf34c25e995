/** Whether `path` is `folder` or lies inside it, compared as written (resolve links first if they matter). */
export function isInsideFolder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

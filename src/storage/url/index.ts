export { UrlDownloadStorage, type UrlDownloadOptions } from './url.js';

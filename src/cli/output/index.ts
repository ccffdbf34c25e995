export {
  addNonTabularOutputFlags,
  addOutputFlags,
  allFormats,
  colorsEnabled,
  humanOutputRequested,
  nonTabularFormats,
  nonTabularOptions,
  outputOptions,
  printKeyValues,
  printList,
  printOne,
  printValue,
  renderList,
  renderValue,
  tabularFormats,
  type NonTabularFormat,
  type NonTabularOptions,
  type OutputFormat,
  type OutputOptions,
  type OutputTarget,
} from './output.js';
export { terminalSafe } from './terminal-safe.js';
export {
  displayWidth,
  renderCsv,
  renderTable,
  wrapSoft,
  type Column,
  type TableRenderOptions,
} from './table.js';
export { toJson, toYaml } from './encode.js';
export { dateTime, elapsed, fromNanos, shortenTime, timeOnly, timeOnlyMilli } from './time.js';
export { styles, type Styles } from './style.js';
export { printWireList, wireItems, wireValue } from './wire.js';
export { Spinner } from './spinner.js';
export { StepPrinter } from './steps.js';

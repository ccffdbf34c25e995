/** Columns of job history entries (Bacalhau's `cmd/util/cols/history.go`), for history, describe and run. */
import { shortUUID } from '../../../models/ids.js';
import { EventDetail, type JobHistory } from '../../../models/job-history.js';
import { parseGoTime } from '../../../models/go-time.js';
import { dateTime, timeOnlyMilli, type Column, type Styles } from '../../output/index.js';

const ShortIDWidth = 10; // a prefix letter, a dash and 8 characters

/** When it happened: the event's timestamp, else the entry's time (Go's `JobHistory.Occurred`). */
export function occurred(h: JobHistory): Date {
  return new Date(parseGoTime(h.Event.Timestamp) ?? parseGoTime(h.Time) ?? 0);
}

/** True when the entry reports a failure. */
export function isErrorEvent(h: JobHistory): boolean {
  return h.Event.Details?.[EventDetail.IsError] === 'true';
}

/** Wraps each line at spaces once it reaches `width`, keeping explicit line breaks (Go's `WrapSoftPreserveNewlines`). */
export function wrapPreservingNewlines(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      let out = '';
      let length = 0;
      for (const ch of line) {
        out += ch;
        length++;
        if (length >= width && /\s/.test(ch)) {
          out += '\n';
          length = 0;
        }
      }
      return out;
    })
    .join('\n');
}

export interface HistoryColumns {
  timeOnly: Column<JobHistory>;
  dateTime: Column<JobHistory>;
  level: Column<JobHistory>;
  jobVersion: Column<JobHistory>;
  execID: Column<JobHistory>;
  topic: Column<JobHistory>;
  event: Column<JobHistory>;
}

export function historyColumns(s: Styles): HistoryColumns {
  return {
    timeOnly: { name: 'Time', maxWidth: 12, overflow: 'truncate', value: (h) => timeOnlyMilli(occurred(h)) },
    dateTime: { name: 'Time', maxWidth: 20, value: (h) => dateTime(occurred(h)) },
    level: { name: 'Level', maxWidth: 15, value: (h) => h.Type },
    jobVersion: { name: 'Job Version', maxWidth: 11, value: (h) => String(h.JobVersion) },
    execID: {
      name: 'Exec. ID',
      maxWidth: ShortIDWidth,
      overflow: (id) => shortUUID(id),
      value: (h) => h.ExecutionID ?? '',
    },
    topic: { name: 'Topic', maxWidth: 15, value: (h) => h.Event.Topic },
    event: {
      name: 'Event',
      maxWidth: 90,
      overflow: wrapPreservingNewlines,
      value: (h) => {
        let text = h.Event.Message;
        if (isErrorEvent(h)) text = s.bold(s.red('Error: ')) + text;
        const hint = h.Event.Details?.[EventDetail.Hint] ?? '';
        if (hint !== '') text += `\n${s.bold(s.green('Hint: '))}${hint}`;
        return text;
      },
    },
  };
}

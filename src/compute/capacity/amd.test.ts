import { describe, expect, it } from 'vitest';
import { parseRocmSmiOutput } from './amd.js';
import { rocmSample } from './testing.js';

const mi210 = (Index: number, Memory: number, PCIAddress = '') => ({
  Index,
  Name: 'Instinct MI210',
  Vendor: 'AMD/ATI',
  Memory,
  PCIAddress,
});

describe('parseRocmSmiOutput', () => {
  it("parses Go's sample: card number as index, VRAM in MiB, PCI address in lower case", () => {
    expect(parseRocmSmiOutput(rocmSample)).toEqual([mi210(0, 65520, '0000:e7:00.0')]);
  });

  it('lists cards by number, skips entries that are not cards, and keeps gaps in numbering', () => {
    const card = (bytes: number) => ({
      'VRAM Total Memory (B)': String(bytes),
      'Card series': 'Instinct MI210',
    });
    const output = JSON.stringify({
      card2: card(8190 * 2 ** 21),
      system: { 'Driver version': '6.7' },
      cards: { 'Card series': 'not a card' },
      card1: card(0),
    });
    expect(parseRocmSmiOutput(output)).toEqual([mi210(1, 0), mi210(2, 16380)]);
  });

  it('refuses output without a card object or with a card whose VRAM is not a number', () => {
    expect(() => parseRocmSmiOutput('WARNING: No AMD GPUs specified')).toThrow();
    expect(() => parseRocmSmiOutput('{"card0": {"Card series": "X"}}')).toThrow(
      'strconv.ParseUint: parsing "": invalid syntax',
    );
  });
});

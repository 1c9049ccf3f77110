// duration: milliseconds in words, for messages people read ("30 minutes").
const UNITS: [number, string][] = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

export function describeDuration(ms: number): string {
  for (const [size, name] of UNITS) {
    if (ms >= size) {
      const count = Math.round(ms / size);
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return 'a moment';
}

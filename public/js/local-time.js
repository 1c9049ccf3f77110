// Local time: every <time datetime="..."> of the page, written in UTC by the
// server (which does not know the reader's time zone), rewritten in the
// browser's own time zone and language. The UTC text stays as the tooltip;
// without this script (or JavaScript) the page still reads, in UTC.
const format = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

for (const time of document.querySelectorAll('time[datetime]')) {
  const date = new Date(time.dateTime);
  // a datetime that is not a full date and time (or none at all) stays as written
  if (Number.isNaN(date.getTime())) continue;
  time.title = time.textContent ?? '';
  time.textContent = format.format(date);
}

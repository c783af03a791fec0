/*
 * How the cell writes times, durations and sentences: the browser's Intl
 * formats, in the page's language (<html lang>), so that no date or number
 * format needs translating.
 */

function pageLanguage() {
  const language = document.documentElement.lang || undefined;
  try {
    Intl.DateTimeFormat.supportedLocalesOf(language || []);
    return language;
  } catch (error) {
    // An invalid lang attribute: the browser's own language.
    return undefined;
  }
}

function pad(number) {
  return number < 10 ? '0' + number : String(number);
}

/* 95000 → "01:35", 3725000 → "1:02:05". */
export function formatDuration(milliseconds) {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const hours = Math.floor(seconds / 3600);
  const rest = pad(Math.floor((seconds % 3600) / 60)) + ':' + pad(seconds % 60);
  return hours ? hours + ':' + rest : rest;
}

/*
 * A call's duration as a <time> element in the page's language, with its
 * short units ("2 min et 5 s" in French, which writes a space before the
 * unit), "02:05" in a browser without Intl.DurationFormat.
 */
export function durationElement(seconds, className) {
  const element = document.createElement('time');
  element.className = className;
  element.dateTime = 'PT' + seconds + 'S';
  const parts = {hours: Math.floor(seconds / 3600), minutes: Math.floor((seconds % 3600) / 60), seconds: seconds % 60};
  try {
    const options = seconds ? {style: 'short'} : {style: 'short', secondsDisplay: 'always'};
    element.textContent = new Intl.DurationFormat(pageLanguage(), options).format(parts);
  } catch (error) {
    element.textContent = formatDuration(seconds * 1000);
  }
  return element;
}

function dayNumber(date) {
  // Local calendar days; rounding absorbs daylight saving changes.
  return Math.round(new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() / 86400000);
}

/* When a call started: "11:57" today, "hier 11:57", "lun. 30/11 11:57" before (in French). */
export function formatWhen(date, now) {
  const language = pageLanguage();
  const time = new Intl.DateTimeFormat(language, {hour: '2-digit', minute: '2-digit'}).format(date);
  const days = dayNumber(now) - dayNumber(date);
  if (days === 0) {
    return time;
  }
  if (days === 1) {
    return new Intl.RelativeTimeFormat(language, {numeric: 'auto'}).format(-1, 'day') + ' ' + time;
  }
  const format = {weekday: 'short', day: '2-digit', month: '2-digit'};
  if (date.getFullYear() !== now.getFullYear()) {
    format.year = 'numeric';
  }
  return new Intl.DateTimeFormat(language, format).format(date) + ' ' + time;
}

/*
 * Fill element with a translated sentence whose {caller} and {extension}
 * slots get isolated (<bdi>) text nodes from `slots`.
 */
export function fillSentence(element, sentence, slots) {
  element.textContent = '';
  sentence.split(/\{(caller|extension)\}/).forEach((part, index) => {
    // split() with a capture group: odd indexes are slot names.
    if (index % 2) {
      const isolate = document.createElement('bdi');
      isolate.textContent = slots[part] === undefined || slots[part] === null ? '' : String(slots[part]);
      element.append(isolate);
    } else if (part) {
      element.append(part);
    }
  });
}

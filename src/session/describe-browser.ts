// describe browser: "Chrome 156 on Linux" from a User-Agent header, so people
// can tell their sessions apart. Only a label: User-Agent is easy to fake.
// And anyone can send one: only names Bowser knows, and a version of digits,
// reach a page or a mail, so that a failed login cannot write "URGENT: verify
// at https://evil.example" into its victim's activity page or an alert.
import Bowser from 'bowser';

const KNOWN_BROWSERS = new Set<string>(Object.values(Bowser.BROWSER_MAP));
const KNOWN_SYSTEMS = new Set<string>(Object.values(Bowser.OS_MAP));

export function describeBrowser(userAgent: string): string {
  if (!userAgent) return 'Unknown browser';
  const { browser, os } = Bowser.parse(userAgent);
  const major = browser.version?.split('.')[0];
  const version = major && /^\d{1,6}$/.test(major) ? ` ${major}` : '';
  const name = browser.name && KNOWN_BROWSERS.has(browser.name) ? `${browser.name}${version}` : 'Unknown browser';
  return os.name && KNOWN_SYSTEMS.has(os.name) ? `${name} on ${os.name}` : name;
}

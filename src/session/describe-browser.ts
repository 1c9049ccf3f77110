// describe browser: "Chrome 156 on Linux" from a User-Agent header, so people
// can tell their sessions apart. Only a label: User-Agent is easy to fake.
import Bowser from 'bowser';

export function describeBrowser(userAgent: string): string {
  if (!userAgent) return 'Unknown browser';
  const { browser, os } = Bowser.parse(userAgent);
  const name = browser.name ? `${browser.name}${browser.version ? ` ${browser.version.split('.')[0]}` : ''}` : 'Unknown browser';
  return os.name ? `${name} on ${os.name}` : name;
}

// common passwords: NIST SP 800-63B asks to refuse passwords that appear in
// lists of commonly used or breached ones. The list (about 49,000 entries)
// comes from zxcvbn-ts, a maintained package, not from a hand-typed file.
import { dictionary } from '@zxcvbn-ts/language-common';

let common: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  // built on first use, then kept: a Set lookup costs nothing per request
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common.has(password.normalize('NFKC').toLowerCase());
}

export function commonPasswordCount(): number {
  return dictionary['passwords-common'].length;
}

/**
 * Makes untrusted text (comments, tracker URLs, names from a torrent) safe to print on a
 * terminal: line breaks and tabs become spaces, other control characters and bidirectional
 * overrides (which can disguise text or drive the terminal via escape sequences) become `?`.
 */
export function terminalText(s: string): string {
  return s.replace(/[\r\n\t]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}

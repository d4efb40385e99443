import type { WindowsError } from './types.js';

/**
 * Failure reports of the tools, turned into data. Formats (windows-facts.md §3.4, §8, §10, §16):
 * - TS tools: `Error [5]:Access is denied.` (after `Could not …, Error code 5` or
 *   `Error opening Terminal server X`), and `Error 0x00000005 enumerating sessionnames`;
 * - net.exe Win32: `System error 5 has occurred.`, blank line, `Access is denied.`;
 * - net.exe NERR: `<text>`, blank line, `More help is available by typing NET HELPMSG 2312.`;
 * - openfiles: `ERROR: Logged-on user does not have administrative privilege.`;
 * - PowerShell error records (`… + CategoryInfo … FullyQualifiedErrorId …`).
 * "No User exists" wrapped in an error record is not an error: callers check for it first.
 * The words around the numbers are localised, so the shapes matter more than the words.
 */

const BRACKETED = /\[(\d{1,10})\]\s?:\s*(.*)$/;
const HEX_OR_NUMBER =
  /\b(?:error|fehler|erreur|errore|fout|erro|ошибка|błąd)\s+(0x[0-9a-f]{1,8}|\d{1,10})\b/i;
const HELPMSG = /NET HELPMSG (\d{1,10})/;
const SYSTEM_ERROR =
  /(?:system error|systemfehler|erreur système|error de sistema|error del sistema|errore di sistema|systeemfout|erro de sistema|erro do sistema|системная ошибка|błąd systemu|błąd systemowy|システム エラー|系统错误|系統錯誤)\D{0,12}?(\d{1,10})/i;
const TOOL_PREFIX =
  /^(?:ERROR|FEHLER|ERREUR|ERRORE|FOUT|ERRO|ОШИБКА|BŁĄD|エラー|错误|錯誤)\s?:\s*(.+)$/;

function parseCode(text: string): number | null {
  const value =
    text.startsWith('0x') || text.startsWith('0X') ? Number.parseInt(text, 16) : Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

function nonBlank(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.length > 0) out.push(trimmed);
  }
  return out;
}

/** The first line that reads as a PowerShell-wrapped native error (`quser : No User …`). */
function unwrapNativeError(line: string): string {
  const match = /^[\w.-]+(?:\.exe)? : (.+)$/.exec(line);
  return match?.[1] ?? line;
}

/** Failures that carry no number: a rejected command line, an unanswerable net.exe prompt. */
const UNNUMBERED: readonly string[] = [
  'invalid parameter(s)',
  'ungültige(r) parameter',
  'paramètre(s) non valide(s)',
  'parámetro(s) no válido(s)',
  'parametri non validi',
  'ongeldige parameter(s)',
  'parâmetro(s) inválido(s)',
  'недопустимые параметры',
  'nieprawidłowe parametry',
  'パラメーターが無効です',
  '参数无效',
  'no valid response was provided',
];

/** The error a tool reported, or `null` when the text is no error report. */
export function findWindowsError(lines: readonly string[]): WindowsError | null {
  const text = nonBlank(lines);
  if (text.length === 0) return null;
  for (const line of text) {
    const bracketed = BRACKETED.exec(line);
    if (bracketed) {
      const [, code = '', message = ''] = bracketed;
      return { code: parseCode(code), message: message.trim() || line };
    }
  }
  if (
    text.some(
      (line) => line.startsWith('+ CategoryInfo') || line.startsWith('+ FullyQualifiedErrorId')
    )
  ) {
    // PowerShell error record: the message is the first line, the Win32 code (if any) is in the
    // FullyQualifiedErrorId (`Windows System Error 5,Get-SmbOpenFile`).
    const id = text.find((line) => line.startsWith('+ FullyQualifiedErrorId')) ?? '';
    const code = /Error (\d{1,10})\b/.exec(id)?.[1];
    return {
      code: code === undefined ? null : parseCode(code),
      message: unwrapNativeError(text[0] ?? ''),
    };
  }
  for (let i = 0; i < text.length; i++) {
    const line = text[i] ?? '';
    const help = HELPMSG.exec(line);
    if (help) {
      const message = i > 0 ? (text[i - 1] ?? line) : line;
      return { code: parseCode(help[1] ?? ''), message };
    }
    const system = SYSTEM_ERROR.exec(line);
    if (system) {
      const next = text[i + 1];
      return { code: parseCode(system[1] ?? ''), message: next ?? line };
    }
  }
  const first = unwrapNativeError(text[0] ?? '');
  const unnumbered = text.find((line) => {
    const lower = line.toLowerCase();
    return UNNUMBERED.some((phrase) => lower.startsWith(phrase));
  });
  if (unnumbered) return { code: null, message: unnumbered };
  const tool = TOOL_PREFIX.exec(first);
  if (tool) return { code: null, message: (tool[1] ?? first).trim() };
  const numbered = HEX_OR_NUMBER.exec(first);
  if (numbered) return { code: parseCode(numbered[1] ?? ''), message: first };
  return null;
}

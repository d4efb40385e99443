import type { SessionState } from './types.js';

/**
 * The words Windows prints in its localised console tools. Columns are found from positions and
 * data shapes, so these tables are needed only to read state words, "no idle time" words, the
 * "nobody is logged on" message and to tell a `quser` header from a `qwinsta` one.
 *
 * Words seen in public captures (windows-facts.md, peers.md): en, de (`Aktiv`, `Getr.`, `Verb.`,
 * `Kein`/`keine`), fr (`Actif`, `Déco`, `aucun`), es (`Activo`, `Desc`, `ninguno`), ru
 * (`Активно`, `Диск`, `отсутствует`), zh (`运行中`, `无`). The other languages' words are the
 * Windows translations as printed by their MUI resources.
 */

function normaliseWord(word: string): string {
  const lower = word.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

const STATE_WORDS: Record<SessionState, readonly string[]> = {
  active: [
    'active',
    'aktiv',
    'actif',
    'activo',
    'activa',
    'attivo',
    'actief',
    'ativo',
    'ativa',
    'активно',
    'активен',
    'aktywny',
    'aktywne',
    'アクティブ',
    '运行中',
    '作用中',
    '使用中',
  ],
  connected: [
    'conn',
    'connq',
    'connected',
    'verb',
    'verbunden',
    'conex',
    'conect',
    'verbonden',
    'подкл',
    'połącz',
    'połączony',
    '接続',
    '已连接',
    '已連線',
  ],
  shadow: ['shadow', 'schatten', 'ombre', 'sombra', 'ombra', 'тень', 'cień', 'シャドウ', '影子'],
  disconnected: [
    'disc',
    'getr',
    'getrennt',
    'déco',
    'deco',
    'desc',
    'disco',
    'discon',
    'verbr',
    'verbroken',
    'диск',
    'откл',
    'rozł',
    'rozłączony',
    '切断',
    '断开',
    '已断开',
    '中斷',
  ],
  idle: [
    'idle',
    'leerlauf',
    'inactif',
    'inactivo',
    'inattivo',
    'inactief',
    'ocioso',
    'простой',
    'bezczynny',
    'アイドル',
    '空闲',
    '閒置',
  ],
  listen: [
    'listen',
    'abhör',
    'abhören',
    'abhoeren',
    'écouter',
    'ecouter',
    'escuchar',
    'ascolto',
    'luisteren',
    'escutar',
    'ожидание',
    'прослуш',
    'nasłuch',
    '待ち受け',
    'リッスン',
    '侦听',
    '接聽',
  ],
  reset: [
    'reset',
    'zurücksetzen',
    'réinit',
    'restablecer',
    'ripristina',
    'opnieuw',
    'redefinir',
    'сброс',
    'resetuj',
    'リセット',
    '重置',
  ],
  down: [
    'down',
    'inaktiv',
    'arrêt',
    'inactiva',
    'inattiva',
    'uitgeschakeld',
    'inativo',
    'отключено',
    'wyłączony',
    'ダウン',
    '关闭',
  ],
  init: [
    'init',
    'initialisieren',
    'initialiser',
    'iniciar',
    'inizializza',
    'initialiseren',
    'inicializar',
    'инициализ',
    'inicjuj',
    '初期化',
    '初始化',
  ],
};

const STATE_BY_WORD: ReadonlyMap<string, SessionState> = new Map(
  (Object.entries(STATE_WORDS) as [SessionState, readonly string[]][]).flatMap(([state, words]) =>
    words.map((word) => [normaliseWord(word), state] as const)
  )
);

/** The words as printed (`Active`, `Getr.`), so the common case needs no case folding. */
const STATE_BY_PRINTED: ReadonlyMap<string, SessionState> = new Map(
  [...STATE_BY_WORD].flatMap(([word, state]) => {
    const printed = `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
    return [
      [printed, state],
      [`${printed}.`, state],
    ] as const;
  })
);

/** The normalised state for a printed state word (any supported language), else `null`. */
export function stateFromWord(word: string): SessionState | null {
  return STATE_BY_PRINTED.get(word) ?? STATE_BY_WORD.get(normaliseWord(word)) ?? null;
}

/** States printed as several words, keyed by their first word (Italian listen: `Rimani in ascolto`). */
const STATE_PHRASES: ReadonlyMap<
  string,
  readonly { words: readonly string[]; state: SessionState }[]
> = new Map([['rimani', [{ words: ['rimani', 'in', 'ascolto'], state: 'listen' }]]]);

/** A state printed as several words starting at `words[0]`, with how many words it takes. */
export function statePhrase(
  words: readonly string[]
): { state: SessionState; length: number } | null {
  const first = words[0];
  const candidates = first === undefined ? undefined : STATE_PHRASES.get(first.toLowerCase());
  if (!candidates) return null;
  for (const candidate of candidates) {
    if (candidate.words.every((word, i) => words[i]?.toLowerCase() === word)) {
      return { state: candidate.state, length: candidate.words.length };
    }
  }
  return null;
}

const NONE_WORDS: ReadonlySet<string> = new Set(
  [
    'none',
    'kein',
    'keine',
    'aucun',
    'aucune',
    'ninguno',
    'ninguna',
    'nessuno',
    'geen',
    'nenhum',
    'nenhuma',
    'отсутствует',
    'нет',
    'brak',
    'なし',
    '无',
    '無',
  ].map(normaliseWord)
);

/** Whether an IDLE TIME value is the localised word for "no idle time". */
export function isNoneWord(word: string): boolean {
  return NONE_WORDS.has(normaliseWord(word));
}

/** `quser` writes this (translated) to stderr when nobody is logged on; it is an empty list. */
const NO_USER_PHRASES: readonly string[] = [
  'no user exists for',
  'kein benutzer vorhanden',
  'es ist kein benutzer',
  "aucun utilisateur n'existe",
  'aucun utilisateur pour',
  'no existe ningún usuario',
  'no hay ningún usuario',
  'nessun utente per',
  'nessun utente esistente',
  'er bestaat geen gebruiker',
  'geen gebruiker voor',
  'não existe nenhum usuário',
  'nenhum usuário existe',
  'пользователь не существует',
  'нет пользователя',
  'нет пользователей',
  'brak użytkownika',
  'nie istnieje użytkownik',
  'ユーザーが存在しません',
  'のユーザーは存在しません',
  '不存在用户',
  '没有用户',
  '使用者不存在',
];

export function isNoUserMessage(line: string): boolean {
  const lower = line.toLowerCase();
  return NO_USER_PHRASES.some((phrase) => lower.includes(phrase));
}

/** `net session` / `net file` with nothing to list. */
const NO_ENTRIES_PHRASES: readonly string[] = [
  'there are no entries in the list',
  'es sind keine einträge in der liste',
  "il n'y a pas d'entrées dans la liste",
  'aucune entrée dans la liste',
  'no hay entradas en la lista',
  "non vi sono voci nell'elenco",
  'nessuna voce nell',
  'er zijn geen vermeldingen in de lijst',
  'er zijn geen items in de lijst',
  'não há entradas na lista',
  'список пуст',
  'в списке нет элементов',
  'brak wpisów na liście',
  '一覧にエントリがありません',
  '列表是空的',
  '清單是空的',
];

export function isNoEntriesMessage(line: string): boolean {
  const lower = line.toLowerCase();
  return NO_ENTRIES_PHRASES.some((phrase) => lower.includes(phrase));
}

/** net.exe's closing line after a command with no list to print (e.g. `net session \\c /delete`). */
const COMPLETED_PHRASES: readonly string[] = [
  'the command completed successfully',
  'der befehl wurde erfolgreich ausgeführt',
  "la commande s'est terminée correctement",
  'se ha completado el comando correctamente',
  'esecuzione comando riuscita',
  'de opdracht is voltooid',
  'comando concluído com êxito',
  'команда выполнена успешно',
  'polecenie zostało wykonane pomyślnie',
  'コマンドは正常に終了しました',
  '命令成功完成',
];

export function isCompletedMessage(line: string): boolean {
  const lower = line.toLowerCase();
  return COMPLETED_PHRASES.some((phrase) => lower.includes(phrase));
}

/** First header label of `quser` (the user column), by language. */
const QUSER_FIRST_LABELS: ReadonlySet<string> = new Set(
  [
    'USERNAME',
    'BENUTZERNAME',
    'UTILISATEUR',
    "NOM D'UTILISATEUR",
    'NOMBRE USUARIO',
    'NOMBRE DE USUARIO',
    'NOME UTENTE',
    'GEBRUIKERSNAAM',
    'NOME DE USUÁRIO',
    'NOME DO UTILIZADOR',
    'ПОЛЬЗОВАТЕЛЬ',
    'NAZWA UŻYTKOWNIKA',
    'ユーザー名',
    '用户名',
    '使用者名稱',
  ].map((label) => label.toUpperCase())
);

/** First header label of `query session` / `qwinsta` (the session column), by language. */
const QWINSTA_FIRST_LABELS: ReadonlySet<string> = new Set(
  [
    'SESSIONNAME',
    'SITZUNGSNAME',
    'SESSION',
    'NOM DE SESSION',
    'NOMBRE SESIÓN',
    'NOMBRE DE SESIÓN',
    'NOME SESSIONE',
    'SESSIENAAM',
    'NOME DA SESSÃO',
    'СЕАНС',
    'NAZWA SESJI',
    'セッション名',
    '会话名',
    '工作階段名稱',
  ].map((label) => label.toUpperCase())
);

export type SessionTableKind = 'quser' | 'qwinsta';

/** Which table a header belongs to, judged by its first label; `null` when the language is unknown. */
export function sessionTableOfLabel(firstLabel: string): SessionTableKind | null {
  const upper = firstLabel.toUpperCase();
  if (QUSER_FIRST_LABELS.has(upper)) return 'quser';
  if (QWINSTA_FIRST_LABELS.has(upper)) return 'qwinsta';
  return null;
}

/** AM/PM designators as .NET cultures print them (`tt`), lower-cased, without dots. */
const PM_WORDS: ReadonlySet<string> = new Set([
  'pm',
  'p',
  'nachm',
  'ip',
  'пп',
  '午後',
  '下午',
  '오후',
]);
const AM_WORDS: ReadonlySet<string> = new Set([
  'am',
  'a',
  'vorm',
  'ap',
  'дп',
  '午前',
  '上午',
  '오전',
]);

/** `am`, `pm` or `null` for a time designator (`PM`, `p.m.`, `午後` …). */
export function meridiemOf(word: string): 'am' | 'pm' | null {
  // The en-US spelling first: it is what most hosts print, and needs no case folding.
  if (word === 'PM') return 'pm';
  if (word === 'AM') return 'am';
  const key = word.toLowerCase().replaceAll('.', '');
  if (PM_WORDS.has(key)) return 'pm';
  if (AM_WORDS.has(key)) return 'am';
  return null;
}

/**
 * .NET default ShortDatePattern per culture, used only when the host did not report its own
 * (a user can customise it, which is why the Command document reports the real one).
 */
const DEFAULT_SHORT_DATE_PATTERNS: Readonly<Record<string, string>> = {
  'en-us': 'M/d/yyyy',
  'en-gb': 'dd/MM/yyyy',
  'en-au': 'd/MM/yyyy',
  'en-ca': 'yyyy-MM-dd',
  'de-de': 'dd.MM.yyyy',
  'de-at': 'dd.MM.yyyy',
  'de-ch': 'dd.MM.yyyy',
  'fr-fr': 'dd/MM/yyyy',
  'fr-ca': 'yyyy-MM-dd',
  'fr-be': 'dd-MM-yy',
  'es-es': 'dd/MM/yyyy',
  'es-mx': 'dd/MM/yyyy',
  'it-it': 'dd/MM/yyyy',
  'nl-nl': 'd-M-yyyy',
  'nl-be': 'd/MM/yyyy',
  'pt-br': 'dd/MM/yyyy',
  'pt-pt': 'dd/MM/yyyy',
  'ru-ru': 'dd.MM.yyyy',
  'pl-pl': 'dd.MM.yyyy',
  'ja-jp': 'yyyy/MM/dd',
  'zh-cn': 'yyyy/M/d',
  'zh-tw': 'yyyy/M/d',
};

/** The culture's default ShortDatePattern, or `undefined` for a culture not in the table. */
export function defaultShortDatePattern(culture: string): string | undefined {
  return DEFAULT_SHORT_DATE_PATTERNS[culture.toLowerCase()];
}

/**
 * How a host of each culture prints `quser` and the TS tools' errors.
 *
 * Sources (windows-facts.md): en-US layout, state words and idle forms from §3.3 captures; de-DE
 * header, `Aktiv` and `Kein` from captures (`Getr.` from §2.2); fr-FR header, `Actif` and `aucun`
 * from a capture whose idle column ends one further right (idle at 63, LOGON at 66), `Déco` from the
 * parser brief; es-ES header words, `Activo`/`Desc`/`ninguno` from peers.md §2.5. The ru-RU and
 * ja-JP headers and words, and every localized error line, have no citable capture: they are
 * plausible renderings, kept in this one table so that a real capture corrects them in one place.
 * Japanese labels are placed by display width (a full-width character takes two columns), as the
 * zh-CN capture of §2.2 shows.
 */

export interface QuserLayout {
  /** [start column, label] pairs of the header line. */
  header: readonly (readonly [number, string])[];
  /** Last column of the right-aligned IDLE TIME value. */
  idleEnd: number;
  /** First column of LOGON TIME. */
  logonStart: number;
}

export interface HostLocale {
  culture: string;
  shortDatePattern: string;
  shortTimePattern: string;
  amDesignator: string;
  pmDesignator: string;
  /** A plausible UTC offset for a host of this culture in November (no DST modelled). */
  utcOffsetMinutes: number;
  quser: QuserLayout;
  states: { active: string; disconnected: string };
  /** Printed as IDLE TIME where the session has no input timer (the console). */
  idleNone: string;
  noUserExists(target: string): string;
  /** `Error [5]:Access is denied.` in the host's language. */
  accessDeniedLine: string;
  /** First line of a TS tool failure (`logoff`, `tsdiscon`). */
  couldNot(action: 'logoff' | 'disconnect', sessionId: number, sessionName: string | null): string;
}

const EN_LAYOUT_COLUMNS = { user: 1, session: 23, id: 42, state: 46, idle: 54, logon: 65 } as const;

function header(labels: readonly [string, string, string, string, string, string], logon = 65) {
  const c = EN_LAYOUT_COLUMNS;
  return [
    [c.user, labels[0]],
    [c.session, labels[1]],
    [c.id, labels[2]],
    [c.state, labels[3]],
    [c.idle, labels[4]],
    [logon, labels[5]],
  ] as const;
}

function fromSession(sessionName: string | null, word: string): string {
  return sessionName ? ` ${word} ${sessionName}` : '';
}

export const HOST_LOCALES = {
  'en-US': {
    culture: 'en-US',
    shortDatePattern: 'M/d/yyyy',
    shortTimePattern: 'h:mm tt',
    amDesignator: 'AM',
    pmDesignator: 'PM',
    utcOffsetMinutes: -300,
    quser: {
      header: header(['USERNAME', 'SESSIONNAME', 'ID', 'STATE', 'IDLE TIME', 'LOGON TIME']),
      idleEnd: 62,
      logonStart: 65,
    },
    states: { active: 'Active', disconnected: 'Disc' },
    idleNone: 'none',
    noUserExists: (target) => `No User exists for ${target}`,
    accessDeniedLine: 'Error [5]:Access is denied.',
    couldNot: (action, id, name) =>
      `Could not ${action} session ID ${id}${fromSession(name, 'from session')}, Error code 5`,
  },
  'de-DE': {
    culture: 'de-DE',
    shortDatePattern: 'dd.MM.yyyy',
    shortTimePattern: 'HH:mm',
    amDesignator: '',
    pmDesignator: '',
    utcOffsetMinutes: 60,
    quser: {
      header: header(['BENUTZERNAME', 'SITZUNGSNAME', 'ID', 'STATUS', 'LEERLAUF', 'ANMELDEZEIT']),
      idleEnd: 62,
      logonStart: 65,
    },
    states: { active: 'Aktiv', disconnected: 'Getr.' },
    idleNone: 'Kein',
    noUserExists: (target) => `Kein Benutzer vorhanden für ${target}`,
    accessDeniedLine: 'Fehler [5]:Zugriff verweigert',
    couldNot: (action, id, name) =>
      `Sitzungs-ID ${id}${fromSession(name, 'von Sitzung')} konnte nicht ${
        action === 'logoff' ? 'abgemeldet' : 'getrennt'
      } werden, Fehlercode 5`,
  },
  'fr-FR': {
    culture: 'fr-FR',
    shortDatePattern: 'dd/MM/yyyy',
    shortTimePattern: 'HH:mm',
    amDesignator: '',
    pmDesignator: '',
    utcOffsetMinutes: 60,
    quser: {
      header: header(['UTILISATEUR', 'SESSION', 'ID', 'ÉTAT', 'TEMPS INACT', 'TEMPS SESSION'], 66),
      idleEnd: 63,
      logonStart: 66,
    },
    states: { active: 'Actif', disconnected: 'Déco' },
    idleNone: 'aucun',
    noUserExists: (target) => `Aucun utilisateur n'existe pour ${target}`,
    accessDeniedLine: 'Erreur [5]:Accès refusé.',
    couldNot: (action, id, name) =>
      `Impossible ${action === 'logoff' ? 'de fermer' : 'de déconnecter'} la session ID ${id}${fromSession(
        name,
        'de la session'
      )}, code d'erreur 5`,
  },
  'es-ES': {
    culture: 'es-ES',
    shortDatePattern: 'dd/MM/yyyy',
    shortTimePattern: 'H:mm',
    amDesignator: '',
    pmDesignator: '',
    utcOffsetMinutes: 60,
    quser: {
      header: header([
        'NOMBRE USUARIO',
        'NOMBRE SESIÓN',
        'ID.',
        'ESTADO',
        'TIEMPO IN.',
        'TIEMPO SESIÓN',
      ]),
      idleEnd: 62,
      logonStart: 65,
    },
    states: { active: 'Activo', disconnected: 'Desc' },
    idleNone: 'ninguno',
    noUserExists: (target) => `No existe ningún usuario para ${target}`,
    accessDeniedLine: 'Error [5]:Acceso denegado.',
    couldNot: (action, id, name) =>
      `No se pudo ${action === 'logoff' ? 'cerrar' : 'desconectar'} la sesión con Id. ${id}${fromSession(
        name,
        'de la sesión'
      )}, código de error 5`,
  },
  'ru-RU': {
    culture: 'ru-RU',
    shortDatePattern: 'dd.MM.yyyy',
    shortTimePattern: 'H:mm',
    amDesignator: '',
    pmDesignator: '',
    utcOffsetMinutes: 180,
    quser: {
      header: header(['ПОЛЬЗОВАТЕЛЬ', 'СЕАНС', 'ID', 'СТАТУС', 'БЕЗДЕЙСТВ.', 'ВРЕМЯ ВХОДА']),
      idleEnd: 62,
      logonStart: 65,
    },
    states: { active: 'Активно', disconnected: 'Диск' },
    idleNone: 'нет',
    noUserExists: (target) => `Нет пользователя для ${target}`,
    accessDeniedLine: 'Ошибка [5]:Отказано в доступе.',
    couldNot: (action, id, name) =>
      `Не удалось ${action === 'logoff' ? 'завершить' : 'отключить'} сеанс с ИД ${id}${fromSession(
        name,
        'из сеанса'
      )}, код ошибки 5`,
  },
  'ja-JP': {
    culture: 'ja-JP',
    shortDatePattern: 'yyyy/MM/dd',
    shortTimePattern: 'H:mm',
    amDesignator: '午前',
    pmDesignator: '午後',
    utcOffsetMinutes: 540,
    quser: {
      header: header(['ユーザー名', 'セッション名', 'ID', '状態', 'アイドル時間', 'ログオン時刻']),
      idleEnd: 62,
      logonStart: 65,
    },
    states: { active: 'アクティブ', disconnected: '切断' },
    idleNone: 'なし',
    noUserExists: (target) => `${target} のユーザーは存在しません`,
    accessDeniedLine: 'エラー [5]:アクセスが拒否されました。',
    couldNot: (action, id, name) =>
      `セッション ID ${id}${name ? ` (セッション ${name})` : ''} を${
        action === 'logoff' ? 'ログオフ' : '切断'
      }できませんでした。エラー コード 5`,
  },
} as const satisfies Record<string, HostLocale>;

export type HostCulture = keyof typeof HOST_LOCALES;
export const HOST_CULTURES = Object.keys(HOST_LOCALES) as HostCulture[];

export function hostLocale(culture: string): HostLocale {
  const locale = (HOST_LOCALES as Record<string, HostLocale>)[culture];
  if (!locale) throw new RangeError(`no simulated locale ${culture}`);
  return locale;
}

import { describe, expect, it } from 'vitest';
import { parseOpenfiles, readOpenfiles, splitCsvLine } from '../../../lib/windows/openfiles.js';

// The verbose header and first row are a real capture (windows-facts.md §10); others synthetic.

describe('splitCsvLine', () => {
  it('reads quoted fields with doubled quotes and commas inside', () => {
    expect(splitCsvLine('"a","b ""c"", d",""')).toEqual(['a', 'b "c", d', '']);
  });

  it('rejects lines that are not fully quoted CSV', () => {
    expect(splitCsvLine('"a",b')).toBeNull();
    expect(splitCsvLine('"a')).toBeNull();
    expect(splitCsvLine('"a",')).toBeNull();
  });
});

describe('parseOpenfiles', () => {
  it('reads verbose CSV after the INFO preamble', () => {
    const text = [
      '',
      "INFO: The system global flag 'maintain objects list' needs",
      '      to be enabled to see local opened files.',
      '',
      'Files opened remotely via local share points:',
      '---------------------------------------------',
      '',
      '"Hostname","ID","Accessed By","Type","#Locks","Open Mode","Open File (Path\\executable)"',
      '"ARCTIC","1342178304","johndoe","Windows","0","Read","E:\\desktop_gis\\"',
      '"ARCTIC","2013276160","jane","Windows","1","Write + Read","E:\\a, b.txt"',
    ].join('\r\n');
    expect(parseOpenfiles(text)).toEqual({
      rows: [
        {
          id: '1342178304',
          path: 'E:\\desktop_gis\\',
          userName: 'johndoe',
          openMode: 'Read',
          locks: 0,
        },
        {
          id: '2013276160',
          path: 'E:\\a, b.txt',
          userName: 'jane',
          openMode: 'Write + Read',
          locks: 1,
        },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads the four-column form without /v and without a header', () => {
    expect(parseOpenfiles('"1208065025","bob","Windows","D:\\x.txt"').rows).toEqual([
      { id: '1208065025', path: 'D:\\x.txt', userName: 'bob', openMode: null, locks: null },
    ]);
  });

  it('reads "no shared open files" as empty and a privilege error as an error', () => {
    expect(parseOpenfiles('INFO: No shared open files found.\r\n')).toEqual({
      rows: [],
      error: null,
      warnings: [],
    });
    expect(
      parseOpenfiles('ERROR: Logged-on user does not have administrative privilege.\r\n')
    ).toEqual({
      rows: [],
      error: { code: null, message: 'Logged-on user does not have administrative privilege.' },
      warnings: [],
    });
  });

  it('says other text is not openfiles output', () => {
    expect(readOpenfiles('ID  Path\n1   C:\\x')).toMatchObject({ kind: 'not-recognised' });
  });
});

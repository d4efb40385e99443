import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirInUseError extends Error {}

/**
 * One runtime per data directory: dynalite's LevelDB takes a single process, and a second one
 * would die deep inside it (`Database is closed`). The lock file holds the owner's pid; a lock
 * whose process is gone (killed, machine restarted) is taken over. Returns the release function.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, 'janitor.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => unlink(file).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new DataDirInUseError(
          `the data directory ${dir} is in use by another session-janitor (pid ${owner}): stop it, or pass --data-dir or --in-memory`
        );
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new DataDirInUseError(`cannot lock the data directory ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

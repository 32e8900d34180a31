/**
 * Reading a run directory through the Jupyter contents API, and noticing when it changes.
 *
 * Only the small part of ``Contents.IManager`` that is needed is declared here, so the loader
 * also runs on a directory on disk in the unit tests.
 */

import {
  BEST_SCHEDULE,
  IManifest,
  IRunData,
  ITaskRun,
  MANIFEST,
  ROUNDS,
  dirname,
  isModelRun,
  joinPath,
  parseManifest,
  parseRounds
} from './runlog';

export interface IContentsModelLike {
  name: string;
  path: string;
  type: string;
  last_modified: string;
  size?: number | null;
  content: any;
}

export interface IContentsLike {
  get(
    path: string,
    options?: { content?: boolean; type?: 'file' | 'directory'; format?: 'text' }
  ): Promise<IContentsModelLike>;
}

function isNotFound(err: unknown): boolean {
  const status = (err as { response?: { status?: number } })?.response?.status;
  if (status === 404) {
    return true;
  }
  const message = String((err as Error)?.message ?? err);
  return /not found|no such file|ENOENT|404/i.test(message);
}

/**
 * A cache of text files keyed by path: a file is re-read only when its modification time or
 * size changed, so polling a large round log costs one metadata request per file.
 */
export class FileCache {
  constructor(private contents: IContentsLike) {}

  /** The file's text (``null`` if it does not exist) and whether it changed since last read. */
  async read(path: string): Promise<{ text: string | null; changed: boolean }> {
    let stamp: string;
    try {
      const meta = await this.contents.get(path, { content: false });
      stamp = `${meta.last_modified}|${meta.size ?? ''}`;
    } catch (err) {
      if (!isNotFound(err)) {
        throw err;
      }
      stamp = 'missing';
    }
    const cached = this._entries.get(path);
    if (cached && cached.stamp === stamp) {
      return { text: cached.text, changed: false };
    }
    let text: string | null = null;
    if (stamp !== 'missing') {
      try {
        const model = await this.contents.get(path, {
          content: true,
          type: 'file',
          format: 'text'
        });
        text = typeof model.content === 'string' ? model.content : String(model.content ?? '');
      } catch (err) {
        if (!isNotFound(err)) {
          throw err;
        }
        stamp = 'missing';
      }
    }
    this._entries.set(path, { stamp, text });
    return { text, changed: true };
  }

  private _entries = new Map<string, { stamp: string; text: string | null }>();
}

/** The run directory of an opened file (``workbench.json`` or ``rounds.jsonl``, or the dir). */
export function runDirOf(path: string): string {
  const name = path.split('/').pop() ?? '';
  return name === MANIFEST || name === ROUNDS || name === BEST_SCHEDULE ? dirname(path) : path;
}

/**
 * Loads a run directory and tells, on every call of :meth:`load`, whether anything changed.
 */
export class RunLoader {
  constructor(
    contents: IContentsLike,
    readonly dir: string
  ) {
    this._files = new FileCache(contents);
  }

  /** Read (or re-read what changed) and return the run and whether it differs from last time. */
  async load(): Promise<{ data: IRunData; changed: boolean }> {
    const manifestFile = await this._files.read(joinPath(this.dir, MANIFEST));
    if (manifestFile.text === null) {
      throw new Error(`No ${MANIFEST} in "${this.dir || '/'}": not a tuning run directory`);
    }
    let changed = manifestFile.changed;
    if (changed || !this._manifest) {
      this._manifest = parseManifest(manifestFile.text);
    }
    const manifest = this._manifest;
    const own = await this._readTask(this.dir, false);
    changed = changed || own.changed;
    const tasks: IRunData['tasks'] = [];
    if (isModelRun(manifest)) {
      for (const entry of manifest.tasks ?? []) {
        const task = await this._readTask(joinPath(this.dir, String(entry.dir ?? '')), true);
        changed = changed || task.changed;
        tasks.push({ entry, run: task.run });
      }
    }
    return { data: { dir: this.dir, manifest, run: own.run, tasks }, changed };
  }

  private async _readTask(
    dir: string,
    withManifest: boolean
  ): Promise<{ run: ITaskRun; changed: boolean }> {
    const rounds = await this._files.read(joinPath(dir, ROUNDS));
    const best = await this._files.read(joinPath(dir, BEST_SCHEDULE));
    let changed = rounds.changed || best.changed;
    let manifest: IManifest | null = null;
    if (withManifest) {
      const file = await this._files.read(joinPath(dir, MANIFEST));
      changed = changed || file.changed;
      try {
        manifest = file.text === null ? null : parseManifest(file.text);
      } catch {
        manifest = null;
      }
    }
    return {
      run: {
        dir,
        manifest,
        rounds: rounds.text === null ? [] : parseRounds(rounds.text),
        bestSchedule: best.text
      },
      changed
    };
  }

  private _files: FileCache;
  private _manifest: IManifest | null = null;
}

export interface IFoundRun {
  /** Path of the run's ``workbench.json``. */
  path: string;
  /** Newest modification time (ms since epoch) of the run's manifest and round log. */
  modified: number;
}

/**
 * Find run manifests (``workbench.json``) below ``root``, breadth first, at most ``maxDepth``
 * directories deep and ``maxDirs`` directories in all. Hidden directories and
 * ``node_modules`` are not entered.
 */
export async function findRuns(
  contents: IContentsLike,
  root = '',
  maxDepth = 4,
  maxDirs = 400
): Promise<IFoundRun[]> {
  const found: IFoundRun[] = [];
  let level = [root];
  let visited = 0;
  for (let depth = 0; depth <= maxDepth && level.length; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (visited++ >= maxDirs) {
        return found;
      }
      let listing: IContentsModelLike;
      try {
        listing = await contents.get(dir, { content: true, type: 'directory' });
      } catch {
        continue;
      }
      const items = (listing.content ?? []) as IContentsModelLike[];
      const manifest = items.find(i => i.type !== 'directory' && i.name === MANIFEST);
      if (manifest) {
        const times = items
          .filter(i => i.name === MANIFEST || i.name === ROUNDS)
          .map(i => Date.parse(i.last_modified))
          .filter(t => Number.isFinite(t));
        found.push({ path: manifest.path, modified: Math.max(0, ...times) });
      }
      for (const item of items) {
        if (
          item.type === 'directory' &&
          !item.name.startsWith('.') &&
          item.name !== 'node_modules' &&
          item.name !== '__pycache__'
        ) {
          next.push(item.path);
        }
      }
    }
    level = next;
  }
  return found;
}

/**
 * The most recently modified run. A task run inside a model run (a manifest below another
 * run's directory) counts as part of that model run, which is what opens.
 */
export function mostRecentRun(found: IFoundRun[]): string | null {
  const dirs = new Set(found.map(f => dirname(f.path)));
  const outer = (path: string): string => {
    let dir = dirname(path);
    let top = path;
    while (dir) {
      dir = dirname(dir);
      if (dirs.has(dir) && dir !== '') {
        top = joinPath(dir, MANIFEST);
      }
    }
    return top;
  };
  const modified = new Map<string, number>();
  for (const f of found) {
    const top = outer(f.path);
    modified.set(top, Math.max(modified.get(top) ?? 0, f.modified));
  }
  let best: string | null = null;
  let bestTime = -Infinity;
  for (const [path, time] of modified) {
    if (time > bestTime) {
      best = path;
      bestTime = time;
    }
  }
  return best;
}

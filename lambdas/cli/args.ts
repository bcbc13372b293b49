/**
 * The command line's words: options parsed by Node's own `util.parseArgs` (maintained with Node,
 * no dependency), with every problem of a command line said at once and a "did you mean" for a
 * mistyped command or option (`fastest-levenshtein`); file-system errors named in words rather
 * than as `ENOENT`.
 */
import { stat } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';

/** Thrown for a bad command line (exit 2, with the usage). */
export class CliUsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose usage lines to show after the message, if known. */
  command?: string;
}

/** The closest of `choices` to `typed`, when it is near enough to be what was meant. */
export function didYouMean(typed: string, choices: readonly string[]): string | null {
  if (choices.length === 0 || typed.length === 0) return null;
  const best = closest(typed, choices as string[]);
  const d = distance(typed.toLowerCase(), best.toLowerCase());
  // One slip in a short name, two in a longer one (`strat` for `start`: two letters swapped);
  // or the start of a longer name (`--app` for `--approve-all`).
  const near = d <= (best.length <= 3 ? 1 : 2) || (typed.length >= 3 && best.startsWith(typed));
  return near ? best : null;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `args` against `options`. Every problem (unknown options, each with its closest known
 * one; a value missing or given where none is taken) is gathered into one `CliUsageError`.
 */
export function parseCli(args: string[], options: Options) {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  const known = Object.keys(options);
  const problems: string[] = [];
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const flag = t.rawName;
    const spec = options[t.name];
    if (!spec) {
      const near = didYouMean(t.name, known);
      problems.push(`unknown option ${flag}${near ? ` (did you mean --${near}?)` : known.length ? ` (known: ${known.map((k) => `--${k}`).join(', ')})` : ' (this command takes none)'}`);
      continue;
    }
    if (spec.type === 'string') {
      if (t.value === undefined) problems.push(`${flag} needs a value`);
      else if (!t.inlineValue && t.value.startsWith('--') && known.includes(t.value.slice(2).split('=')[0]!)) problems.push(`${flag} needs a value (got the option ${t.value})`);
    } else if (t.inlineValue) {
      problems.push(`${flag} takes no value (got ${flag}=${t.value})`);
    }
  }
  if (problems.length > 0) throw new CliUsageError(problems.join('\n'));
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

/** A file-system error in words, naming the path: `bills/x.xml: no such file`. */
export function fileProblem(path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EISDIR: 'is a folder, not a file',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EACCES: 'permission denied (not readable by you)',
    EPERM: 'permission denied',
    EMFILE: 'too many files open at once',
    ENAMETOOLONG: 'the name is too long',
    ELOOP: 'too many symbolic links',
  };
  return `${path}: ${(e.code && why[e.code]) || e.message}`;
}

/** Checks that `dir` is a folder; a usage error in words otherwise (a master-data DIR, a --home). */
export async function expectFolder(dir: string, what: string): Promise<void> {
  let s;
  try {
    s = await stat(dir);
  } catch (err) {
    throw new CliUsageError(`${what} ${fileProblem(dir, err).replace(': no such file or folder', ': no such folder')}`);
  }
  if (!s.isDirectory()) throw new CliUsageError(`${what} ${dir}: is a file, not a folder`);
}

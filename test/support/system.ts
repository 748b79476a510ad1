/**
 * Real programs the tests run against (tshark, coturn, ...): find them, and
 * install them with Debian's apt-get when they are missing.
 *
 * A test that needs one calls `ensureCommand` and FAILS with the reason when
 * the program cannot be had; it is never skipped, so a green run means the
 * check against the real program did happen.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** apt-get can take minutes on a cold cache (tshark pulls in libwireshark and friends). */
const APT_TIMEOUT_MS = 15 * 60_000;
/** Another test file (another vitest fork) may be installing at the same time: wait for dpkg's lock rather than fail. */
const LOCK_WAIT_SECONDS = 600;

const found = new Map<string, string>();
let updated = false;

/** The absolute path of `command` on PATH (plus the sbin directories root has), or undefined. */
export function findCommand(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The path of `command`; when it is missing, installs `debianPackage` with
 * apt-get (one `apt-get update` per process, then `apt-get install -y`), then
 * looks again.
 *
 * @throws Error saying what was tried and what apt-get answered, when the
 *   command is missing and cannot be installed (not root, no apt-get, no
 *   network, no such package).
 */
export function ensureCommand(command: string, debianPackage: string): string {
  const known = found.get(command) ?? findCommand(command);
  if (known !== undefined) {
    found.set(command, known);
    return known;
  }
  const cannot = (why: string) =>
    new Error(`\`${command}\` is not installed and could not be installed (Debian package ${debianPackage}): ${why}. Install it with: apt-get install -y ${debianPackage}`);
  if (process.platform !== 'linux') throw cannot(`automatic installation needs Debian's apt-get; this is ${process.platform}`);
  const apt = findCommand('apt-get');
  if (apt === undefined) throw cannot('apt-get was not found (not a Debian-based system?)');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw cannot('apt-get needs root and the tests do not run as root');

  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) => spawnSync(apt, ['-o', `DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS}`, ...args], { env, encoding: 'utf8', timeout: APT_TIMEOUT_MS });
  const failure = (what: string, r: ReturnType<typeof run>) =>
    r.error ? `${what} failed to run: ${r.error.message}` : `${what} exited with ${r.status ?? r.signal}: ${tail(r.stderr || r.stdout)}`;

  if (!updated) {
    const r = run(['update']);
    if (r.status !== 0) throw cannot(failure('apt-get update', r));
    updated = true;
  }
  const r = run(['install', '-y', '--no-install-recommends', debianPackage]);
  if (r.status !== 0) throw cannot(failure(`apt-get install ${debianPackage}`, r));
  const installed = findCommand(command);
  if (installed === undefined) throw cannot(`apt-get installed ${debianPackage}, but \`${command}\` is still not on PATH`);
  found.set(command, installed);
  return installed;
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

#!/usr/bin/env node
// Installs PowerShell (pwsh) and Pester into .tools/ for the host-script tests. Both come
// through dotnet's own NuGet client: no global install, nothing fetched at test time.
// Idempotent: a tool already at the pinned version is left alone.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// 7.7.0 fails to install here (see shared/research/dependency-spike.md); pin what works.
const PWSH_VERSION = '7.6.10';
const PESTER_VERSION = '5.7.1';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, '.tools');
const pwshDir = join(tools, 'pwsh');
const pwsh = join(pwshDir, process.platform === 'win32' ? 'pwsh.exe' : 'pwsh');
const pesterDir = join(tools, 'Modules', 'Pester', PESTER_VERSION);

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    ...options,
  });
}

function hasDotnet() {
  try {
    run('dotnet', ['--version']);
    return true;
  } catch {
    return false;
  }
}

function installedPwshVersion() {
  if (!existsSync(pwsh)) return null;
  try {
    return run(pwsh, [
      '-NoLogo',
      '-NoProfile',
      '-Command',
      '$PSVersionTable.PSVersion.ToString()',
    ]).trim();
  } catch {
    return null;
  }
}

if (!hasDotnet()) {
  console.error(
    'setup:pwsh: the .NET SDK (dotnet) is not on PATH; it is how pwsh and Pester are installed.'
  );
  process.exit(1);
}

mkdirSync(tools, { recursive: true });

if (installedPwshVersion() !== PWSH_VERSION) {
  rmSync(pwshDir, { recursive: true, force: true });
  run('dotnet', [
    'tool',
    'install',
    'PowerShell',
    '--version',
    PWSH_VERSION,
    '--tool-path',
    pwshDir,
  ]);
}

if (!existsSync(join(pesterDir, 'Pester.psd1'))) {
  // A PackageDownload item restores a package without a target framework to build for.
  const scratch = mkdtempSync(join(tmpdir(), 'sj-pester-'));
  try {
    writeFileSync(
      join(scratch, 'pester.csproj'),
      `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[${PESTER_VERSION}]" /></ItemGroup>
</Project>
`
    );
    const packages = join(scratch, 'packages');
    run('dotnet', ['restore', join(scratch, 'pester.csproj'), '--packages', packages]);
    rmSync(pesterDir, { recursive: true, force: true });
    mkdirSync(dirname(pesterDir), { recursive: true });
    cpSync(join(packages, 'pester', PESTER_VERSION, 'tools'), pesterDir, { recursive: true });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const pwshVersion = installedPwshVersion();
if (pwshVersion !== PWSH_VERSION) {
  console.error(`setup:pwsh: ${pwsh} reports version ${pwshVersion}, not ${PWSH_VERSION}.`);
  process.exit(1);
}
// What the host-script tests (test/host/host-script.test.ts) run: written last, so that its
// presence means both tools are in place.
writeFileSync(
  join(tools, 'host-tools.json'),
  `${JSON.stringify({ pwsh, pester: join(pesterDir, 'Pester.psd1') }, null, 2)}\n`
);
console.log(`setup:pwsh: pwsh ${pwshVersion} at ${pwsh}; Pester ${PESTER_VERSION} at ${pesterDir}`);

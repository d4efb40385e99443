# Runs the SessionJanitor-Operate document's REAL script (its runCommand lines, as the SSM agent
# writes them to a .ps1 file) inside this PowerShell process, with the Windows side replaced:
# - native tools: executable fakes named quser.exe, tsdiscon.exe, logoff.exe, msg.exe and net.exe in a
#   temporary Windows\System32 that $env:SystemRoot points at; each records its exact argv and
#   prints what the test chose (real captured output from test/fixtures/windows/);
# - the WTS API: test/host/SessionJanitorWts.cs, loaded before the script so that it skips Add-Type;
# - the SmbShare cmdlets, Get-/Remove-WSManInstance and Get-CimInstance: global stub functions with
#   the real parameter lists, which tests Mock.
# Dot-source it in BeforeAll.
Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:DocumentPath = Join-Path $RepoRoot 'cdk/document/session-janitor-operate.json'
$script:WindowsFixtures = Join-Path $RepoRoot 'test/fixtures/windows'
$script:FakeTools = @('quser.exe', 'tsdiscon.exe', 'logoff.exe', 'msg.exe', 'net.exe')

function Get-OperateDocument {
  return (Get-Content -LiteralPath $DocumentPath -Raw | ConvertFrom-Json)
}

function Get-OperateScriptText {
  # The agent writes the runCommand lines joined by line ends into the script file it runs.
  return (@((Get-OperateDocument).mainSteps[0].inputs.runCommand) -join "`n")
}

function Get-OperateParameterNames {
  return @((Get-OperateDocument).parameters.PSObject.Properties | ForEach-Object { $_.Name })
}

function Test-DocumentPattern([string]$Name, [string]$Value) {
  # The document's own allowedPattern for a parameter, applied the way SSM applies it (whole value).
  $pattern = (Get-OperateDocument).parameters.$Name.allowedPattern
  return [regex]::IsMatch($Value, $pattern)
}

if (-not ('SessionJanitorWts' -as [type])) {
  Add-Type -Path (Join-Path $PSScriptRoot 'SessionJanitorWts.cs') -CompilerOptions '-langversion:5'
}

# Windows PowerShell 5.1 builds one command line and quotes an argument only when it holds a space;
# .NET on Linux splits that line back into argv with the Windows (MSVCRT) rules. 'Legacy' is the
# 5.1 behaviour: an argument the script let through with a '"' would arrive split, as on Windows.
$global:PSNativeCommandArgumentPassing = 'Legacy'

# Stand-ins for the SmbShare CDXML cmdlets (absent on Linux): the parameter lists of
# windows-facts.md section 11.1, so that binding (types, names, -Force, common parameters) is real.
# Tests Mock them; unmocked, they fail loudly.
function global:Get-SmbSession {
  [CmdletBinding()]
  param(
    [Parameter(Position = 0)][uint64[]]$SessionId,
    [Parameter(Position = 1)][string[]]$ClientComputerName,
    [Parameter(Position = 2)][string[]]$ClientUserName,
    [Parameter(Position = 3)][string[]]$ScopeName,
    [Parameter(Position = 4)][string[]]$ClusterNodeName,
    [switch]$IncludeHidden
  )
  throw 'Get-SmbSession is not mocked in this test.'
}

function global:Close-SmbSession {
  [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
  param(
    [Parameter(Position = 0)][uint64[]]$SessionId,
    [string[]]$ClientComputerName,
    [string[]]$ClientUserName,
    [string[]]$ScopeName,
    [string[]]$ClusterNodeName,
    [switch]$Force,
    [switch]$PassThru
  )
  throw 'Close-SmbSession is not mocked in this test.'
}

function global:Get-SmbOpenFile {
  [CmdletBinding()]
  param(
    [Parameter(Position = 0)][uint64[]]$FileId,
    [Parameter(Position = 1)][uint64[]]$SessionId,
    [Parameter(Position = 2)][string[]]$ClientComputerName,
    [Parameter(Position = 3)][string[]]$ClientUserName,
    [Parameter(Position = 4)][string[]]$ScopeName,
    [Parameter(Position = 5)][string[]]$ClusterNodeName,
    [switch]$IncludeHidden
  )
  throw 'Get-SmbOpenFile is not mocked in this test.'
}

function global:Close-SmbOpenFile {
  [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
  param(
    [Parameter(Position = 0)][uint64[]]$FileId,
    [uint64[]]$SessionId,
    [string[]]$ClientComputerName,
    [string[]]$ClientUserName,
    [string[]]$ScopeName,
    [string[]]$ClusterNodeName,
    [switch]$Force,
    [switch]$PassThru
  )
  throw 'Close-SmbOpenFile is not mocked in this test.'
}

function New-SmbNotFoundError([string]$Class, [string]$Property, [string]$Value) {
  # The CDXML not-found error (windows-facts.md section 11.4): non-terminating, ObjectNotFound.
  $message = "No $Class objects found with property '$Property' equal to '$Value'.  Verify the value of the property and retry."
  return [Management.Automation.ErrorRecord]::new(
    [Management.Automation.ItemNotFoundException]::new($message),
    "CmdletizationQuery_NotFound_$Property",
    [Management.Automation.ErrorCategory]::ObjectNotFound,
    $Value)
}

function New-SmbSessionObject([uint64]$SessionId, [string]$Client, [string]$User, [uint64]$NumOpens = 0) {
  # MSFT_SmbSession's properties and types (windows-facts.md section 11.3).
  return [pscustomobject]@{
    SessionId = $SessionId; ClientComputerName = $Client; ClientUserName = $User; NumOpens = $NumOpens
    SecondsIdle = [uint32]33; SecondsExists = [uint32]45346; Dialect = '3.1.1'; ScopeName = '*'
    ClusterNodeName = ''; TransportName = ''; SmbInstance = [uint32]0
  }
}

function New-SmbOpenFileObject([uint64]$FileId, [uint64]$SessionId, [string]$Path, [string]$User, [string]$Client = '192.168.101.13') {
  # MSFT_SmbOpenFile's properties and types (windows-facts.md section 11.3).
  return [pscustomobject]@{
    FileId = $FileId; SessionId = $SessionId; Path = $Path; ShareRelativePath = (Split-Path -Leaf $Path)
    ClientComputerName = $Client; ClientUserName = $User; Locks = [uint32]1; Permissions = [uint32]1179785
    ScopeName = '*'; ClusterNodeName = ''; ContinuouslyAvailable = $false; Encrypted = $false; Signed = $true
    SmbInstance = [uint32]0
  }
}

# Stand-ins for the WSMan and CIM cmdlets the shell operations call (absent from pwsh on Linux),
# with the parameter sets of windows-facts.md section 13 (Get-WSManInstance.md, Remove-WSManInstance.md).
function global:Get-WSManInstance {
  [CmdletBinding(DefaultParameterSetName = 'GetInstance')]
  param(
    [Parameter(Mandatory, Position = 0)][Alias('RURI')][Uri]$ResourceURI,
    [Parameter(ParameterSetName = 'GetInstance', Position = 1)][hashtable]$SelectorSet,
    [Parameter(ParameterSetName = 'GetInstance')][string]$Fragment,
    [Parameter(ParameterSetName = 'Enumerate', Mandatory)][switch]$Enumerate,
    [Parameter(ParameterSetName = 'Enumerate')][string]$Filter,
    [Parameter(ParameterSetName = 'Enumerate')][Uri]$Dialect,
    [Parameter(ParameterSetName = 'Enumerate')][switch]$Associations,
    [Parameter(ParameterSetName = 'Enumerate')][switch]$BasePropertiesOnly,
    [Parameter(ParameterSetName = 'Enumerate')][ValidateSet('object', 'epr', 'objectandepr')][string]$ReturnType,
    [Parameter(ParameterSetName = 'Enumerate')][switch]$Shallow,
    [string]$ApplicationName,
    [Alias('CN')][string]$ComputerName,
    [Alias('CURI')][Uri]$ConnectionURI,
    [hashtable]$OptionSet,
    [int]$Port,
    [switch]$UseSSL
  )
  throw 'Get-WSManInstance is not mocked in this test.'
}

function global:Remove-WSManInstance {
  [CmdletBinding()]
  param(
    [Parameter(Mandatory, Position = 0)][Alias('RURI')][Uri]$ResourceURI,
    [Parameter(Mandatory, Position = 1)][hashtable]$SelectorSet,
    [string]$ApplicationName,
    [Alias('CN')][string]$ComputerName,
    [Alias('CURI')][Uri]$ConnectionURI,
    [hashtable]$OptionSet,
    [int]$Port,
    [switch]$UseSSL
  )
  throw 'Remove-WSManInstance is not mocked in this test.'
}

function global:Get-CimInstance {
  [CmdletBinding(DefaultParameterSetName = 'ClassNameComputerSet')]
  param(
    [Parameter(Mandatory, Position = 0)][string]$ClassName,
    [string]$Namespace,
    [string]$Filter,
    [Alias('SelectProperties')][string[]]$Property,
    [switch]$KeyOnly,
    [switch]$Shallow,
    [Alias('OT')][uint32]$OperationTimeoutSec,
    [Alias('CN', 'ServerName')][string[]]$ComputerName
  )
  throw 'Get-CimInstance is not mocked in this test.'
}

$script:ShellNamespace = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell'

function New-ShellElement([System.Collections.IDictionary]$Fields) {
  # One shell as Get-WSManInstance returns it: an rsp:Shell XmlElement with xml:lang, each field a
  # child element holding its text (MS-WSMV 2.2.4.37).
  $document = [xml]::new()
  $shell = $document.CreateElement('rsp', 'Shell', $ShellNamespace)
  $null = $shell.SetAttribute('lang', 'http://www.w3.org/XML/1998/namespace', 'en-US')
  foreach ($name in $Fields.Keys) {
    $child = $document.CreateElement('rsp', $name, $ShellNamespace)
    $child.InnerText = [string]$Fields[$name]
    $null = $shell.AppendChild($child)
  }
  $null = $document.AppendChild($shell)
  # An XmlElement enumerates its children: the comma keeps it whole on the way out.
  return , $document.DocumentElement
}

function Get-ShellFixture([string]$Fixture) {
  # A captured shell list (test/fixtures/windows/wsman-shell/) back as the XmlElements it displayed:
  # `Name : value` (Format-List) or `    Name = value` (winrm) lines, one block per shell; the
  # Format-List lines rsp and lang are the element's attributes, and `(...)` is the publisher's cut.
  $blocks = [Collections.Generic.List[object]]::new()
  $fields = $null
  foreach ($line in [IO.File]::ReadAllLines((Get-WindowsFixturePath $Fixture))) {
    $match = [regex]::Match($line, '\A\s*([A-Za-z]+)\s*[:=] ?(.*)\z')
    if (-not $match.Success -or $line -eq 'Shell') {
      if ($null -ne $fields -and $fields.Count -gt 0) { $blocks.Add($fields) }
      $fields = $null
      continue
    }
    if ($null -eq $fields) { $fields = [ordered]@{} }
    $name = $match.Groups[1].Value
    if ($name -in @('rsp', 'lang')) { continue }
    $fields[$name] = $match.Groups[2].Value
  }
  if ($null -ne $fields -and $fields.Count -gt 0) { $blocks.Add($fields) }
  return @($blocks | ForEach-Object { New-ShellElement $_ })
}

function New-ShellFields([string]$Id, [string]$Owner, [string]$State, [string]$ChildProcesses, [string]$ProcessId = '5800') {
  # A shell of today's WinRM (every field of windows-facts.md section 13.1), from the real values of
  # wsman-shell/en-US-psmag-pstip-managing-remote-sessions.txt; State and child processes vary.
  return [ordered]@{
    ShellId = $Id; Name = 'WinRM1'; ResourceUri = 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell'
    Owner = $Owner; ClientIP = '192.168.2.11'; ProcessId = $ProcessId; IdleTimeOut = 'PT7200.000S'
    InputStreams = 'stdin pr'; OutputStreams = 'stdout'; MaxIdleTimeOut = 'PT43200.000S'; Locale = 'en-US'
    DataLocale = 'en-US'; CompressionMode = 'XpressCompression'; ProfileLoaded = 'Yes'; Encoding = 'UTF8'
    BufferMode = 'Block'; State = $State; ShellRunTime = 'P0DT0H17M7S'; ShellInactivity = 'P0DT0H0M7S'
    MemoryUsed = '134MB'; ChildProcesses = $ChildProcesses
  }
}

function New-WSManFault([string]$Code, [string]$Message) {
  # How the WSMan cmdlets report a fault: InvalidOperation, the WSManFault XML as the message
  # (windows-facts.md section 13.3).
  $text = '<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="' + $Code + '" Machine="localhost"><f:Message>' + $Message + ' </f:Message></f:WSManFault>'
  return [Management.Automation.ErrorRecord]::new(
    [InvalidOperationException]::new($text),
    'WsManError,Microsoft.WSMan.Management.RemoveWSManInstanceCommand',
    [Management.Automation.ErrorCategory]::InvalidOperation,
    $null)
}

function New-ProcessObject([uint32]$ProcessId, [uint32]$ParentProcessId, [string]$Name = 'svchost.exe') {
  return [pscustomobject]@{ ProcessId = $ProcessId; ParentProcessId = $ParentProcessId; Name = $Name }
}

function New-FakeWindows {
  # A fresh Windows directory with every fake tool installed (exit 0, no output). Returns its root.
  $root = Join-Path ([IO.Path]::GetTempPath()) ('sj-host-' + [guid]::NewGuid().ToString('N'))
  $null = New-Item -ItemType Directory -Path (Join-Path $root 'Windows/System32')
  foreach ($tool in $FakeTools) { Install-FakeTool $root $tool }
  $env:SystemRoot = Join-Path $root 'Windows'
  [SessionJanitorWtsFake]::Reset()
  [SessionJanitorWtsFake]::ToolCalls = Join-Path $root 'fake'
  return $root
}

function Install-FakeTool([string]$Root, [string]$Name) {
  $state = Join-Path $Root "fake/$Name"
  $null = New-Item -ItemType Directory -Force -Path (Join-Path $state 'calls')
  # One file per call, each argument NUL-terminated: the exact argv, whatever it holds.
  $body = @(
    '#!/bin/sh'
    "state='$state'"
    'call="$state/calls/$(printf %06d "$(ls "$state/calls" | wc -l)")"'
    ': > "$call"'
    'for arg in "$@"; do printf ''%s\0'' "$arg" >> "$call"; done'
    '[ -f "$state/stdout" ] && cat "$state/stdout"'
    '[ -f "$state/stderr" ] && cat "$state/stderr" >&2'
    'exit "$(cat "$state/exitcode" 2>/dev/null || echo 0)"'
  ) -join "`n"
  $path = Join-Path $Root "Windows/System32/$Name"
  [IO.File]::WriteAllText($path, $body + "`n")
  [IO.File]::SetUnixFileMode($path, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
}

function Get-WindowsFixturePath([string]$Fixture) {
  $path = Join-Path $WindowsFixtures $Fixture
  if (-not (Test-Path -LiteralPath $path)) { throw "No Windows fixture $Fixture" }
  return $path
}

function Set-FakeTool {
  # What a fake prints: -Stdout/-Stderr name files under test/fixtures/windows/ (copied byte for
  # byte); -StdoutText is for output built by the test (size limits), never a stand-in for a capture.
  param(
    [Parameter(Mandatory)][string]$Root,
    [Parameter(Mandatory)][string]$Name,
    [string]$Stdout,
    [string]$Stderr,
    [string]$StdoutText,
    [int]$ExitCode = 0
  )
  $state = Join-Path $Root "fake/$Name"
  if ($Stdout) { Copy-Item -LiteralPath (Get-WindowsFixturePath $Stdout) -Destination (Join-Path $state 'stdout') }
  if ($StdoutText) { [IO.File]::WriteAllText((Join-Path $state 'stdout'), $StdoutText) }
  if ($Stderr) { Copy-Item -LiteralPath (Get-WindowsFixturePath $Stderr) -Destination (Join-Path $state 'stderr') }
  [IO.File]::WriteAllText((Join-Path $state 'exitcode'), [string]$ExitCode)
}

function Remove-FakeTool([string]$Root, [string]$Name) {
  # As on Server Core, where msg.exe (and others) do not exist.
  Remove-Item -LiteralPath (Join-Path $Root "Windows/System32/$Name")
}

function Get-FakeToolCalls([string]$Root, [string]$Name) {
  # Every argv the fake received, oldest first: an array of string[] (one per call).
  $calls = [Collections.Generic.List[object]]::new()
  foreach ($file in @(Get-ChildItem -LiteralPath (Join-Path $Root "fake/$Name/calls") -File | Sort-Object Name)) {
    $text = [IO.File]::ReadAllText($file.FullName, [Text.Encoding]::UTF8)
    $argv = [string[]]@()
    if ($text.Length -gt 0) { $argv = $text.Substring(0, $text.Length - 1).Split([char]0) }
    $calls.Add($argv)
  }
  return , $calls.ToArray()
}

function Get-AllFakeToolCalls([string]$Root) {
  $all = [ordered]@{}
  foreach ($tool in $FakeTools) { $all[$tool] = Get-FakeToolCalls $Root $tool }
  return $all
}

function Get-FakeToolsThatRan([string]$Root) {
  # Names of the fakes that were started at all: empty when the script ran nothing.
  $calls = Get-AllFakeToolCalls $Root
  return @($calls.Keys | Where-Object { $calls[$_].Count -gt 0 })
}

function Get-FixtureLines([string]$Fixture) {
  # A capture as the script relays it: each line PowerShell read from the tool, ended by CR LF.
  $text = [IO.File]::ReadAllText((Get-WindowsFixturePath $Fixture), [Text.Encoding]::UTF8)
  $lines = @($text -split "\r?\n")
  if ($lines[-1].Length -eq 0) { $lines = @($lines | Select-Object -SkipLast 1) }
  return (@($lines | ForEach-Object { $_ + "`r`n" }) -join '')
}

function Remove-FakeWindows([string]$Root) {
  if ($Root -and (Test-Path -LiteralPath $Root)) { Remove-Item -LiteralPath $Root -Recurse -Force }
}

$script:OperateScriptPath = Join-Path ([IO.Path]::GetTempPath()) ('sj-operate-' + [guid]::NewGuid().ToString('N') + '.ps1')
[IO.File]::WriteAllText($OperateScriptPath, (Get-OperateScriptText))

function Invoke-OperateScript {
  # Runs the script once as the agent would: SSM_<Name> set for every non-empty parameter (Windows
  # holds no empty environment variable), stdout and stderr captured, the exit code kept.
  param([Parameter(Mandatory)][hashtable]$Parameters, [string]$Culture = 'en-US')
  $names = @('Operation') + @(Get-OperateParameterNames | Where-Object { $_ -ne 'Operation' })
  foreach ($key in $Parameters.Keys) {
    if ($names -notcontains $key) { throw "The document has no parameter $key" }
  }
  $savedEnv = @{}
  foreach ($name in $names) {
    $savedEnv[$name] = [Environment]::GetEnvironmentVariable("SSM_$name")
    $value = ''
    if ($Parameters.ContainsKey($name)) { $value = [string]$Parameters[$name] }
    if ($value.Length -eq 0) { $value = $null }
    [Environment]::SetEnvironmentVariable("SSM_$name", $value)
  }
  $savedCulture = [Globalization.CultureInfo]::CurrentCulture
  $stdout = [IO.StringWriter]::new()
  $stderr = [IO.StringWriter]::new()
  $savedOut = [Console]::Out
  $savedErr = [Console]::Error
  $streamed = @()
  $escaped = $null
  $global:LASTEXITCODE = -424242
  try {
    [Globalization.CultureInfo]::CurrentCulture = [Globalization.CultureInfo]::GetCultureInfo($Culture)
    [Console]::SetOut($stdout)
    [Console]::SetError($stderr)
    # Anything the script writes to its streams reaches the agent's stdout/stderr too.
    $streamed = @(& $OperateScriptPath *>&1)
  } catch {
    $escaped = $_
  } finally {
    [Console]::SetOut($savedOut)
    [Console]::SetError($savedErr)
    [Globalization.CultureInfo]::CurrentCulture = $savedCulture
    foreach ($name in $names) { [Environment]::SetEnvironmentVariable("SSM_$name", $savedEnv[$name]) }
  }
  $exitCode = $global:LASTEXITCODE
  if ($null -ne $escaped) { throw "The script let an error escape: $escaped" }
  if ($exitCode -eq -424242) { throw 'The script ended without exit.' }
  $out = $stdout.ToString()
  $lines = @($out -split "`r?`n" | Where-Object { $_.Length -gt 0 })
  $envelope = $null
  if ($lines.Count -gt 0 -and $lines[-1].StartsWith('{')) { $envelope = $lines[-1] | ConvertFrom-Json -DateKind String }
  return [pscustomobject]@{
    ExitCode = $exitCode
    Stdout = $out
    Stderr = $stderr.ToString()
    Streamed = $streamed
    EnvelopeText = $(if ($lines.Count -gt 0) { $lines[-1] } else { '' })
    Envelope = $envelope
    Wts = @([SessionJanitorWtsFake]::Calls)
  }
}

function Invoke-OperateScriptConstrained {
  # Invoke-OperateScript on a WDAC or AppLocker host: the script runs in a child pwsh whose session
  # is in ConstrainedLanguage mode (a session never leaves that mode, so it cannot be this one).
  # The WTS stand-in is not loaded there: the script must not need it.
  param([Parameter(Mandatory)][hashtable]$Parameters, [string]$Culture = 'en-US')
  $names = @('Operation') + @(Get-OperateParameterNames | Where-Object { $_ -ne 'Operation' })
  $savedEnv = @{}
  foreach ($name in $names) {
    $savedEnv[$name] = [Environment]::GetEnvironmentVariable("SSM_$name")
    $value = ''
    if ($Parameters.ContainsKey($name)) { $value = [string]$Parameters[$name] }
    if ($value.Length -eq 0) { $value = $null }
    [Environment]::SetEnvironmentVariable("SSM_$name", $value)
  }
  $stderrFile = Join-Path ([IO.Path]::GetTempPath()) ('sj-clm-' + [guid]::NewGuid().ToString('N') + '.txt')
  $command = "[Globalization.CultureInfo]::CurrentCulture = '$Culture'; " +
    "`$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'; & '$OperateScriptPath'; exit `$LASTEXITCODE"
  try {
    # $PSHOME holds pwsh itself also where it runs as a dotnet tool (ProcessPath is dotnet then).
    $lines = @(& (Join-Path $PSHOME 'pwsh') -NoLogo -NoProfile -NonInteractive -Command $command 2> $stderrFile)
    $exitCode = $LASTEXITCODE
  } finally {
    foreach ($name in $names) { [Environment]::SetEnvironmentVariable("SSM_$name", $savedEnv[$name]) }
  }
  $stderr = [IO.File]::ReadAllText($stderrFile)
  Remove-Item -LiteralPath $stderrFile
  $out = @($lines | ForEach-Object { [string]$_ + "`n" }) -join ''
  $last = if ($lines.Count -gt 0) { [string]$lines[-1] } else { '' }
  $envelope = $null
  if ($last.StartsWith('{')) { $envelope = $last | ConvertFrom-Json -DateKind String }
  return [pscustomobject]@{ ExitCode = $exitCode; Stdout = $out; Stderr = $stderr; EnvelopeText = $last; Envelope = $envelope }
}
